package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// path(p[, size]) is the full path of a struct path (bpf_d_path). The
// helper takes the kernel's own pointer (PTR_TO_BTF_ID), which only
// fentry, fexit and iter probes have, and the kernel allows it in the
// functions of its d_path allowlist only (the verifier's refusal is
// reported at the call, runtime/verifier.go). p is a struct path pointer
// or a struct path member reached through one (args.file->f_path); the
// string's capacity is size when given (a literal), else max_strlen.

func init() {
	callCheckers[stdlib.Path] = (*checker).checkPath
}

// pathKinds are the probe kinds whose arguments the kernel types.
var pathKinds = map[stdlib.ProbeKind]bool{stdlib.Fentry: true, stdlib.Fexit: true, stdlib.Iter: true}

func (c *checker) checkPath(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	capacity := c.info.StrLen
	if len(call.Args) == 2 {
		c.expr(call.Args[1])
		n, ok := c.tab.Consts[call.Args[1]]
		if _, lit := call.Args[1].(*ast.IntLit); !ok || !lit || n < 0 {
			c.errorf(call.Args[1], diag.CodeType, "path: invalid size value, need non-negative literal")
			return nil
		}
		capacity = max(int(n), 1)
	}
	if k := c.attach.Kind; k != stdlib.ProbeInvalid && !pathKinds[k] {
		c.errorf(call, diag.CodeProbe, "The path function can only be used with 'fentry', 'fexit', 'iter' probes")
		return nil
	}
	if t == nil {
		return nil
	}
	switch t := t.(type) {
	case *types.Pointer:
		if st, ok := c.completePointer(t).Elem.(*types.Struct); ok && st.Name == "path" {
			return &types.String{Cap: capacity}
		}
	case *types.Struct:
		if fe, ok := call.Args[0].(*ast.FieldExpr); ok && t.Name == "path" {
			if _, through := c.fieldSpace(fe); through {
				return &types.String{Cap: capacity}
			}
		}
	}
	c.errorf(call.Args[0], diag.CodeType, "path() expects a struct path * or a struct path member reached through a pointer (%s provided)", t)
	return nil
}
