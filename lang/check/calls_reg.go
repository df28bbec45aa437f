package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Reg] = (*checker).checkReg
}

// checkReg: reg("name") is the 64-bit value of an x86-64 register at the
// probe ("ip", "sp", "ax", "rdi", "r12" …), read from the context at the
// register's pt_regs offset.
func (c *checker) checkReg(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	name, ok := c.literalArg(call, "reg")
	if !ok {
		return nil
	}
	_, high, ok := stdlib.RegOffset(name)
	if !ok || high {
		c.errorf(arg, diag.CodeUnknown, "'%s' is not a valid register", name)
		return nil
	}
	if k := c.attach.Kind; k != stdlib.ProbeInvalid && !stdlib.Probes[k].Regs {
		c.errorf(call, diag.CodeProbe, "reg can not be used with \"%s\" probes", stdlib.Probes[k].Name)
		return nil
	}
	return types.Uint64
}
