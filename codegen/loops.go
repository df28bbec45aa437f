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
// until its entry states converge, so a loop costs the same verification
// whatever its trip count, unlike an unrolled one.
//
// Frames. The helpers pass the callback a context pointer, and ours is
// the probe's main frame pointer itself (fp + 0, "frame 0"). The callback
// keeps it in R6 (regCtx, which is why the checker refuses context
// builtins in loop bodies). Everything that outlives one iteration or
// crosses functions lives in frame 0 and is addressed through R6 in
// callbacks: the probe's variables, and each loop's control slots
// (loopSlots: its start value and its return flag), which the main
// function's prologue reserves for every loop of the probe. A callback's
// temporaries and its loop variable (unless a nested loop's body reads
// it) live in its own frame (R10, the emitter starts a fresh stack
// there): they are set anew in each iteration, and if they lived in frame
// 0 their values from the last iteration would make each iteration's
// entry state look new to the verifier, which would check the body two
// or three times more (on Linux 6.18: 1321 instead of 257 verified
// instructions for the body of TestForLoopVerifierCost). The verifier
// limits the frames of a call chain to 512 bytes together (checkFrames).
//
// The verifier follows pointers into the caller's frame, including
// spilled registers there, which is how a callback gets the scratch area
// and the context: the main function spills R8 (once it is looked up)
// and R6 to frame-0 slots, and callbacks reload R8 at entry and the
// context where the perf event channel needs it (ctxTo).
//
// Control. The callback returns 0 to go on and 1 to stop: continue and
// the end of the body return 0, break returns 1. return and exit() in a
// body set the loop's flag and stop the loop; after the helper returns,
// the caller tests the flag and leaves in turn: the probe from the main
// function, its own callback (setting its own flag) from a nested loop.

// loopSlots are the frame-0 slots of one loop.
type loopSlots struct {
	start loc // a range's start value
	flag  loc // set when the body ends the probe; base R0 when it cannot
}

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

// loopPrologue reserves the frame-0 slots of the probe's loops and those
// where the scratch-area pointer and the context are spilled for their
// callbacks, and spills the context.
func (g *gen) loopPrologue() {
	ast.Inspect(g.inst.Probe.Body, func(n ast.Node) bool {
		if s, ok := n.(*ast.ForStmt); ok {
			if g.loopSlots == nil {
				g.loopSlots = map[*ast.ForStmt]loopSlots{}
			}
			var ls loopSlots
			if s.Map == nil {
				ls.start = g.e.stack(8)
			}
			if loopReturns(g, s.Body) {
				ls.flag = g.e.stack(8)
			}
			g.loopSlots[s] = ls
		}
		return true
	})
	if g.loopSlots != nil || g.hasSearchLoop() || g.usesDwStack() {
		g.scratchSpill = g.e.stack(8)
		g.ctxSpill = g.e.stack(8)
		g.e.emit(asm.StoreMem(g.ctxSpill.base, g.ctxSpill.off, regCtx, asm.DWord))
	}
}

// frame0Reg is the register that points at frame 0 in the function being
// compiled.
func (g *gen) frame0Reg() asm.Register {
	if g.fn != nil {
		return regCtx
	}
	return asm.R10
}

// frame0 is the location of the frame-0 slot l (a main-function location)
// in the function being compiled.
func (g *gen) frame0(l loc) loc {
	if g.fn != nil && l.base == asm.R10 {
		l.base = regCtx
	}
	return l
}

