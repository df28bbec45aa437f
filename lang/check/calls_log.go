package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// errorf and warnf format their arguments like printf; the runtime prints
// the text as an error or a warning located at the call. debugf prints to
// the kernel's trace pipe.
func init() {
	callCheckers[stdlib.Errorf] = logChecker("errorf")
	callCheckers[stdlib.Warnf] = logChecker("warnf")
	callCheckers[stdlib.Debugf] = (*checker).checkDebugf
}

// logChecker checks errorf and warnf like printf and records the macro
// calls the call was expanded from (Tables.MacroSites).
func logChecker(fn string) callChecker {
	return func(c *checker, call *ast.Call, _ *ast.MapExpr) types.Type {
		t := c.checkFormatted(fn, call)
		var sites []diag.Span
		span := call.Span()
		for i := len(c.expanding) - 1; i >= 0; i-- {
			site := c.expanding[i].Span()
			if span.Start >= site.Start && span.End <= site.End {
				break // an argument written at the call, not the body
			}
			sites = append(sites, site)
			span = site
		}
		if len(sites) > 0 {
			c.tab.MacroSites[call] = sites
		}
		return t
	}
}

// checkDebugf: debugf(fmt, args...) formats like printf, with what the
// kernel's bpf_trace_printk supports: integer and string arguments (at
// most 3) and no %o or %r.
func (c *checker) checkDebugf(call *ast.Call, _ *ast.MapExpr) types.Type {
	if c.checkFormatted("debugf", call) == nil {
		return nil
	}
	pieces, _ := format.Parse(c.tab.StrConsts[call.Args[0]])
	if _, err := format.PrintkFormat(pieces); err != nil {
		c.errorf(call.Args[0], diag.CodePrintf, "debugf: %v", err)
		return nil
	}
	for _, a := range call.Args[1:] {
		t := c.tab.Types[a]
		if _, isStr := t.(*types.String); !isStr && !types.IsInt(t) && !isPointer(t) {
			c.errorf(a, diag.CodeType, "debugf() prints integers and strings only (%s provided)", t)
			return nil
		}
	}
	return void
}
