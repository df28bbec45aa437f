package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.KstackFn] = (*checker).checkKstack
}

// stackModes are the stack output styles kstack(mode) accepts.
var stackModes = map[string]types.StackMode{
	"bpftrace": types.StackBpftrace, "perf": types.StackPerf, "raw": types.StackRaw,
}

// maxStackFrames is the deepest stack recorded (the kernel's default
// perf_event_max_stack).
const maxStackFrames = 127

// checkKstack checks kstack([mode][, limit]): mode is bpftrace, perf or
// raw; limit a constant number of frames.
func (c *checker) checkKstack(call *ast.Call, _ *ast.MapExpr) types.Type {
	st := &types.Stack{Limit: maxStackFrames}
	for i, a := range call.Args {
		if id, ok := a.(*ast.Ident); ok && i == 0 {
			mode, ok := stackModes[id.Name]
			if !ok {
				c.errorf(a, diag.CodeType, "%s is not a stack mode (bpftrace, perf or raw)", id.Name)
				return nil
			}
			st.Mode = mode
			continue
		}
		c.expr(a)
		n, ok := c.tab.Consts[a]
		if !ok || n < 1 || n > maxStackFrames {
			c.errorf(a, diag.CodeType, "kstack() limit must be a constant between 1 and %d", maxStackFrames)
			return nil
		}
		st.Limit = int(n)
	}
	return st
}
