package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Join] = (*checker).checkJoin
}

// checkJoin checks join(argv[, sep]): argv is an array of string pointers
// (char **, such as args.argv of execve), sep a string literal.
func (c *checker) checkJoin(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	p, ok := t.(*types.Pointer)
	if !ok || !isPointer(p.Elem) {
		c.errorf(call.Args[0], diag.CodeType, "join() expects an array of string pointers such as args.argv (%s provided)", t)
		return nil
	}
	if len(call.Args) == 2 {
		c.expr(call.Args[1])
		if _, ok := c.tab.StrConsts[call.Args[1]]; !ok {
			c.errorf(call.Args[1], diag.CodeType, "join() expects a string literal separator")
			return nil
		}
	}
	return void
}
