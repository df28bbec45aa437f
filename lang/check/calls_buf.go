package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Buf] = (*checker).checkBuf
}

// checkBuf checks buf(ptr[, len]): the buffer's capacity is a constant len
// (or the string capacity max_strlen); a run-time len is bounded by it.
func (c *checker) checkBuf(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !isPointer(t) && !types.IsInt(t) {
		c.errorf(call.Args[0], diag.CodeType, "buf() expects a pointer or an address (%s provided)", t)
		return nil
	}
	capacity := c.info.StrLen
	if len(call.Args) == 2 {
		lt := c.expr(call.Args[1])
		if lt == nil {
			return nil
		}
		if !types.IsInt(lt) {
			c.errorf(call.Args[1], diag.CodeType, "buf() length must be an integer (%s provided)", lt)
			return nil
		}
		if n, ok := c.tab.Consts[call.Args[1]]; ok {
			if n < 1 || n > MaxStrLen {
				c.errorf(call.Args[1], diag.CodeType, "buf() length must be between 1 and %d", MaxStrLen)
				return nil
			}
			capacity = int(n)
		}
	}
	return &types.Buffer{Cap: capacity}
}
