package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// For loops.
//
// `for ($kv : @map)` calls bpf_for_each_map_elem (Linux 5.13) and
// `for ($i : a..b)` calls bpf_loop (Linux 5.17) with the loop body
// compiled as a callback subprogram (subprog.go). The kernel runs such a
// loop however many times it must while the verifier checks the body
// once, so a loop costs no more verification than one copy of its body,
// unlike an unrolled one.
//
// Frame sharing. A callback has its own, empty stack frame; everything it
// touches lives in the frame of the probe's main function. The helpers
// pass the callback a context pointer, and ours is the main function's
// frame pointer itself (fp + 0). The callback keeps it in R6 (regCtx,
// which is why the checker refuses context builtins in loop bodies) and
// the emitter addresses stack slots relative to it instead of R10
// (emitter.fp): variables keep their slots, temporaries are allocated in
// the main frame after the caller's, and the main function's stack budget
// covers loops too. Nested loops pass the same pointer on. The verifier
// follows such pointers into the caller's frame, including spilled
// registers there, which is how a callback gets the scratch area: the
// main function spills R8 to a slot (scratchSpill) after looking it up,
// and each callback reloads it.
//
// Control. The callback returns 0 to go on and 1 to stop: continue and
// the end of the body return 0, break returns 1. return and exit() in a
// body set a flag in the caller's frame and stop the loop; after the
// helper returns, the caller tests the flag and leaves in turn: the probe
// from the main function, its own callback (setting its own flag) from a
// nested loop. The context is spilled to the main frame too, for the perf
// event channel (ctxTo).

// fnState is the state of the function being compiled when it is a loop
// callback (gen.fn is nil in the main function).
type fnState struct {
	// ret is the label that leaves the probe from this callback: set
	// retFlag and stop the loop.
	ret string
}

// exitLabel is the label that ends the probe from the code being
// compiled: "exit" in the main function, a callback's ret label in a loop
// body.
func (g *gen) exitLabel() string {
	if g.fn != nil {
		return g.fn.ret
	}
	return "exit"
}

// loopPrologue reserves the main-frame slots where the scratch-area
// pointer and the context are spilled for loop callbacks, when the probe
// has a loop, and spills the context.
func (g *gen) loopPrologue() {
	has := false
	ast.Inspect(g.inst.Probe.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.ForStmt); ok {
			has = true
		}
		return !has
	})
	if has {
		g.scratchSpill = g.e.stack(8)
		g.ctxSpill = g.e.stack(8)
		g.e.emit(asm.StoreMem(g.ctxSpill.base, g.ctxSpill.off, regCtx, asm.DWord))
	}
}

// ctxTo puts the probe's context in dst: from R6 in the main function,
// from its spill slot in a loop callback. Only the event channel uses it
// there (perf_event_output needs the context); builtins that read the
// context are refused in loop bodies by the checker.
func (g *gen) ctxTo(dst asm.Register) {
	if g.fn == nil {
		g.e.emit(asm.Mov.Reg(dst, regCtx))
		return
	}
	g.e.emit(asm.LoadMem(dst, regCtx, g.ctxSpill.off, asm.DWord))
}

// subprogPrologue is inserted at the start of each callback once the
// program is compiled: it reloads R8 when the program has a scratch area.
func (g *gen) subprogPrologue() asm.Instructions {
	if g.e.maxScratch == 0 {
		return nil
	}
	return asm.Instructions{asm.LoadMem(regScratch, regCtx, g.scratchSpill.off, asm.DWord)}
}

// forStmt compiles a for loop.
func (g *gen) forStmt(s *ast.ForStmt) {
	if s.Map != nil {
		g.forMap(s)
	} else {
		g.forRange(s)
	}
}

// forMap compiles `for ($kv : @map)`: bpf_for_each_map_elem(map, cb,
// fp, 0) with cb(map, key, value, fp) setting $kv = (key, value). The
// value of a per-CPU aggregation combines every CPU's slot, as reading
// it does.
func (g *gen) forMap(s *ast.ForStmt) {
	g.c.requireHelper(s, asm.FnForEachMapElem, "for loops over a map need the helper bpf_for_each_map_elem", "5.13")
	def := g.c.maps[s.Map.Name]
	sym := g.inst.Vars[s.Var]
	kvt := sym.Type.(*types.Tuple)
	agg, isAgg := def.Value.(*types.Agg)
	var key loc
	if isAgg {
		// The key is copied to the stack: the percpu lookups take it
		// from there.
		key = g.e.slot(keySize(def))
	}
	name, flag := g.loopBody(s, 4, asm.R4, func(out func(loc) loc) {
		kv := g.vars[sym]
		if isAgg {
			k := out(key)
			g.e.copyMem(k, loc{asm.R2, 0}, keySize(def))
			g.convert(k, def.Key, kv.plus(kvt.Offsets[0]), kvt.Elems[0])
			g.aggReadAt(s.Map, def, agg, k)
			g.storeScalar(kv.plus(kvt.Offsets[1]), kvt.Elems[1])
			return
		}
		g.convert(loc{asm.R3, 0}, def.Value, kv.plus(kvt.Offsets[1]), kvt.Elems[1])
		g.convert(loc{asm.R2, 0}, def.Key, kv.plus(kvt.Offsets[0]), kvt.Elems[0])
	})
	g.e.span, g.e.comment = s.Span(), g.sourceLine(s.Span())
	g.e.mapPtr(asm.R1, s.Map.Name)
	g.e.emit(funcRef(asm.R2, name))
	g.e.emit(asm.Mov.Reg(asm.R3, g.e.frame()), asm.Mov.Imm(asm.R4, 0))
	g.e.call(asm.FnForEachMapElem)
	g.afterLoop(flag)
}

