package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// callGen generates one builtin function. A function provides the forms it
// supports: stmt (used for its effect), scalar (value in R0), mem (value
// written to memory) or agg (assigned to a map element).
type callGen struct {
	stmt   func(g *gen, call *ast.Call)
	scalar func(g *gen, call *ast.Call)
	mem    func(g *gen, call *ast.Call, dst loc, dt types.Type)
	agg    func(g *gen, call *ast.Call, target *ast.MapExpr)
}

// callGens is indexed by FuncID; every implemented function has an entry
// (enforced by a test). Filled in init to break the initialisation cycle
// through the expression generator.
var callGens [stdlib.NumFuncs]callGen

func init() {
	callGens = [stdlib.NumFuncs]callGen{
		stdlib.Printf:   {stmt: genPrintf},
		stdlib.Print:    {stmt: genPrint},
		stdlib.Exit:     {stmt: genExit},
		stdlib.Str:      {mem: genStr},
		stdlib.Count:    {agg: genAgg},
		stdlib.Sum:      {agg: genAgg},
		stdlib.Avg:      {agg: genAgg},
		stdlib.Min:      {agg: genAgg},
		stdlib.Max:      {agg: genAgg},
		stdlib.Stats:    {agg: genAgg},
		stdlib.Hist:     {agg: genAgg},
		stdlib.LHist:    {agg: genAgg},
		stdlib.Clear:    {stmt: mapEvent(EventClear)},
		stdlib.Zero:     {stmt: mapEvent(EventZero)},
		stdlib.Delete:   {stmt: genDelete, scalar: genDeleteValue},
		stdlib.Time:     {stmt: genTime},
		stdlib.Strftime: {mem: genStrftime},
	}
}

func genPrintf(g *gen, call *ast.Call) { g.formatEvent(EventPrintf, call) }

// formatEvent sends a record of kind with the call's printf-style format
// (its first argument) and the values of the others.
func (g *gen) formatEvent(kind EventKind, call *ast.Call) {
	g.formatEventSites(kind, call, nil)
}

// formatEventSites is formatEvent with the macro calls the call was
// expanded from (EventDef.MacroSites).
func (g *gen) formatEventSites(kind EventKind, call *ast.Call, sites []diag.Span) {
	fmtText := g.inst.StrConsts[call.Args[0]]
	pieces, _ := format.Parse(fmtText) // validated by the checker
	args := make([]eventArg, 0, len(call.Args)-1)
	for _, a := range call.Args[1:] {
		args = append(args, eventArg{x: a, t: argType(g.typeOf(a))})
	}
	g.emitEvent(&EventDef{Kind: kind, Format: fmtText, Pieces: pieces, Span: call.Span(), MacroSites: sites}, args, false)
}

func genPrint(g *gen, call *ast.Call) {
	if m, ok := call.Args[0].(*ast.MapExpr); ok && len(m.Keys) == 0 && g.typeOf(m) == nil {
		if g.c.maps[m.Name] == nil {
			return // a declared map that is never assigned prints nothing
		}
		var args []eventArg
		for _, a := range call.Args[1:] {
			args = append(args, eventArg{x: a, t: types.Uint64})
		}
		g.emitEvent(&EventDef{Kind: EventPrintMap, Map: m.Name, Span: call.Span()}, args, false)
		return
	}
	a := call.Args[0]
	g.emitEvent(&EventDef{Kind: EventPrint, Span: call.Span()}, []eventArg{{x: a, t: argType(g.typeOf(a))}}, false)
}

func genExit(g *gen, call *ast.Call) {
	// The probes stop at once, in the kernel (exitGuard), as bpftrace's
	// stop handling everything that comes after an exit.
	g.e.emit(asm.LoadMapValue(asm.R1, 0, 0).WithReference(StateMap))
	g.e.emit(storeImm64(asm.R1, int16(SlotExited)*8, 1))
	var args []eventArg
	if len(call.Args) == 1 {
		args = append(args, eventArg{x: call.Args[0], t: types.Int64})
	}
	g.emitEvent(&EventDef{Kind: EventExit, Span: call.Span()}, args, true)
	// exit() also ends the probe, as in bpftrace.
	g.e.emit(asm.Ja.Label(g.exitLabel()))
}

func genTime(g *gen, call *ast.Call) {
	f := "%H:%M:%S\n"
	if len(call.Args) == 1 {
		f = g.inst.StrConsts[call.Args[0]]
	}
	g.emitEvent(&EventDef{Kind: EventTime, Format: f, Span: call.Span()}, nil, false)
}

