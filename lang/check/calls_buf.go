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
// buf(value[, len]) of a string or an array takes the value's bytes: its
// size bounds len and is the capacity without one.
func (c *checker) checkBuf(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	capacity := c.info.StrLen
	switch t.(type) {
	case *types.String, *types.Array:
		capacity = t.Size()
		if capacity < 1 {
			c.errorf(call.Args[0], diag.CodeType, "buf() of an empty value")
			return nil
		}
	default:
		if !isPointer(t) && !types.IsInt(t) {
			c.errorf(call.Args[0], diag.CodeType, "buf() expects a pointer, an address, a string or an array (%s provided)", t)
			return nil
		}
	}
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
			limit := MaxStrLen
			if bufOfValue(t) {
				limit = capacity
			}
			if n < 1 || n > int64(limit) {
				c.errorf(call.Args[1], diag.CodeType, "buf() length must be between 1 and %d", limit)
				return nil
			}
			capacity = int(n)
		}
	}
	return &types.Buffer{Cap: capacity}
}

// BufOfValue reports whether buf() of a value of type t copies the value's
// own bytes (a string or an array) rather than reading memory at an
// address.
func BufOfValue(t types.Type) bool { return bufOfValue(t) }

func bufOfValue(t types.Type) bool {
	switch t.(type) {
	case *types.String, *types.Array:
		return true
	}
	return false
}
