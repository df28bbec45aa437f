package codegen_test

import "testing"

// TestDwStackLoads loads dw_ustack through the verifier in the probe
// kinds that take it: uprobes (the probe's registers), tracepoints and
// perf events (the task's saved user registers), with modes and limits.
func TestDwStackLoads(t *testing.T) {
	requireRoot(t)
	for _, text := range []string{
		`uprobe:/bin/bash:main { @[dw_ustack()] = count(); }`,
		`uprobe:/bin/bash:main { printf("%s\n", dw_ustack(perf, 5)); }`,
		`tracepoint:syscalls:sys_enter_getpid { @[dw_ustack(3)] = count(); }`,
		`profile:hz:99 { @[dw_ustack(), ustack] = count(); }`,
		`uprobe:/bin/bash:main { for ($i : 0..2) { @[$i, dw_ustack(raw)] = count(); } }`,
	} {
		t.Run(text, func(t *testing.T) {
			if obj := compileConstruct(t, text); obj != nil {
				load(t, obj)
			}
		})
	}
}
