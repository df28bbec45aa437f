package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Reg] = callGen{scalar: genReg}
}

// genReg loads a register from the context (struct pt_regs, which also
// starts perf events' context).
func genReg(g *gen, call *ast.Call) {
	off, _, _ := stdlib.RegOffset(g.inst.StrConsts[call.Args[0]]) // validated by the checker
	g.e.emit(asm.LoadMem(asm.R0, regCtx, int16(off), asm.DWord))
}
