package codegen

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Cgroupid] = callGen{scalar: genResolvedConst}
	callGens[stdlib.CgroupPath] = callGen{scalar: genCgroupPath}
}

// genCgroupPath is the cgroup id itself: the path is found when printed.
func genCgroupPath(g *gen, call *ast.Call) {
	g.intExpr(call.Args[0])
}
