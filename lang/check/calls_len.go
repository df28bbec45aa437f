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
// int64; and len(stack), the frames of a kstack or ustack value (at most
// its limit). A stack value holds the id of the stack trace map entry,
// which BPF programs cannot read, so codegen counts the frames of the
// stack as it is where len() runs: the stack recorded by the same probe
// run. A stack read from a map (directly or through a variable) was
// recorded elsewhere, and is refused.
func (c *checker) checkLen(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	m, ok := arg.(*ast.MapExpr)
	if !ok || len(m.Keys) != 0 {
		t := c.expr(arg)
		if _, isStack := t.(*types.Stack); isStack {
			v, isVar := arg.(*ast.Var)
			if c.stackCapture(arg) || isVar && c.tab.Vars[v] != nil && !c.tab.Vars[v].storedStack {
				return types.Int64
			}
			c.errorf(arg, diag.CodeUnsupported, "len() of a stack read from a map is not supported: len() counts the frames of a stack recorded by the same probe")
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

// stackCapture reports whether e records the current stack: the kstack or
// ustack builtin, or a kstack(…)/ustack(…) call.
func (c *checker) stackCapture(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		b, ok := c.tab.Builtins[e]
		return ok && (b.ID == stdlib.Kstack || b.ID == stdlib.Ustack)
	case *ast.Call:
		id := c.tab.Calls[e]
		return id == stdlib.KstackFn || id == stdlib.UstackFn
	}
	return false
}

// assignedValue is the value an assignment or let statement assigns (nil
// for other nodes).
func assignedValue(n ast.Node) ast.Expr {
	switch s := n.(type) {
	case *ast.AssignStmt:
		return s.Value
	case *ast.LetStmt:
		return s.Value
	}
	return nil
}
