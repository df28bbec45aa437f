package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// MaxMemcmp bounds the bytes memcmp() compares: the comparison is unrolled.
const MaxMemcmp = 1024

func init() {
	callCheckers[stdlib.Memcmp] = (*checker).checkMemcmp
}

// checkMemcmp: memcmp(left, right, count) compares the first count bytes
// of two values (strings, integers, arrays, tuples, records, structs); a
// constant count must fit both, a run-time one is bounded by them.
func (c *checker) checkMemcmp(call *ast.Call, _ *ast.MapExpr) types.Type {
	lt := c.expr(call.Args[0])
	rt := c.expr(call.Args[1])
	ct := c.expr(call.Args[2])
	if lt == nil || rt == nil || ct == nil {
		return nil
	}
	for i, t := range []types.Type{lt, rt} {
		if !storable(t) || valueType(t).Size() < 1 {
			c.errorf(call.Args[i], diag.CodeType, "memcmp() cannot compare values of type %s", t)
			return nil
		}
	}
	if !types.IsInt(ct) {
		c.errorf(call.Args[2], diag.CodeType, "memcmp() expects an integer count (%s provided)", ct)
		return nil
	}
	size := min(valueType(lt).Size(), valueType(rt).Size())
	if n, ok := c.tab.Consts[call.Args[2]]; ok && (n < 0 || n > int64(size)) {
		c.errorf(call.Args[2], diag.CodeType, "memcmp() count must be between 0 and the size of the smaller value (%d bytes; %d provided)", size, n)
		return nil
	}
	if size > MaxMemcmp {
		c.errorf(call, diag.CodeType, "memcmp() compares at most %d bytes (the values have %d)", MaxMemcmp, size)
		return nil
	}
	return types.Int64
}
