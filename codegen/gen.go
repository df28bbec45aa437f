package codegen

import (
	"sort"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// gen compiles the body of one probe instance.
type gen struct {
	c    *compiler
	inst *check.Instance
	e    *emitter
	// vars holds the slot (stack or scratch area) of every scratch variable.
	vars map[*check.VarSym]loc
	// loops is the stack of enclosing loops of the function being
	// compiled (a for loop's body starts a new one: loops.go).
	loops []loopLabels
	// fn is the loop callback being compiled, nil in the main function;
	// subs are the program's compiled subprograms (subprog.go).
	fn   *fnState
	subs []subprog
	// sub is the index in subs of the subprogram being compiled, -1 in
	// the main function.
	sub int
	// scratchSpill and ctxSpill are the main-frame slots where loop
	// callbacks find the scratch-area pointer and the context; loopSlots
	// are the main-frame slots of each loop (loops.go).
	scratchSpill, ctxSpill loc
	loopSlots              map[*ast.ForStmt]loopSlots
	// loopLocals are the loop variables that live in their loop
	// callback's frame instead of the main one.
	loopLocals map[*check.VarSym]bool
	// site is the expression helper errors are reported at (with -k:
	// helpererr.go).
	site diag.Span
	// fused is set for a probe compiled onto a raw_syscalls hook
	// (fused.go); recordCtx once regCtx points at the record it built,
	// the real context being in ctxSpill.
	fused     *fusedProbe
	recordCtx bool
}

type loopLabels struct{ cont, brk string }

// typeOf is the type of x; variables have the final (widest) type of
// their symbol, which may be wider than at this use.
func (g *gen) typeOf(x ast.Expr) types.Type {
	if v, ok := x.(*ast.Var); ok {
		if sym := g.inst.Vars[v]; sym != nil && sym.Type != nil {
			return sym.Type
		}
	}
	return g.inst.Types[x]
}

// prologue saves the context and gives every scratch variable a zeroed
// stack slot (the verifier rejects reads of uninitialised stack).
func (g *gen) prologue() {
	g.e.emit(asm.Mov.Reg(regCtx, asm.R1))
	g.findLoopLocals()
	seen := map[*check.VarSym]bool{}
	var syms []*check.VarSym
	for _, s := range g.inst.Vars {
		if !seen[s] && s.Type != nil && !g.loopLocals[s] {
			seen[s] = true
			syms = append(syms, s)
		}
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].Decl.Start < syms[j].Decl.Start })
	for _, s := range syms {
		g.e.span = s.Decl
		size := max(s.Type.Size(), 8)
		l := g.e.slot(size)
		g.vars[s] = l
		g.e.zero(l, (size+7)&^7)
	}
	g.loopPrologue()
}

// block compiles statements, releasing temporaries after each.
func (g *gen) block(b *ast.Block) {
	if b == nil {
		return
	}
	for _, s := range b.Stmts {
		m := g.e.mark()
		g.stmt(s)
		g.e.release(m)
	}
}

func (g *gen) stmt(s ast.Stmt) {
	g.e.span = s.Span()
	g.e.comment = g.sourceLine(s.Span())
	switch s := s.(type) {
	case *ast.ExprStmt:
		g.exprStmt(s.X)
	case *ast.AssignStmt:
		g.assign(s)
	case *ast.LetStmt:
		sym := g.inst.Vars[s.Var]
		if s.Value != nil {
			g.valueTo(s.Value, g.vars[sym], sym.Type)
		} else if l, ok := g.vars[sym]; ok {
			// `let $x;` reads as zero, also when a loop runs it again.
			g.e.zero(l, (max(sym.Type.Size(), 8)+7)&^7)
		}
	case *ast.DiscardStmt:
		g.exprStmt(s.Value)
	case *ast.IfStmt:
		var els func()
		if s.Else != nil {
			els = func() { g.stmt(s.Else) }
		}
		g.ifElse(s.Cond, func() { g.block(s.Then) }, els)
	case *ast.WhileStmt:
		top, end := g.e.newLabel("while"), g.e.newLabel("wend")
		g.e.place(top)
		g.cond(s.Cond, end)
		g.loops = append(g.loops, loopLabels{cont: top, brk: end})
		g.block(s.Body)
		g.loops = g.loops[:len(g.loops)-1]
		g.e.emit(asm.Ja.Label(top))
		g.e.place(end)
	case *ast.UnrollStmt:
		n := g.inst.Consts[s.Count]
		for i := int64(0); i < n; i++ {
			g.block(s.Body)
		}
	case *ast.ForStmt:
		g.forStmt(s)
	case *ast.ReturnStmt:
		if s.Value != nil {
			// The value is the program's return value (in a loop
			// callback it is evaluated, and the probe returns 0).
			g.intExpr(s.Value)
			if g.fn == nil {
				g.e.emit(asm.Return())
				return
			}
		}
		g.e.emit(asm.Ja.Label(g.exitLabel()))
	case *ast.BreakStmt:
		g.e.emit(asm.Ja.Label(g.loops[len(g.loops)-1].brk))
	case *ast.ContinueStmt:
		g.e.emit(asm.Ja.Label(g.loops[len(g.loops)-1].cont))
	case *ast.Block:
		g.block(s)
	default:
		panic(&compileError{span: s.Span(), msg: "statement not supported by the code generator"})
	}
}

