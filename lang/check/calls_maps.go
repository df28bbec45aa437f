package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.HasKey] = (*checker).checkHasKey
	callCheckers[stdlib.Strerror] = (*checker).checkStrerror
	callCheckers[stdlib.SyscallName] = (*checker).checkSyscallName
}

// checkHasKey checks has_key(@map, key): a bool telling whether the key is
// in the map.
func (c *checker) checkHasKey(call *ast.Call, _ *ast.MapExpr) types.Type {
	m, sym := c.mapArg(call)
	if m == nil {
		return nil
	}
	if len(m.Keys) != 0 {
		c.errorf(m, diag.CodeType, "has_key() expects a map without a key as its first argument")
		return nil
	}
	kt := c.expr(call.Args[1])
	if kt == nil {
		return nil
	}
	if sym.Key == nil {
		c.errorf(call.Args[0], diag.CodeType, "call to has_key() expects a map with explicit keys (%s is a scalar map)", m.Name)
		return nil
	}
	if !c.accessKey(m, sym, kt, call.Args[1]) {
		return nil
	}
	if a, ok := sym.Value.(*types.Agg); ok && (a.Kind == types.Hist || a.Kind == types.LHist) {
		c.errorf(call, diag.CodeUnsupported, "has_key() on a %s map is not supported yet", a.Kind)
		return nil
	}
	return &types.Bool{}
}

// checkSyscallName checks syscall_name(nr): a system call number printed
// as its name (the names of x86-64 Linux, from stdlib/uapi's __NR_*).
func (c *checker) checkSyscallName(call *ast.Call, _ *ast.MapExpr) types.Type {
	return c.numberAsText(call, "syscall_name() expects an integer system call number", &types.SyscallName{})
}

// checkStrerror checks strerror(errno): a value printed as the error text.
func (c *checker) checkStrerror(call *ast.Call, _ *ast.MapExpr) types.Type {
	return c.numberAsText(call, "strerror() expects an integer error number", &types.Errno{})
}

// numberAsText checks a call whose integer argument is printed as text
// (result, a type the runtime renders); want is the error for another
// argument, followed by the type provided.
func (c *checker) numberAsText(call *ast.Call, want string, result types.Type) types.Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !types.IsInt(t) {
		c.errorf(call.Args[0], diag.CodeType, "%s (%s provided)", want, t)
		return nil
	}
	return result
}
