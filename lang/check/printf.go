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
	return c.checkFormatted("printf", call)
}

// formatChecker checks a function that formats its arguments like printf
// (cat, system).
func formatChecker(fn string) callChecker {
	return func(c *checker, call *ast.Call, _ *ast.MapExpr) types.Type {
		return c.checkFormatted(fn, call)
	}
}

// checkFormatted checks call to fn, whose arguments are a printf format
// literal and its values.
func (c *checker) checkFormatted(fn string, call *ast.Call) types.Type {
	lit, ok := call.Args[0].(*ast.StrLit)
	if !ok {
		c.errorf(call.Args[0], diag.CodeType, "%s: the first argument must be a string literal", fn)
		for _, a := range call.Args[1:] {
			c.expr(a)
		}
		return nil
	}
	c.expr(lit)
	pieces, err := format.Parse(lit.Value)
	if err != nil {
		c.errorf(call, diag.CodePrintf, "%s: %v", fn, err)
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
	if msg := format.CountError(fn, len(args), len(verbs)); msg != "" {
		c.errorf(call, diag.CodePrintf, "%s", msg)
		return nil
	}
	if bad {
		return nil
	}
	for i, v := range verbs {
		if !v.Accepts(argTypes[i]) {
			c.errorf(call, diag.CodePrintf, "%s", v.TypeError(fn, argTypes[i]))
			return nil
		}
	}
	return void
}
