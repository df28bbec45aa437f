package codegen

import (
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/parser"
)

// With -p, the programs of kinds that fire for every process (tracepoint,
// kprobe, fentry …) compare the current pid with the -p process first;
// BEGIN, END, interval and the kinds attached to the process (uprobe,
// profile) do not, and nothing is checked without -p.
func TestPidFilter(t *testing.T) {
	const pid = 4321
	text := `BEGIN { @b = 1; } tracepoint:syscalls:sys_enter_openat { @t = count(); } kprobe:vfs_read { @k = count(); }
		interval:s:1 { @i = 1; } profile:hz:99 { @p = count(); } END { @e = 1; }`
	for _, withPid := range []bool{true, false} {
		src := diag.NewSource("stdin", text)
		prog, pd := parser.Parse(src)
		if pd.HasErrors() {
			t.Fatal(src.Render(pd))
		}
		cfg := &check.Config{Host: hosttest.New()}
		if withPid {
			cfg.Pid = pid
		}
		info, cd := check.Check(src, prog, cfg)
		if cd.HasErrors() {
			t.Fatal(src.Render(cd))
		}
		obj, gd := Compile(info, &Options{Source: src})
		if gd.HasErrors() {
			t.Fatal(src.Render(gd))
		}
		for _, p := range obj.Programs {
			filtered := false
			for _, ins := range p.Insns {
				if ins.OpCode.JumpOp() == asm.JNE && ins.Constant == pid {
					filtered = true
				}
			}
			want := withPid && (p.Probe == "tracepoint:syscalls:sys_enter_openat" || p.Probe == "kprobe:vfs_read")
			if filtered != want {
				t.Errorf("-p %v: %s filters by pid: %v, want %v", withPid, p.Probe, filtered, want)
			}
		}
	}
}