// ctxTo puts the probe's context in dst: from R6 in the main function,
// from its spill slot in a loop callback. Helpers that take the context
// use it (perf_event_output, get_stackid); builtins that read the
// context's fields are refused in loop bodies by the checker.
func (g *gen) ctxTo(dst asm.Register) {
	switch {
	case g.fn != nil:
		g.e.emit(asm.LoadMem(dst, regCtx, g.ctxSpill.off, asm.DWord))
	case g.recordCtx:
		// A fused probe's regCtx is its rebuilt record.
		g.e.emit(asm.LoadMem(dst, g.ctxSpill.base, g.ctxSpill.off, asm.DWord))
	default:
		g.e.emit(asm.Mov.Reg(dst, regCtx))
	}
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
	name, flag := g.loopBody(s, 4, asm.R4, func() {
		kv := g.vars[sym]
		if isAgg {
			// The key is copied to the stack: the percpu lookups
			// take it from there.
			k := g.e.slot(keySize(def))
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
	g.e.emit(asm.Mov.Reg(asm.R3, g.frame0Reg()), asm.Mov.Imm(asm.R4, 0))
	g.e.call(asm.FnForEachMapElem)
	g.afterLoop(flag)
}

// forRange compiles `for ($i : a..b)`: start = a, n = b - a, and when n
// is positive bpf_loop(n, cb, fp, 0) with cb(index, fp) setting
// $i = start + index.
func (g *gen) forRange(s *ast.ForStmt) {
	g.c.requireHelper(s, asm.FnLoop, "for loops over a range need the helper bpf_loop", "5.17")
	sym := g.inst.Vars[s.Var]
	start := g.frame0(g.loopSlots[s].start)
	g.intExpr(s.Start)
	g.e.emit(asm.StoreMem(start.base, start.off, asm.R0, asm.DWord))
	g.intExpr(s.End)
	g.e.emit(asm.LoadMem(asm.R1, start.base, start.off, asm.DWord))
	g.e.emit(asm.Sub.Reg(asm.R0, asm.R1))
	skip := g.e.newLabel("forskip")
	g.e.emit(asm.JSLE.Imm(asm.R0, 0, skip))
	n := g.e.stack(8)
	g.e.emit(asm.StoreMem(n.base, n.off, asm.R0, asm.DWord))
	name, flag := g.loopBody(s, 2, asm.R2, func() {
		st := g.frame0(g.loopSlots[s].start)
		g.e.emit(asm.LoadMem(asm.R0, st.base, st.off, asm.DWord))
		g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
		g.storeScalar(g.vars[sym], sym.Type)
	})
	g.e.span, g.e.comment = s.Span(), g.sourceLine(s.Span())
	g.e.emit(asm.LoadMem(asm.R1, n.base, n.off, asm.DWord))
	g.e.emit(funcRef(asm.R2, name))
	g.e.emit(asm.Mov.Reg(asm.R3, g.frame0Reg()), asm.Mov.Imm(asm.R4, 0))
	g.e.call(asm.FnLoop)
	g.afterLoop(flag)
	g.e.place(skip)
}

// loopBody compiles the body of loop s as a callback of nargs arguments
// whose context pointer arrives in ctxArg, and returns its name. enter
// sets the loop variable from the other arguments. When the body can end
// the probe, flag is the loop's flag in the caller (base R0 otherwise),
// cleared here.
func (g *gen) loopBody(s *ast.ForStmt, nargs int, ctxArg asm.Register, enter func()) (name string, flag loc) {
	ls := g.loopSlots[s]
	if ls.flag.base != asm.R0 {
		flag = g.frame0(ls.flag)
		g.e.emit(storeImm64(flag.base, flag.off, 0))
	}
	vars, loops, fn := g.vars, g.loops, g.fn
	name = g.subprogram("for_cb", g.sourceLine(s.Span()), nargs, s.Span(), func() {
		g.e.emit(asm.Mov.Reg(regCtx, ctxArg))
		g.fn = &fnState{ret: g.e.newLabel("for_ret")}
		g.vars = make(map[*check.VarSym]loc, len(vars))
		for sym, l := range vars {
			g.vars[sym] = g.frame0(l)
		}
		if sym := g.inst.Vars[s.Var]; g.loopLocals[sym] {
			size := (max(sym.Type.Size(), 8) + 7) &^ 7
			l := g.e.slot(size)
			g.e.zero(l, size)
			g.vars[sym] = l
		}
		enter()
		cont, brk := g.e.newLabel("for_cont"), g.e.newLabel("for_brk")
		g.loops = []loopLabels{{cont: cont, brk: brk}}
		g.block(s.Body)
		g.e.place(cont)
		g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
		g.e.place(brk)
		g.e.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
		if ls.flag.base != asm.R0 {
			f := g.frame0(ls.flag)
			g.e.place(g.fn.ret)
			g.e.emit(storeImm64(f.base, f.off, 1))
			g.e.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
		}
	})
	g.vars, g.loops, g.fn = vars, loops, fn
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

// findLoopLocals finds the loop variables that can live in their
// callback's frame: all but those a nested loop's callback reads.
func (g *gen) findLoopLocals() {
	ast.Inspect(g.inst.Probe.Body, func(n ast.Node) bool {
		if s, ok := n.(*ast.ForStmt); ok {
			if sym := g.inst.Vars[s.Var]; sym != nil && !usedInNestedLoop(g, sym, s.Body) {
				if g.loopLocals == nil {
					g.loopLocals = map[*check.VarSym]bool{}
				}
				g.loopLocals[sym] = true
			}
		}
		return true
	})
}

// usedInNestedLoop reports whether the body of a loop nested in body
// uses variable sym.
func usedInNestedLoop(g *gen, sym *check.VarSym, body *ast.Block) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if f, ok := n.(*ast.ForStmt); ok {
			ast.Inspect(f.Body, func(n ast.Node) bool {
				if v, ok := n.(*ast.Var); ok && g.inst.Vars[v] == sym {
					found = true
				}
				return !found
			})
			return false
		}
		return !found
	})
	return found
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
	if !c.haveHelper(fn) {
		panic(&compileError{span: n.Span(), code: diag.CodeUnsupported,
			msg: what + ", which this kernel lacks (Linux " + version + " or later has it)"})
	}
}

// haveHelper reports whether the kernel has helper fn (Options.Helper;
// true when no one is asked), asking once per compilation.
func (c *compiler) haveHelper(fn asm.BuiltinFunc) bool {
	if c.opts.Helper == nil {
		return true
	}
	if c.helpers == nil {
		c.helpers = map[asm.BuiltinFunc]bool{}
	}
	have, ok := c.helpers[fn]
	if !ok {
		have = c.opts.Helper(fn)
		c.helpers[fn] = have
	}
	return have
}
