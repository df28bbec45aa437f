package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Len] = (*checker).checkLen
}

// checkLen checks len(@map): the number of keys of a map with keys, an
// int64. bpftrace also counts the frames of a kstack or ustack value,
// which records no depth here.
func (c *checker) checkLen(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	m, ok := arg.(*ast.MapExpr)
	if !ok || len(m.Keys) != 0 {
		t := c.expr(arg)
		if _, isStack := t.(*types.Stack); isStack {
			c.errorf(arg, diag.CodeUnsupported, "len() of a stack is not supported yet")
			return nil
		}
		if t != nil {
			c.errorf(arg, diag.CodeType, "call to len() expects a map, ustack, or kstack")
		}
		return nil
	}
	_, sym := c.mapArg(call)
	if sym == nil {
		return nil
	}
	if sym.Key == nil {
		c.errorf(call, diag.CodeType, "call to len() expects a map with explicit keys (non-scalar map)")
		return nil
	}
	return types.Int64
}
