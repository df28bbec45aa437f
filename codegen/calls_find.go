package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Find] = callGen{scalar: genFind, stmt: func(g *gen, call *ast.Call) { genFind(g, call) }}
}

// genFind looks the key up once: when found, the value is copied into the
// variable and R0 is 1; otherwise the variable is left as it was and R0
// is 0.
func genFind(g *gen, call *ast.Call) {
	m := call.Args[0].(*ast.MapExpr)
	def := g.c.maps[m.Name]
	if def == nil {
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		return
	}
	sym := g.inst.Vars[call.Args[2].(*ast.Var)]
	mk := g.e.mark()
	k := g.e.slot(def.Key.Size())
	g.zeroIfPadded(k, def.Key)
	g.valueTo(call.Args[1], k, def.Key)
	g.lookup(m.Name, k)
	g.e.release(mk)
	done := g.e.newLabel("find_done")
	g.e.emit(asm.JEq.Imm(asm.R0, 0, done))
	g.e.emit(asm.Mov.Reg(regTmp, asm.R0))
	g.convert(loc{regTmp, 0}, def.Value, g.vars[sym], sym.Type)
	g.e.emit(asm.Mov.Imm(asm.R0, 1))
	g.e.place(done)
}