// forRange compiles `for ($i : a..b)`: start = a, n = b - a, and when n
// is positive bpf_loop(n, cb, fp, 0) with cb(index, fp) setting
// $i = start + index.
func (g *gen) forRange(s *ast.ForStmt) {
	g.c.requireHelper(s, asm.FnLoop, "for loops over a range need the helper bpf_loop", "5.17")
	sym := g.inst.Vars[s.Var]
	start := g.e.stack(8)
	g.intExpr(s.Start)
	g.e.emit(asm.StoreMem(start.base, start.off, asm.R0, asm.DWord))
	g.intExpr(s.End)
	g.e.emit(asm.LoadMem(asm.R1, start.base, start.off, asm.DWord))
	g.e.emit(asm.Sub.Reg(asm.R0, asm.R1))
	skip := g.e.newLabel("forskip")
	g.e.emit(asm.JSLE.Imm(asm.R0, 0, skip))
	n := g.e.stack(8)
	g.e.emit(asm.StoreMem(n.base, n.off, asm.R0, asm.DWord))
	name, flag := g.loopBody(s, 2, asm.R2, func(out func(loc) loc) {
		st := out(start)
		g.e.emit(asm.LoadMem(asm.R0, st.base, st.off, asm.DWord))
		g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
		g.storeScalar(g.vars[sym], sym.Type)
	})
	g.e.span, g.e.comment = s.Span(), g.sourceLine(s.Span())
	g.e.emit(asm.LoadMem(asm.R1, n.base, n.off, asm.DWord))
	g.e.emit(funcRef(asm.R2, name))
	g.e.emit(asm.Mov.Reg(asm.R3, g.e.frame()), asm.Mov.Imm(asm.R4, 0))
	g.e.call(asm.FnLoop)
	g.afterLoop(flag)
	g.e.place(skip)
}

// loopBody compiles the body of loop s as a callback of nargs arguments
// whose context pointer arrives in ctxArg, and returns its name. enter
// sets the loop variable from the other arguments; out translates a
// location of the caller's frame for use in the callback. When the body
// can end the probe, flag is the slot it sets then (base 0 otherwise).
func (g *gen) loopBody(s *ast.ForStmt, nargs int, ctxArg asm.Register, enter func(out func(loc) loc)) (name string, flag loc) {
	ret := loopReturns(g, s.Body)
	if ret {
		flag = g.e.stack(8)
		g.e.emit(storeImm64(flag.base, flag.off, 0))
	}
	vars, loops, fn, fp := g.vars, g.loops, g.fn, g.e.fp
	out := func(l loc) loc {
		if l.base == asm.R10 {
			l.base = regCtx
		}
		return l
	}
	name = g.subprogram("for_cb", g.sourceLine(s.Span()), nargs, func() {
		g.e.emit(asm.Mov.Reg(regCtx, ctxArg))
		g.e.fp = regCtx
		g.vars = make(map[*check.VarSym]loc, len(vars))
		for sym, l := range vars {
			g.vars[sym] = out(l)
		}
		g.fn = &fnState{ret: g.e.newLabel("for_ret")}
		enter(out)
		cont, brk := g.e.newLabel("for_cont"), g.e.newLabel("for_brk")
		g.loops = []loopLabels{{cont: cont, brk: brk}}
		g.block(s.Body)
		g.e.place(cont)
		g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
		g.e.place(brk)
		g.e.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
		if ret {
			f := out(flag)
			g.e.place(g.fn.ret)
			g.e.emit(storeImm64(f.base, f.off, 1))
			g.e.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
		}
	})
	g.vars, g.loops, g.fn, g.e.fp = vars, loops, fn, fp
	return name, flag
}

// afterLoop leaves the probe after a loop whose body set flag (see
// loopBody) to end it.
func (g *gen) afterLoop(flag loc) {
	if flag.base == asm.R0 {
		return
	}
	g.e.emit(asm.LoadMem(asm.R0, flag.base, flag.off, asm.DWord))
	g.e.emit(asm.JNE.Imm(asm.R0, 0, g.exitLabel()))
}

// loopReturns reports whether a loop body ends the probe somewhere:
// return or exit(), also in nested loops.
func loopReturns(g *gen, body *ast.Block) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ReturnStmt:
			found = true
		case *ast.Call:
			if id, ok := g.inst.Calls[n]; ok && id == stdlib.Exit {
				found = true
			}
		}
		return !found
	})
	return found
}

// requireHelper stops the compilation with an error at n when the kernel
// lacks helper fn (Options.Helper): what needs it, and the first Linux
// version that has it.
func (c *compiler) requireHelper(n ast.Node, fn asm.BuiltinFunc, what, version string) {
	if c.opts.Helper == nil {
		return
	}
	if c.helpers == nil {
		c.helpers = map[asm.BuiltinFunc]bool{}
	}
	have, ok := c.helpers[fn]
	if !ok {
		have = c.opts.Helper(fn)
		c.helpers[fn] = have
	}
	if !have {
		panic(&compileError{span: n.Span(), code: diag.CodeUnsupported,
			msg: what + ", which this kernel lacks (Linux " + version + " or later has it)"})
	}
}
