package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// override and write_user change the traced code's behaviour or memory.
// bpftrace defines them as stdlib macros that check the probe and the
// arguments before safe mode, with their own wording (UnsafeLate).

func init() {
	callCheckers[stdlib.Override] = (*checker).checkOverride
	callCheckers[stdlib.WriteUser] = (*checker).checkWriteUser
}

// unsafeLate refuses call in safe mode as bpftrace's stdlib macros do.
func (c *checker) unsafeLate(call *ast.Call) bool {
	if c.cfg.Unsafe {
		return true
	}
	c.errorf(call, diag.CodeUnsafe, "%s() is unsafe. To use you need the --unsafe flag", call.Name)
	return false
}

// checkOverride: override(rc) in a kprobe makes the probed function
// return the integer rc.
func (c *checker) checkOverride(call *ast.Call, _ *ast.MapExpr) types.Type {
	if k := c.attach.Kind; k != stdlib.ProbeInvalid && k != stdlib.Kprobe {
		c.errorf(call, diag.CodeProbe, "override() can only be used inside kprobes")
		return nil
	}
	if !c.unsafeLate(call) {
		return nil
	}
	t := c.expr(call.Args[0])
	if t != nil && !types.IsInt(t) {
		c.errorf(call, diag.CodeType, "override() only supports int arguments (%s provided)", t)
		return nil
	}
	return void
}

// MaxWriteUser bounds the bytes one write_user() copies (its source is a
// value on the BPF stack).
const MaxWriteUser = 256

// checkWriteUser: write_user(dst, src, len) copies len bytes of the value
// src (a string, an integer or another value with bytes) to the user
// address dst; a bool result. A constant len must fit src.
func (c *checker) checkWriteUser(call *ast.Call, _ *ast.MapExpr) types.Type {
	if !c.unsafeLate(call) {
		return nil
	}
	dt := c.expr(call.Args[0])
	st := c.expr(call.Args[1])
	lt := c.expr(call.Args[2])
	if dt == nil || st == nil || lt == nil {
		return nil
	}
	if _, isPtr := dt.(*types.Pointer); !isPtr && !types.IsInt(dt) {
		c.errorf(call.Args[0], diag.CodeType, "write_user() expects a pointer or an address as destination (%s provided)", dt)
		return nil
	}
	if !types.IsInt(lt) {
		c.errorf(call.Args[2], diag.CodeType, "write_user() expects an integer length (%s provided)", lt)
		return nil
	}
	size := valueType(st).Size()
	if !storable(st) || size == 0 || size > MaxWriteUser {
		c.errorf(call.Args[1], diag.CodeType, "write_user() cannot write values of type %s (at most %d bytes)", st, MaxWriteUser)
		return nil
	}
	if n, ok := c.tab.Consts[call.Args[2]]; ok && (n < 1 || n > int64(size)) {
		c.errorf(call.Args[2], diag.CodeType, "write_user() length must be between 1 and the size of the value (%d bytes; %d provided)", size, n)
		return nil
	}
	return &types.Bool{}
}
