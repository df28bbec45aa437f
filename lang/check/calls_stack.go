package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.KstackFn] = stackChecker("kstack", false)
	callCheckers[stdlib.UstackFn] = stackChecker("ustack", true)
	callCheckers[stdlib.Ksym] = symbolChecker("ksym", false)
	callCheckers[stdlib.Usym] = symbolChecker("usym", true)
}

// stackModes are the stack output styles kstack(mode) accepts, by name
// (types.StackModeNames).
var stackModes = func() map[string]types.StackMode {
	m := make(map[string]types.StackMode, len(types.StackModeNames))
	for mode, name := range types.StackModeNames {
		m[name] = types.StackMode(mode)
	}
	return m
}()

// maxStackFrames is the deepest stack recorded (the kernel's default
// perf_event_max_stack).
const maxStackFrames = 127

// stackChecker checks kstack([mode][, limit]) or ustack([mode][, limit]):
// mode is bpftrace, perf, raw, build_id (user stacks) or folded; limit a
// constant number of frames.
func stackChecker(fn string, user bool) callChecker {
	return func(c *checker, call *ast.Call, _ *ast.MapExpr) types.Type {
		return c.checkStack(fn, user, call)
	}
}

func (c *checker) checkStack(fn string, user bool, call *ast.Call) types.Type {
	st := &types.Stack{User: user, Limit: maxStackFrames}
	hasMode := false
	if len(call.Args) > 0 {
		_, hasMode = call.Args[0].(*ast.Ident)
	}
	if !hasMode {
		st.Mode = c.defaultStackMode(call, user)
	}
	for i, a := range call.Args {
		if id, ok := a.(*ast.Ident); ok && i == 0 {
			mode, ok := stackModes[id.Name]
			if !ok {
				c.errorf(a, diag.CodeType, "%s is not a stack mode (bpftrace, perf, raw, build_id or folded)", id.Name)
				return nil
			}
			if mode == types.StackBuildID && !user {
				c.errorf(a, diag.CodeType, "'build_id' stack mode can only be used for ustack")
				return nil
			}
			st.Mode = mode
			continue
		}
		c.expr(a)
		n, ok := c.tab.Consts[a]
		if !ok || n < 1 || n > maxStackFrames {
			c.errorf(a, diag.CodeType, "%s() limit must be a constant between 1 and %d", fn, maxStackFrames)
			return nil
		}
		st.Limit = int(n)
	}
	return st
}

// defaultStackMode is the mode of a stack written without one: the
// config's stack_mode, except that a kernel stack falls back from
// build_id to raw with a warning at n, as in bpftrace.
func (c *checker) defaultStackMode(n ast.Node, user bool) types.StackMode {
	mode := c.info.Config.StackMode
	if mode == types.StackBuildID && !user {
		c.warnf(n, diag.CodeType, "'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.")
		return types.StackRaw
	}
	return mode
}

// symbolChecker checks ksym(addr) or usym(addr): the symbol containing
// an address, found in user space when printed (for usym with the process
// id recorded next to the address).
func symbolChecker(fn string, user bool) callChecker {
	return func(c *checker, call *ast.Call, _ *ast.MapExpr) types.Type {
		arg := call.Args[0]
		t := c.expr(arg)
		if t == nil {
			return nil
		}
		switch t.(type) {
		case *types.Int, *types.Pointer:
			return &types.Symbol{User: user}
		}
		c.errorf(arg, diag.CodeType, "%s() expects an integer or a pointer argument (%s provided)", fn, t)
		return nil
	}
}
