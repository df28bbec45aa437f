package codegen

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	// uptr(p) and kptr(p) only change the type: the value is p.
	same := callGen{scalar: func(g *gen, call *ast.Call) { g.intExpr(call.Args[0]) }}
	callGens[stdlib.Uptr] = same
	callGens[stdlib.Kptr] = same
}
