package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// checkPrintf validates the format string and every argument against its
// conversion.
func (c *checker) checkPrintf(call *ast.Call, _ *ast.MapExpr) types.Type {
	lit, ok := call.Args[0].(*ast.StrLit)
	if !ok {
		c.errorf(call.Args[0], diag.CodeType, "printf: the first argument must be a string literal")
		for _, a := range call.Args[1:] {
			c.expr(a)
		}
		return nil
	}
	c.expr(lit)
	pieces, err := format.Parse(lit.Value)
	if err != nil {
		c.errorf(call, diag.CodePrintf, "printf: %v", err)
		return nil
	}
	var verbs []*format.Verb
	for _, p := range pieces {
		if p.Verb != nil {
			verbs = append(verbs, p.Verb)
		}
	}
	args := call.Args[1:]
	argTypes := make([]types.Type, len(args))
	bad := false
	for i, a := range args {
		argTypes[i] = c.expr(a)
		bad = bad || argTypes[i] == nil
	}
	switch {
	case len(args) > len(verbs):
		c.errorf(call, diag.CodePrintf, "printf: Too many arguments for format string (%d supplied, %d expected)", len(args), len(verbs))
		return nil
	case len(args) < len(verbs):
		c.errorf(call, diag.CodePrintf, "printf: Not enough arguments for format string (%d supplied, %d expected)", len(args), len(verbs))
		return nil
	case bad:
		return nil
	}
	for i, v := range verbs {
		if !v.Accepts(argTypes[i]) {
			c.errorf(call, diag.CodePrintf, "printf: %%%s specifier expects a value of type %s (%s supplied)", v.Spec(), verbClass(v), typeClass(argTypes[i]))
			return nil
		}
	}
	return void
}

// verbClass names the kind of value a conversion expects, as bpftrace does.
func verbClass(v *format.Verb) string {
	switch v.Conv {
	case 's':
		return "string"
	case 'r':
		return "buffer"
	}
	return "integer"
}

// typeClass names the kind of a type in printf messages.
func typeClass(t types.Type) string {
	switch t.(type) {
	case *types.Int, *types.Bool:
		return "integer"
	case *types.String:
		return "string"
	case *types.Buffer:
		return "buffer"
	}
	return t.String()
}
