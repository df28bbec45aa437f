package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// getopt() is resolved by the checker to the option's value, a constant
// (Consts or StrConsts of the call); intExpr and valueTo emit constants
// before looking at the call, so these generators only state it.
func init() {
	callGens[stdlib.Getopt] = callGen{
		scalar: func(g *gen, call *ast.Call) { g.loadConst(asm.R0, g.inst.Consts[call]) },
		mem: func(g *gen, call *ast.Call, dst loc, dt types.Type) {
			g.constString(g.inst.StrConsts[call], dst, dt.Size())
		},
	}
}
