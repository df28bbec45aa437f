package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Cat] = callGen{stmt: func(g *gen, call *ast.Call) { g.formatEvent(EventCat, call) }}
	callGens[stdlib.System] = callGen{stmt: func(g *gen, call *ast.Call) { g.formatEvent(EventSystem, call) }}
	callGens[stdlib.Signal] = callGen{stmt: genSignal(asm.FnSendSignal)}
	callGens[stdlib.SignalThread] = callGen{stmt: genSignal(asm.FnSendSignalThread)}
}

// genSignal calls bpf_send_signal (or _thread) with the signal number:
// the constant the checker resolved (a name or a literal) or the integer
// argument.
func genSignal(fn asm.BuiltinFunc) func(g *gen, call *ast.Call) {
	return func(g *gen, call *ast.Call) {
		if n, ok := g.inst.Consts[call]; ok {
			g.e.emit(asm.Mov.Imm(asm.R1, int32(n)))
		} else {
			g.intExpr(call.Args[0])
			g.e.emit(asm.Mov.Reg(asm.R1, asm.R0))
		}
		g.e.call(fn)
	}
}
