package codegen

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Unwatch] = callGen{stmt: genUnwatch}
}

// genUnwatch sends unwatch(addr) to the runtime, which detaches the
// watchpoints on the address (a program cannot detach itself). The
// record wakes the reader so that the watchpoint stops soon.
func genUnwatch(g *gen, call *ast.Call) {
	g.emitEvent(&EventDef{Kind: EventUnwatch, Span: call.Span()}, []eventArg{{x: call.Args[0], t: types.Uint64}}, true)
}