func mapEvent(kind EventKind) func(g *gen, call *ast.Call) {
	return func(g *gen, call *ast.Call) {
		m := call.Args[0].(*ast.MapExpr)
		if g.c.maps[m.Name] == nil {
			return // never assigned: nothing to clear
		}
		g.emitEvent(&EventDef{Kind: kind, Map: m.Name, Span: call.Span()}, nil, false)
	}
}

func genDelete(g *gen, call *ast.Call) {
	m := call.Args[0].(*ast.MapExpr)
	var key ast.Expr
	if len(call.Args) == 2 {
		key = call.Args[1]
	}
	def := g.c.maps[m.Name]
	if def == nil {
		return // never assigned: nothing to delete
	}
	if def.Array {
		// Array slots cannot be deleted: the runtime zeroes them.
		g.emitEvent(&EventDef{Kind: EventClear, Map: m.Name, Span: call.Span()}, nil, false)
		return
	}
	g.deleteKey(m, key)
}

// genDeleteValue is delete() used as a value: true when the key existed.
func genDeleteValue(g *gen, call *ast.Call) {
	m := call.Args[0].(*ast.MapExpr)
	if def := g.c.maps[m.Name]; def == nil || def.Array {
		genDelete(g, call)
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		return
	}
	genDelete(g, call)
	g.boolOf(func(t string) { g.e.emit(asm.JEq.Imm(asm.R0, 0, t)) })
}

// genStr reads a string from a pointer (user or kernel by address space)
// with an optional length that includes the terminating NUL.
func genStr(g *gen, call *ast.Call, dst loc, dt types.Type) {
	capacity := dt.(*types.String).Cap
	arg := call.Args[0]
	if st, ok := g.typeOf(arg).(*types.String); ok {
		// str() of a string value is the value itself.
		m := g.e.mark()
		tmp := g.e.slot(st.Cap)
		g.valueTo(arg, tmp, st)
		g.convert(tmp, st, dst, dt)
		g.e.release(m)
		return
	}
	g.e.clearMem(dst, capacity)
	m := g.e.mark()
	ptr := g.e.slot(8)
	g.intExpr(arg)
	g.e.emit(asm.StoreMem(ptr.base, ptr.off, asm.R0, asm.DWord))
	if len(call.Args) == 2 {
		g.intExpr(call.Args[1])
		ok := g.e.newLabel("lenok")
		g.e.emit(asm.JLE.Imm(asm.R0, int32(capacity), ok))
		g.e.emit(asm.Mov.Imm(asm.R0, int32(capacity)))
		g.e.place(ok)
		g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
	} else {
		g.e.emit(asm.Mov.Imm(asm.R2, int32(capacity)))
	}
	g.e.addr(asm.R1, dst)
	g.e.emit(asm.LoadMem(asm.R3, ptr.base, ptr.off, asm.DWord))
	readStr, read := asm.FnProbeReadKernelStr, asm.FnProbeReadKernel
	if g.userSpace(arg) {
		readStr, read = asm.FnProbeReadUserStr, asm.FnProbeReadUser
	}
	g.readCall(readStr)
	if len(call.Args) == 1 && capacity > 1 {
		// The string filled the buffer: if the source goes on, put its
		// next character where the NUL is, so the string has no NUL and
		// prints with the ".." truncation trailer.
		done := g.e.newLabel("strdone")
		g.e.emit(asm.JNE.Imm(asm.R0, int32(capacity), done))
		g.e.addr(asm.R1, dst.plus(capacity-1))
		g.e.emit(asm.Mov.Imm(asm.R2, 1))
		g.e.emit(asm.LoadMem(asm.R3, ptr.base, ptr.off, asm.DWord))
		g.e.emit(asm.Add.Imm(asm.R3, int32(capacity-1)))
		g.e.call(read)
		g.e.place(done)
	}
	g.e.release(m)
}

// userSpace reports whether the pointer value x points into user memory.
func (g *gen) userSpace(x ast.Expr) bool {
	if p, ok := g.typeOf(x).(*types.Pointer); ok {
		return p.Space == types.User
	}
	if stdlib.Probes[g.inst.Attach.Kind].UserSpace {
		return true
	}
	return g.inst.Attach.Kind == stdlib.Tracepoint && g.inst.Attach.Category == "syscalls"
}

func genStrftime(g *gen, call *ast.Call, dst loc, _ types.Type) {
	id := g.c.timeFormat(g.inst.StrConsts[call.Args[0]])
	g.intExpr(call.Args[1])
	g.e.emit(asm.StoreMem(dst.base, dst.off+8, asm.R0, asm.DWord))
	g.e.emit(storeImm64(dst.base, dst.off, int64(id)))
}
