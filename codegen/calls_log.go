package codegen

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// errorf and warnf send a printf-style record; the runtime prints its text
// as an error or a warning located at the call's span, so the object keeps
// the script's source.
func init() {
	callGens[stdlib.Errorf] = callGen{stmt: logfGen(EventErrorf)}
	callGens[stdlib.Warnf] = callGen{stmt: logfGen(EventWarnf)}
}

func logfGen(kind EventKind) func(g *gen, call *ast.Call) {
	return func(g *gen, call *ast.Call) {
		g.c.obj.Source = g.c.opts.Source
		g.formatEvent(kind, call)
	}
}
