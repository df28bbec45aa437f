package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Cgroupid] = (*checker).checkCgroupid
	callCheckers[stdlib.CgroupPath] = (*checker).checkCgroupPath
}

// checkCgroupid: cgroupid("path") is the id of a cgroup directory,
// resolved at compile time by the Host (a constant, to compare with the
// cgroup builtin).
func (c *checker) checkCgroupid(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	p, ok := c.literalArg(call, "cgroupid")
	if !ok {
		return nil
	}
	if c.cfg.Host == nil {
		c.errorf(call, diag.CodeUnsupported, "cgroupid() needs the cgroup file system, which is not available")
		return nil
	}
	id, err := c.cfg.Host.CgroupID(p)
	if err != nil {
		c.errorf(arg, diag.CodeUnknown, "Failed to get cgroupid for path %q: %v", p, err)
		return nil
	}
	c.tab.Consts[call] = int64(id)
	return types.Uint64
}

// checkCgroupPath: cgroup_path(id[, "filter"]) prints the path of cgroup
// id in the mounted hierarchies whose names match the filter; the path is
// found in user space when the value is printed.
func (c *checker) checkCgroupPath(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	if !types.IsInt(t) {
		c.errorf(arg, diag.CodeType, "cgroup_path() expects an integer cgroup id (%s provided)", t)
		return nil
	}
	filter := ""
	if len(call.Args) == 2 {
		fa := call.Args[1]
		c.expr(fa)
		s, ok := c.constString(fa)
		if !ok {
			c.errorf(fa, diag.CodeType, "cgroup_path() filter must be a string literal")
			return nil
		}
		filter = s
	}
	return &types.CgroupPath{Filter: filter}
}
