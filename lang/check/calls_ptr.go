package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Uptr] = spaceChecker("uptr", types.User)
	callCheckers[stdlib.Kptr] = spaceChecker("kptr", types.Kernel)
}

// spaceChecker checks uptr(p) or kptr(p): the same pointer (an integer
// becomes an untyped pointer), read from then on with the user or kernel
// helper.
func spaceChecker(fn string, space types.AddrSpace) callChecker {
	return func(c *checker, call *ast.Call, _ *ast.MapExpr) types.Type {
		arg := call.Args[0]
		t := c.expr(arg)
		if t == nil {
			return nil
		}
		switch t := t.(type) {
		case *types.Pointer:
			return &types.Pointer{Elem: t.Elem, Space: space}
		case *types.Int:
			return &types.Pointer{Elem: types.Int8, Space: space}
		}
		c.errorf(arg, diag.CodeType, "%s() expects a pointer or an integer (%s provided)", fn, t)
		return nil
	}
}
