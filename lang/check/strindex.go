package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// stringIndex checks s[i] on a string value: its i-th byte, an int8, as
// bpftrace reads strings as char arrays (opensnoop tests $path[0] !=
// "/"[0]). A constant string with a constant index is a constant.
func (c *checker) stringIndex(e *ast.IndexExpr, st *types.String) types.Type {
	n, isConst := c.tab.Consts[e.Index]
	if isConst && (n < 0 || n >= int64(st.Cap)) {
		c.errorf(e.Index, diag.CodeType, "the index %d is out of bounds for array of size %d", n, st.Cap)
		return nil
	}
	if s, ok := c.tab.StrConsts[e.X]; ok && isConst {
		var b byte
		if int(n) < len(s) {
			b = s[n]
		}
		c.tab.Consts[e] = int64(int8(b))
	}
	return types.Int8
}
