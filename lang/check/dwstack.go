package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// dw_ustack([mode][, limit]) is a user stack unwound in the kernel with
// the DWARF call frame information of the traced processes (codegen's
// dwstack.go), so it has ustack's type and prints as one. Its unwind
// tables are loaded for the processes the run names (-p, -c,
// --dwarf-pid), which it therefore requires, as bpftrace HEAD does. It is
// an unstable feature there: unstable_dw_ustack = error refuses it, warn
// (the default) warns once.

func init() {
	callCheckers[stdlib.DwUstack] = (*checker).checkDwUstack
}

func (c *checker) checkDwUstack(call *ast.Call, _ *ast.MapExpr) types.Type {
	if !c.unstable(call, c.info.Config.UnstableDwUstack, "dw_ustack (DWARF stack unwinding)", "unstable_dw_ustack", &c.warnedDwUstack) {
		return nil
	}
	if !c.cfg.UnwindTargets && !c.cfg.Listing {
		c.errorf(call, diag.CodeUnsupported, "dw_ustack requires a target process. Use -p, -c, or --dwarf-pid to specify one.")
		return nil
	}
	t := c.checkStack("dw_ustack", true, call)
	if st, ok := t.(*types.Stack); ok && st.Mode == types.StackBuildID {
		c.errorf(call, diag.CodeType, "dw_ustack() does not record build_id stacks: use ustack(build_id)")
		return nil
	}
	return t
}
