package codegen

import (
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
)

// TestUSDTLocations: a usdt probe used at two places compiles to one
// program per place, each reading the arguments from its own operands
// (here two registers), and counts as one probe; arg11 of a probe with
// twelve constant arguments is its constant.
func TestUSDTLocations(t *testing.T) {
	obj := mustCompile(t, `usdt:`+hosttest.USDTProgram+`:tracetest:* { @[probe] = sum(arg0); }`)
	if len(obj.Programs) != 3 {
		t.Fatalf("%d programs, want 3 (many, and testprobe at two places)", len(obj.Programs))
	}
	var locs []int
	for _, p := range obj.Programs {
		locs = append(locs, p.Location)
	}
	if locs[0] != 0 || locs[1] != 0 || locs[2] != 1 {
		t.Errorf("locations %v, want [0 0 1]", locs)
	}
	if a, b := obj.Programs[1].Target.Offset, obj.Programs[2].Target.Offset; a != 0x1200 || b != 0x1300 {
		t.Errorf("offsets %#x, %#x; want 0x1200, 0x1300", a, b)
	}
	if a, b := obj.Programs[1].Insns.String(), obj.Programs[2].Insns.String(); a == b {
		t.Error("the two places of testprobe read their argument alike (want edi and eax)")
	}
	if n := obj.AttachPoints(); n != 2 {
		t.Errorf("AttachPoints = %d, want 2 (probes, not places)", n)
	}

	obj = mustCompile(t, `usdt:`+hosttest.USDTProgram+`:tracetest:many { @ = sum(arg11); }`)
	found := false
	for _, ins := range obj.Programs[0].Insns {
		if ins.Dst == asm.R0 && ins.Constant == 11 {
			found = true
		}
	}
	if !found {
		t.Errorf("arg11 (the constant 11) is not loaded:\n%v", obj.Programs[0].Insns)
	}
}
