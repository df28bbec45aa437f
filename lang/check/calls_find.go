package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Find] = (*checker).checkFind
}

// checkFind: find(@map, key, $var) is true when key is in the map, and
// then stores its value in the scratch variable $var (declared with the
// map's value type if it is new).
func (c *checker) checkFind(call *ast.Call, _ *ast.MapExpr) types.Type {
	m, sym := c.mapArg(call)
	kt := c.expr(call.Args[1])
	v, isVar := call.Args[2].(*ast.Var)
	if !isVar {
		c.expr(call.Args[2])
		c.errorf(call.Args[2], diag.CodeType, "find() expects a scratch variable as its third argument")
		return nil
	}
	if m == nil || kt == nil {
		return nil
	}
	if len(m.Keys) != 0 {
		c.errorf(m, diag.CodeType, "find() expects a map without a key as its first argument")
		return nil
	}
	if sym.Key == nil {
		c.errorf(call, diag.CodeType, "call to find() expects a map with explicit keys (non-scalar map)")
		return nil
	}
	if !c.accessKey(m, sym, kt, call.Args[1]) {
		return nil
	}
	if _, isAgg := sym.Value.(*types.Agg); isAgg || !storable(sym.Value) {
		c.errorf(call, diag.CodeUnsupported, "find() of a map of %s values is not supported", sym.Value)
		return nil
	}
	c.bindVar(v, sym.Value, call)
	return &types.Bool{}
}
