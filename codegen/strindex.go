package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// stringIndex loads s[i], the i-th byte of a string value, into R0: read
// from the string's stack slot at a constant index, or through its
// address (bpf_probe_read_kernel) at a variable one, which reads 0 when
// outside the string.
func (g *gen) stringIndex(x *ast.IndexExpr, st *types.String) {
	m := g.e.mark()
	defer g.e.release(m)
	var l loc
	if v, ok := x.X.(*ast.Var); ok {
		l = g.vars[g.inst.Vars[v]]
	} else {
		l = g.e.slot(st.Cap)
		g.valueTo(x.X, l, st)
	}
	if n, ok := g.inst.Consts[x.Index]; ok {
		g.e.loadInt(asm.R0, l.plus(int(n)), 1, true)
		return
	}
	out, end := g.e.newLabel("stridx_out"), g.e.newLabel("stridx_end")
	g.intExpr(x.Index)
	g.e.emit(asm.JGE.Imm(asm.R0, int32(st.Cap), out))
	g.e.addr(asm.R1, l)
	g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
	g.readScalar(types.Int8, false)
	g.e.emit(asm.Ja.Label(end))
	g.e.place(out)
	g.e.emit(asm.Mov.Imm(asm.R0, 0))
	g.e.place(end)
}
