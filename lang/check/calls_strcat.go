package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Strcap] = (*checker).checkStrcap
	callCheckers[stdlib.StrConcat] = (*checker).checkStrConcat
}

// checkStrcap: strcap(s) is the capacity of a string or the length of a
// char array (constants), or the length of the string a char pointer
// points to (read at run time, at most max_strlen), an int64.
func (c *checker) checkStrcap(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	switch t := t.(type) {
	case nil:
		return nil
	case *types.String:
		c.tab.Consts[call] = int64(t.Cap)
	case *types.Array:
		if !isChar(t.Elem) {
			c.errorf(call.Args[0], diag.CodeType, "string-like arrays must contain a char-like type (%s provided)", t)
			return nil
		}
		c.tab.Consts[call] = int64(t.Len)
	case *types.Pointer:
		if !isChar(t.Elem) {
			c.errorf(call.Args[0], diag.CodeType, "string-like pointers must point to a char-like type (%s provided)", t)
			return nil
		}
	default:
		c.errorf(call.Args[0], diag.CodeType, "string-like values must be either strings, arrays or pointers (%s provided)", t)
		return nil
	}
	return types.Int64
}

// isChar reports whether t is a one-byte integer.
func isChar(t types.Type) bool {
	it, ok := t.(*types.Int)
	return ok && it.Size() == 1
}

// checkStrConcat: str_concat(a, b) is a string of capacity cap(a)+cap(b)-1
// holding a followed by b. The copy of b is unrolled for every place a
// may end, so the capacities multiply into the code size (bounded as
// strcontains' are).
func (c *checker) checkStrConcat(call *ast.Call, _ *ast.MapExpr) types.Type {
	strs := c.stringArgs(call, call.Args)
	if strs == nil {
		return nil
	}
	a, aok := c.tab.StrConsts[call.Args[0]]
	b, bok := c.tab.StrConsts[call.Args[1]]
	if aok && bok {
		s := cString(a) + cString(b)
		c.tab.StrConsts[call] = s
		return &types.String{Cap: len(s) + 1}
	}
	if work := strs[0].Cap * strs[1].Cap; work > MaxStrcontainsWork {
		c.errorf(call, diag.CodeType, "str_concat() on strings this long is too costly: the capacities multiply to %d (%d and %d), more than %d",
			work, strs[0].Cap, strs[1].Cap, MaxStrcontainsWork).
			Hint("use shorter strings, e.g. str(ptr, len) or a smaller max_strlen")
		return nil
	}
	return &types.String{Cap: strs[0].Cap + strs[1].Cap - 1}
}
