package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
)

// TestRawForm: tracepoint probes that do not read their record become raw
// tracepoint programs (unless TracepointsPerf); the others, and syscall
// probes left unfused, stay tracepoint programs.
func TestRawForm(t *testing.T) {
	for _, c := range []struct {
		text            string
		mode            TracepointMode
		fused, raw, per int
	}{
		{`tracepoint:sched:sched_switch { @[comm] = count(); printf("%d\n", pid); }`, TracepointsAuto, 0, 1, 0},
		{`tracepoint:sched:sched_switch { @[comm] = count(); }`, TracepointsPerf, 0, 0, 1},
		{`tracepoint:sched:sched_switch { @[args.next_comm] = count(); }`, TracepointsAuto, 0, 0, 1},
		{`tracepoint:sched:sched_switch { @[kstack] = count(); }`, TracepointsAuto, 0, 0, 1},
		{`tracepoint:sched:sched_switch { @[args.common_pid] = count(); }`, TracepointsAuto, 0, 0, 1},
		{`tracepoint:syscalls:sys_enter_read { @ = count(); }`, TracepointsAuto, 0, 0, 1},
		{`tracepoint:syscalls:sys_enter_read { @ = count(); }`, TracepointsFused, 1, 0, 0},
		{`tracepoint:sched:sched_switch { @s = count(); } tracepoint:syscalls:sys_enter_read { @r = count(); }`, TracepointsFused, 1, 1, 0},
	} {
		obj, gd, src := compileScriptWith(t, c.text, nil, &Options{Tracepoints: c.mode})
		if gd.HasErrors() {
			t.Fatalf("%s:\n%s", c.text, src.Render(gd))
		}
		fused, raw, perf := obj.TracepointForms()
		if fused != c.fused || raw != c.raw || perf != c.per {
			t.Errorf("%s (mode %d): %d fused, %d raw, %d perf; want %d, %d, %d", c.text, c.mode, fused, raw, perf, c.fused, c.raw, c.per)
		}
		for _, p := range obj.Programs {
			if p.RawForm && (p.Type != ebpf.RawTracepoint || p.Target.Event != "sched_switch") {
				t.Errorf("%s: raw form program of type %s on %q", c.text, p.Type, p.Target.Event)
			}
			if !p.RawForm && p.Fused == nil && !p.Internal && p.Type != ebpf.TracePoint {
				t.Errorf("%s: tracepoint program of type %s", c.text, p.Type)
			}
		}
	}
}
