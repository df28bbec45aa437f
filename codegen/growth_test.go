package codegen

import (
	"testing"

	"github.com/cilium/ebpf/asm"
)

// TestLayoutCountsKernelGrowth: a conditional jump over 20,000 map lookups
// fits an int16 offset as emitted, but not after the kernel inlines the
// lookups; the layout must treat it as far and rewrite it.
func TestLayoutCountsKernelGrowth(t *testing.T) {
	for _, long := range []bool{false, true} {
		insns := asm.Instructions{asm.JEq.Imm(asm.R0, 0, "end")}
		for range 20_000 {
			insns = append(insns, asm.FnMapLookupElem.Call())
		}
		insns = append(insns, asm.Mov.Imm(asm.R0, 0).WithSymbol("end"), asm.Return())
		out, err := layoutJumps(insns, func() bool { return long })
		if err != nil {
			t.Fatalf("long=%v: %v", long, err)
		}
		if len(out) == len(insns) {
			t.Errorf("long=%v: the jump over the lookups was left as it was", long)
		}
		if first := out[0]; first.OpCode.JumpOp() == asm.JEq && first.Reference() == "end" {
			t.Errorf("long=%v: still a direct conditional jump to the end: %v", long, first)
		}
		if err := CheckJumps(out); err != nil {
			t.Errorf("long=%v: %v", long, err)
		}
	}
	// Without growth the same distance fits and nothing changes.
	insns := asm.Instructions{asm.JEq.Imm(asm.R0, 0, "end")}
	for range 20_000 {
		insns = append(insns, asm.Mov.Imm(asm.R1, 1))
	}
	insns = append(insns, asm.Mov.Imm(asm.R0, 0).WithSymbol("end"), asm.Return())
	out, err := layoutJumps(insns, nil)
	if err != nil || len(out) != len(insns) {
		t.Errorf("a near jump was rewritten (%d → %d instructions, err %v)", len(insns), len(out), err)
	}
}
