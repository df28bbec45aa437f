package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.HasKey] = callGen{scalar: genHasKey}
	callGens[stdlib.Strerror] = callGen{scalar: func(g *gen, call *ast.Call) { g.intExpr(call.Args[0]) }}
	callGens[stdlib.SyscallName] = callGen{scalar: func(g *gen, call *ast.Call) { g.intExpr(call.Args[0]) }}
}

// genHasKey compiles has_key(@map, key) into a lookup: R0 = 1 when the key
// is present.
func genHasKey(g *gen, call *ast.Call) {
	m := call.Args[0].(*ast.MapExpr)
	def := g.c.maps[m.Name]
	if def == nil {
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		return
	}
	mk := g.e.mark()
	k := g.e.slot(def.Key.Size())
	g.zeroIfPadded(k, def.Key)
	g.valueTo(call.Args[1], k, def.Key)
	g.lookup(m.Name, k)
	g.e.release(mk)
	g.boolOf(func(t string) { g.e.emit(asm.JNE.Imm(asm.R0, 0, t)) })
}
