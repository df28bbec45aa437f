package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// errorf and warnf send a printf-style record; the runtime prints its text
// as an error or a warning located at the call's span, so the object keeps
// the script's source.
func init() {
	callGens[stdlib.Errorf] = callGen{stmt: logfGen(EventErrorf)}
	callGens[stdlib.Warnf] = callGen{stmt: logfGen(EventWarnf)}
	callGens[stdlib.Debugf] = callGen{stmt: genDebugf}
}

func logfGen(kind EventKind) func(g *gen, call *ast.Call) {
	return func(g *gen, call *ast.Call) {
		g.c.obj.Source = g.c.opts.Source
		g.formatEventSites(kind, call, g.inst.MacroSites[call])
	}
}

// genDebugf calls bpf_trace_printk with the format rewritten for the
// kernel (format.PrintkFormat) on the stack and up to three arguments:
// integers as 64-bit values, strings as the address of their value.
func genDebugf(g *gen, call *ast.Call) {
	pieces, _ := format.Parse(g.inst.StrConsts[call.Args[0]])
	text, _ := format.PrintkFormat(pieces) // checked
	m := g.e.mark()
	defer g.e.release(m)
	fmtLoc := g.e.slot(len(text) + 1)
	g.constString(text, fmtLoc, len(text)+1)
	type arg struct {
		l   loc
		str bool
	}
	args := make([]arg, 0, 3)
	for _, a := range call.Args[1:] {
		t := g.typeOf(a)
		if st, ok := t.(*types.String); ok {
			l := g.e.slot(st.Cap)
			g.valueTo(a, l, st)
			args = append(args, arg{l, true})
			continue
		}
		l := g.e.stack(8)
		g.intExpr(a)
		g.e.emit(asm.StoreMem(l.base, l.off, asm.R0, asm.DWord))
		args = append(args, arg{l, false})
	}
	for i, a := range args {
		r := asm.R3 + asm.Register(i)
		if a.str {
			g.e.addr(r, a.l)
		} else {
			g.e.emit(asm.LoadMem(r, a.l.base, a.l.off, asm.DWord))
		}
	}
	g.e.addr(asm.R1, fmtLoc)
	g.e.emit(asm.Mov.Imm(asm.R2, int32(len(text)+1)))
	g.e.call(asm.FnTracePrintk)
}
