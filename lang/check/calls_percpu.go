package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// PercpuNoKallsyms starts the error for a per-CPU variable the kernel
// cannot find the address of.
const PercpuNoKallsyms = "percpu_kaddr() needs the variable in the kernel's symbol table (CONFIG_KALLSYMS_ALL)"

func init() {
	callCheckers[stdlib.PercpuKaddr] = (*checker).checkPercpuKaddr
}

// checkPercpuKaddr: percpu_kaddr("name"[, cpu]) is the address of the
// per-CPU kernel variable name on cpu (the current CPU without it), a
// uint64 * as bpftrace types it. The variable must be in the kernel's BTF,
// where the loader finds its ID.
func (c *checker) checkPercpuKaddr(call *ast.Call, _ *ast.MapExpr) types.Type {
	name, ok := c.literalArg(call, "percpu_kaddr")
	if len(call.Args) == 2 {
		if t := c.expr(call.Args[1]); t != nil && !types.IsInt(t) {
			c.errorf(call.Args[1], diag.CodeType, "percpu_kaddr() expects an integer cpu (%s provided)", t)
			return nil
		}
	}
	if !ok {
		return nil
	}
	if c.cfg.Host == nil {
		c.errorf(call, diag.CodeUnsupported, "percpu_kaddr() needs the kernel symbol table, which is not available")
		return nil
	}
	if !c.cfg.Host.KernelVar(name) {
		c.errorf(call.Args[0], diag.CodeUnknown, "Could not resolve variable \"%s\" from BTF", name)
		return nil
	}
	if _, err := c.cfg.Host.KernelSymbolAddr(name); err != nil {
		// The kernel resolves the variable's address with kallsyms,
		// which lists data symbols only with CONFIG_KALLSYMS_ALL.
		c.errorf(call.Args[0], diag.CodeUnsupported, "%s: %v", PercpuNoKallsyms, err)
		return nil
	}
	return &types.Pointer{Elem: types.Uint64}
}