// exprStmt evaluates an expression for its effects.
func (g *gen) exprStmt(x ast.Expr) {
	if call, ok := x.(*ast.Call); ok {
		if id, ok := g.inst.Calls[call]; ok && callGens[id].stmt != nil {
			callGens[id].stmt(g, call)
			return
		}
	}
	switch x := x.(type) {
	case *ast.BlockExpr:
		g.blockExprStmt(x.Block)
		return
	case *ast.IfExpr:
		g.ifExprStmt(x)
		return
	}
	t := g.typeOf(x)
	if tern, ok := x.(*ast.Ternary); ok {
		if _, void := t.(*types.Void); void {
			// `c ? printf(…) : printf(…)` as a statement: an if/else.
			g.ifElse(tern.Cond, func() { g.exprStmt(tern.Then) }, func() { g.exprStmt(tern.Else) })
			return
		}
	}
	if t == nil || isScalar(t) {
		g.intExpr(x)
		return
	}
	m := g.e.mark()
	g.valueTo(x, g.e.slot(t.Size()), t)
	g.e.release(m)
}

func (g *gen) assign(s *ast.AssignStmt) {
	switch t := s.Target.(type) {
	case *ast.Var:
		sym := g.inst.Vars[t]
		slot := g.vars[sym]
		if s.Op == "=" {
			g.valueTo(s.Value, slot, sym.Type)
			return
		}
		g.intExpr(s.Value)
		g.scaleForPointer(sym.Type, s.Op[:len(s.Op)-1])
		g.e.emit(asm.Mov.Reg(asm.R1, asm.R0))
		g.e.loadInt(asm.R0, slot, sym.Type.Size(), isSigned(sym.Type))
		g.compoundOp(s.Op[:len(s.Op)-1], isSigned(sym.Type), t, s.Value)
		g.e.emit(asm.StoreMem(slot.base, slot.off, asm.R0, sizeOf(sym.Type.Size())))
	case *ast.MapExpr:
		if call, ok := s.Value.(*ast.Call); ok {
			if id, ok := g.inst.Calls[call]; ok && callGens[id].agg != nil {
				callGens[id].agg(g, call, t)
				return
			}
		}
		if s.Op != "=" {
			g.mapUpdateInt(t, s.Op[:len(s.Op)-1], s.Value, false)
			return
		}
		g.mapStore(t, s.Value)
	}
}

// ifElse compiles `if cond { then } else { els }`; els may be nil.
func (g *gen) ifElse(cond ast.Expr, then, els func()) {
	elseL, end := g.e.newLabel("else"), g.e.newLabel("endif")
	g.cond(cond, elseL)
	then()
	if els == nil {
		g.e.place(elseL)
		return
	}
	g.e.emit(asm.Ja.Label(end))
	g.e.place(elseL)
	els()
	g.e.place(end)
}

// isScalar reports whether values of t fit in a register.
func isScalar(t types.Type) bool {
	switch t := t.(type) {
	case *types.Int, *types.Bool, *types.Pointer, *types.ProbeName, *types.Errno, *types.SyscallName, *types.Username, *types.Ctx, *types.Enum, *types.CgroupPath:
		return true
	case *types.Symbol:
		return !t.User
	case *types.Stack:
		return !t.User
	}
	return false
}

func isSigned(t types.Type) bool {
	it, ok := t.(*types.Int)
	return ok && it.Signed
}

// storeScalar stores R0 at dst as type t.
func (g *gen) storeScalar(dst loc, t types.Type) {
	g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, sizeOf(t.Size())))
}

// convert copies a value of type st at src to dst as type dt (string
// capacities and tuple layouts may differ). src must not be based on R1.
func (g *gen) convert(src loc, st types.Type, dst loc, dt types.Type) {
	switch d := dt.(type) {
	case *types.String:
		s, ok := st.(*types.String)
		if !ok {
			break
		}
		n := min(s.Cap, d.Cap)
		g.e.copyMem(dst, src, n)
		if d.Cap > n {
			g.e.zero(dst.plus(n), d.Cap-n)
		} else if s.Cap > d.Cap {
			g.e.emit(asm.StoreImm(dst.base, dst.off+int16(d.Cap-1), 0, asm.Byte))
		}
		return
	case *types.Tuple:
		s, ok := st.(*types.Tuple)
		if !ok || len(s.Elems) != len(d.Elems) {
			break
		}
		for i := range d.Elems {
			g.convert(src.plus(s.Offsets[i]), s.Elems[i], dst.plus(d.Offsets[i]), d.Elems[i])
		}
		return
	case *types.Record:
		if s, ok := st.(*types.Record); ok {
			g.convertRecord(src, s, dst, d)
			return
		}
	case *types.Buffer:
		// The length and the bytes; a larger buffer's tail is zero.
		if s, ok := st.(*types.Buffer); ok && d.Cap > s.Cap {
			g.e.copyMem(dst, src, s.Size())
			g.e.zero(dst.plus(s.Size()), d.Cap-s.Cap)
			return
		}
	}
	if isScalar(dt) && isScalar(st) {
		g.e.loadInt(asm.R0, src, st.Size(), isSigned(st))
		g.storeScalar(dst, dt)
		return
	}
	g.e.copyMem(dst, src, min(st.Size(), dt.Size()))
}
