package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Override] = callGen{stmt: genOverride}
	callGens[stdlib.WriteUser] = callGen{scalar: genWriteUser, stmt: func(g *gen, call *ast.Call) { genWriteUser(g, call) }}
}

// genOverride: bpf_override_return(ctx, rc).
func genOverride(g *gen, call *ast.Call) {
	g.intExpr(call.Args[0])
	g.e.emit(asm.Mov.Reg(asm.R2, asm.R0), asm.Mov.Reg(asm.R1, regCtx))
	g.e.call(asm.FnOverrideReturn)
}

// genWriteUser: the value src is put on the stack and len bytes of it
// (clamped to its size, at least 1) are written to the user address dst
// with bpf_probe_write_user; R0 is true when the write succeeded.
func genWriteUser(g *gen, call *ast.Call) {
	st := argType(g.typeOf(call.Args[1]))
	size := st.Size()
	m := g.e.mark()
	src := g.e.slot(size)
	dst := g.e.slot(8)
	g.valueTo(call.Args[1], src, st)
	g.intExpr(call.Args[0])
	g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.DWord))
	g.intExpr(call.Args[2])
	g.e.emit(asm.Mov.Reg(asm.R3, asm.R0))
	small, fits := g.e.newLabel("wu_small"), g.e.newLabel("wu_fits")
	g.e.emit(asm.JLE.Imm(asm.R3, int32(size), fits))
	g.e.emit(asm.Mov.Imm(asm.R3, int32(size)))
	g.e.place(fits)
	g.e.emit(asm.JNE.Imm(asm.R3, 0, small))
	g.e.emit(asm.Mov.Imm(asm.R3, 1))
	g.e.place(small)
	g.e.emit(asm.LoadMem(asm.R1, dst.base, dst.off, asm.DWord))
	g.e.addr(asm.R2, src)
	g.e.call(asm.FnProbeWriteUser)
	g.e.release(m)
	g.boolOf(func(t string) { g.e.emit(asm.JEq.Imm(asm.R0, 0, t)) })
}
