package codegen

import (
	"math"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// loadConst puts n in r.
func (g *gen) loadConst(r asm.Register, n int64) {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		g.e.emit(asm.Mov.Imm(r, int32(n)))
		return
	}
	g.e.emit(asm.LoadImm(r, n, asm.DWord))
}

// intExpr evaluates a scalar expression into R0.
func (g *gen) intExpr(x ast.Expr) {
	if g.c.opts.HelperErrors {
		defer g.at(x)()
	}
	if n, ok := g.inst.Consts[x]; ok {
		g.loadConst(asm.R0, n)
		return
	}
	switch x := x.(type) {
	case *ast.Var:
		sym := g.inst.Vars[x]
		g.e.loadInt(asm.R0, g.vars[sym], sym.Type.Size(), isSigned(sym.Type))
	case *ast.Ident:
		if exp, ok := g.inst.Desugared[x]; ok {
			g.intExpr(exp)
			return
		}
		b := g.inst.Builtins[x]
		gen := builtinGens[b.ID]
		if gen.scalar == nil {
			panic(&compileError{span: x.Span(), msg: "builtin " + x.Name + " has no scalar value"})
		}
		gen.scalar(g, b)
	case *ast.MapExpr:
		g.mapLoadInt(x)
	case *ast.Unary:
		g.unary(x)
	case *ast.Binary:
		g.binary(x)
	case *ast.Ternary:
		if x.Then == nil {
			g.elvisInt(x)
			return
		}
		g.ifElse(x.Cond, func() { g.intExpr(x.Then) }, func() { g.intExpr(x.Else) })
	case *ast.BlockExpr:
		g.blockInt(x.Block)
	case *ast.IfExpr:
		g.ifElse(x.Cond, func() { g.blockInt(x.Then) }, func() { g.blockInt(x.Else) })
	case *ast.IncDec:
		g.incDec(x)
	case *ast.Cast:
		if g.intOfArray(x) {
			return
		}
		t := g.typeOf(x)
		if from, ok := g.typeOf(x.X).(*types.Int); ok && isPtr(t) && from.Bits < 64 {
			// An integer becomes an address zero-extended, as LLVM's
			// inttoptr: (uint8 *)-1 is 0xff.
			if n, ok := g.inst.Consts[x.X]; ok {
				g.loadConst(asm.R0, n&(1<<from.Bits-1))
				return
			}
			g.intExpr(x.X)
			g.e.truncate(asm.R0, from.Size(), false)
			return
		}
		g.intExpr(x.X)
		g.e.truncate(asm.R0, t.Size(), isSigned(t))
	case *ast.FieldExpr:
		if !g.partInt(x) {
			g.fieldInt(x)
		}
	case *ast.IndexExpr:
		if !g.partInt(x) {
			g.index(x)
		}
	case *ast.TupleIndex:
		m := g.e.mark()
		base, tt := g.addressable(x.X)
		elem := tt.Elems[x.Index]
		g.e.loadInt(asm.R0, base.plus(tt.Offsets[x.Index]), elem.Size(), isSigned(elem))
		g.e.release(m)
	case *ast.Call:
		if exp, ok := g.inst.Desugared[x]; ok {
			g.intExpr(exp)
			return
		}
		id := g.inst.Calls[x]
		if callGens[id].scalar == nil {
			panic(&compileError{span: x.Span(), msg: x.Name + "() has no scalar value"})
		}
		callGens[id].scalar(g, x)
	default:
		panic(&compileError{span: x.Span(), msg: "expression not supported by the code generator"})
	}
}

// addressable returns a memory location holding the tuple value of x,
// materialising it in a temporary when needed.
func (g *gen) addressable(x ast.Expr) (loc, *types.Tuple) {
	t := g.typeOf(x).(*types.Tuple)
	if v, ok := x.(*ast.Var); ok {
		return g.vars[g.inst.Vars[v]], t
	}
	l := g.e.slot(t.Size())
	g.valueTo(x, l, t)
	return l, t
}

func (g *gen) unary(u *ast.Unary) {
	if u.Op == "!" {
		// !x is true exactly when cond(x) jumps to its false label.
		g.boolOf(func(t string) { g.cond(u.X, t) })
		return
	}
	if v, ok := u.X.(*ast.Var); ok && u.Op == "&" {
		g.varAddr(v)
		return
	}
	if u.Op == "&" {
		g.fieldAddr(u.X.(*ast.FieldExpr)) // the checker allows only members reached through pointers
		return
	}
	g.intExpr(u.X)
	switch u.Op {
	case "*":
		g.readScalar(g.typeOf(u), g.userSpace(u.X))
	case "-":
		g.e.emit(asm.Neg.Imm(asm.R0, 0))
	case "~":
		g.e.emit(asm.Xor.Imm(asm.R0, -1))
	case "!":
		g.boolOf(func(t string) { g.e.emit(asm.JEq.Imm(asm.R0, 0, t)) })
	}
}

// boolOf sets R0 to 1 when jump (emitted by the callback, targeting the
// given label) is taken, else 0.
func (g *gen) boolOf(jump func(trueLabel string)) {
	t, end := g.e.newLabel("true"), g.e.newLabel("bend")
	jump(t)
	g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Ja.Label(end))
	g.e.place(t)
	g.e.emit(asm.Mov.Imm(asm.R0, 1))
	g.e.place(end)
}

// operands evaluates x into R0 and y into R1. A small constant y is left
// for the caller as an immediate (ok == true, value returned).
//
// x's temporary is taken only after x is evaluated (x frees its own
// before it returns), so a left-nested chain such as a + b + c + … reuses
// one slot instead of holding one per level.
func (g *gen) operands(x, y ast.Expr) (imm int32, isImm bool) {
	if n, ok := g.inst.Consts[y]; ok && n >= math.MinInt32 && n <= math.MaxInt32 {
		g.intExpr(x)
		return int32(n), true
	}
	g.intExpr(x)
	m := g.e.mark()
	tmp := g.e.slot(8)
	g.e.emit(asm.StoreMem(tmp.base, tmp.off, asm.R0, asm.DWord))
	g.intExpr(y)
	g.e.emit(asm.Mov.Reg(asm.R1, asm.R0))
	g.e.emit(asm.LoadMem(asm.R0, tmp.base, tmp.off, asm.DWord))
	g.e.release(m)
	return 0, false
}

var compareOps = map[string][2]asm.JumpOp{
	// {signed, unsigned}
	"==": {asm.JEq, asm.JEq}, "!=": {asm.JNE, asm.JNE},
	"<": {asm.JSLT, asm.JLT}, "<=": {asm.JSLE, asm.JLE},
	">": {asm.JSGT, asm.JGT}, ">=": {asm.JSGE, asm.JGE},
}

// inverse maps a comparison to its negation.
var inverse = map[string]string{"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

func (g *gen) binary(b *ast.Binary) {
	if _, isCmp := compareOps[b.Op]; isCmp || b.Op == "&&" || b.Op == "||" {
		// Boolean operators: R0 = 1 unless cond jumps to the false label.
		f, end := g.e.newLabel("false"), g.e.newLabel("bend")
		g.cond(b, f)
		g.e.emit(asm.Mov.Imm(asm.R0, 1), asm.Ja.Label(end))
		g.e.place(f)
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		g.e.place(end)
		return
	}
	if b.Op == "+" || b.Op == "-" {
		_, xPtr := g.typeOf(b.X).(*types.Pointer)
		_, yPtr := g.typeOf(b.Y).(*types.Pointer)
		if xPtr || yPtr {
			g.pointerArith(b)
			return
		}
	}
	signed := isSigned(g.typeOf(b))
	imm, isImm := g.operands(b.X, b.Y)
	if isImm && b.Op != "/" && b.Op != "%" {
		g.e.emit(aluOps[b.Op].op(signed).Imm(asm.R0, imm))
		return
	}
	if isImm {
		g.e.emit(asm.Mov.Imm(asm.R1, imm))
	}
	if b.Op == "/" || b.Op == "%" {
		g.divMod(b, signed)
		return
	}
	g.binop(b.Op, signed)
}

// aluOp picks the signed or unsigned ALU operation.
type aluOp struct{ s, u asm.ALUOp }

func (a aluOp) op(signed bool) asm.ALUOp {
	if signed {
		return a.s
	}
	return a.u
}

var aluOps = map[string]aluOp{
	"+": {asm.Add, asm.Add}, "-": {asm.Sub, asm.Sub}, "*": {asm.Mul, asm.Mul},
	"&": {asm.And, asm.And}, "|": {asm.Or, asm.Or}, "^": {asm.Xor, asm.Xor},
	"<<": {asm.LSh, asm.LSh}, ">>": {asm.ArSh, asm.RSh},
}

// binop computes R0 = R0 op R1.
func (g *gen) binop(op string, signed bool) {
	switch op {
	case "/", "%":
		if signed {
			g.signedDivMod(op)
			return
		}
		if op == "/" {
			g.e.emit(asm.Div.Reg(asm.R0, asm.R1))
		} else {
			g.e.emit(asm.Mod.Reg(asm.R0, asm.R1))
		}
	default:
		g.e.emit(aluOps[op].op(signed).Reg(asm.R0, asm.R1))
	}
}

// signedDivMod computes C signed division or remainder of R0 by R1 with
// unsigned BPF instructions (portable to kernels without BPF v4 sdiv):
// the magnitudes are divided and the sign restored.
func (g *gen) signedDivMod(op string) {
	// R2 = sign of the result: for '/', x^y; for '%', x.
	g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
	if op == "/" {
		g.e.emit(asm.Xor.Reg(asm.R2, asm.R1))
	}
	pos0, pos1 := g.e.newLabel("pos"), g.e.newLabel("pos")
	g.e.emit(asm.JSGE.Imm(asm.R0, 0, pos0), asm.Neg.Imm(asm.R0, 0))
	g.e.place(pos0)
	g.e.emit(asm.JSGE.Imm(asm.R1, 0, pos1), asm.Neg.Imm(asm.R1, 0))
	g.e.place(pos1)
	if op == "/" {
		g.e.emit(asm.Div.Reg(asm.R0, asm.R1))
	} else {
		g.e.emit(asm.Mod.Reg(asm.R0, asm.R1))
	}
	done := g.e.newLabel("sdone")
	g.e.emit(asm.JSGE.Imm(asm.R2, 0, done), asm.Neg.Imm(asm.R0, 0))
	g.e.place(done)
}

// cond jumps to falseLabel when x is false and falls through otherwise.
func (g *gen) cond(x ast.Expr, falseLabel string) {
	switch x := x.(type) {
	case *ast.Binary:
		switch x.Op {
		case "&&":
			g.cond(x.X, falseLabel)
			g.cond(x.Y, falseLabel)
			return
		case "||":
			t, f := g.e.newLabel("or_true"), g.e.newLabel("or_next")
			g.cond(x.X, f)
			g.e.emit(asm.Ja.Label(t))
			g.e.place(f)
			g.cond(x.Y, falseLabel)
			g.e.place(t)
			return
		}
		if _, ok := compareOps[x.Op]; ok {
			if ct, ok := g.inst.CompareTypes[x]; ok {
				g.compareValues(x.X, x.Y, ct, x.Op == "==", falseLabel)
				return
			}
			if types.IsString(g.typeOf(x.X)) {
				g.stringCompare(x.X, x.Y, x.Op == "==", falseLabel)
				return
			}
			signed := isSigned(check.ArithType(g.typeOf(x.X), g.typeOf(x.Y)))
			inv := compareOps[inverse[x.Op]]
			op := inv[1]
			if signed {
				op = inv[0]
			}
			imm, isImm := g.operands(x.X, x.Y)
			if isImm {
				g.e.emit(op.Imm(asm.R0, imm, falseLabel))
			} else {
				g.e.emit(op.Reg(asm.R0, asm.R1, falseLabel))
			}
			return
		}
	case *ast.Unary:
		if x.Op == "!" {
			t := g.e.newLabel("not")
			g.cond(x.X, t)
			g.e.emit(asm.Ja.Label(falseLabel))
			g.e.place(t)
			return
		}
	}
	t := g.typeOf(x)
	if types.IsString(t) {
		m := g.e.mark()
		l := g.e.slot(t.Size())
		g.valueTo(x, l, t)
		g.e.emit(asm.LoadMem(asm.R0, l.base, l.off, asm.Byte))
		g.e.release(m)
	} else {
		g.intExpr(x)
	}
	g.e.emit(asm.JEq.Imm(asm.R0, 0, falseLabel))
}

// stringCompare jumps to falseLabel unless the strings x and y are equal
// (eq) or different (!eq). Bytes are compared up to the first NUL.
func (g *gen) stringCompare(x, y ast.Expr, eq bool, falseLabel string) {
	m := g.e.mark()
	defer g.e.release(m)
	// Compare against a constant without materialising it.
	if s, ok := g.inst.StrConsts[y]; ok {
		g.stringCompareConst(x, s, eq, falseLabel)
		return
	}
	if s, ok := g.inst.StrConsts[x]; ok {
		g.stringCompareConst(y, s, eq, falseLabel)
		return
	}
	xt, yt := g.typeOf(x), g.typeOf(y)
	a := g.e.slot(xt.Size())
	b := g.e.slot(yt.Size())
	g.valueTo(x, a, xt)
	g.valueTo(y, b, yt)
	same, differ := g.e.newLabel("streq"), g.e.newLabel("strne")
	n := min(xt.Size(), yt.Size())
	for i := 0; i < n; i++ {
		g.e.emit(asm.LoadMem(asm.R1, a.base, a.off+int16(i), asm.Byte))
		g.e.emit(asm.LoadMem(asm.R2, b.base, b.off+int16(i), asm.Byte))
		g.e.emit(asm.JNE.Reg(asm.R1, asm.R2, differ))
		g.e.emit(asm.JEq.Imm(asm.R1, 0, same))
	}
	g.stringCompareTail(eq, same, differ, falseLabel)
}

// stringCompareTail binds the same/differ labels to the outcome.
func (g *gen) stringCompareTail(eq bool, same, differ, falseLabel string) {
	end := g.e.newLabel("strend")
	g.e.place(same)
	if eq {
		g.e.emit(asm.Ja.Label(end))
	} else {
		g.e.emit(asm.Ja.Label(falseLabel))
	}
	g.e.place(differ)
	if eq {
		g.e.emit(asm.Ja.Label(falseLabel))
	}
	g.e.place(end)
}

func (g *gen) stringCompareConst(x ast.Expr, s string, eq bool, falseLabel string) {
	xt := g.typeOf(x)
	a := g.e.slot(xt.Size())
	g.valueTo(x, a, xt)
	same, differ := g.e.newLabel("streq"), g.e.newLabel("strne")
	b := append([]byte(s), 0)
	for i := 0; i < len(b) && i < xt.Size(); i++ {
		g.e.emit(asm.LoadMem(asm.R1, a.base, a.off+int16(i), asm.Byte))
		g.e.emit(asm.JNE.Imm(asm.R1, int32(b[i]), differ))
	}
	if len(b) > xt.Size() {
		// The constant is longer than the string can hold.
		g.e.emit(asm.Ja.Label(differ))
	}
	g.stringCompareTail(eq, same, differ, falseLabel)
}

// incDec compiles ++ and -- on variables and maps.
func (g *gen) incDec(x *ast.IncDec) {
	op := "+"
	if x.Op == "--" {
		op = "-"
	}
	switch t := x.X.(type) {
	case *ast.Var:
		sym := g.inst.Vars[t]
		slot := g.vars[sym]
		g.e.loadInt(asm.R0, slot, sym.Type.Size(), isSigned(sym.Type))
		g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
		step := int32(1)
		if pt, ok := sym.Type.(*types.Pointer); ok {
			step = int32(pointerStride(pt))
		}
		g.e.emit(aluOps[op].u.Imm(asm.R0, step))
		g.e.emit(asm.StoreMem(slot.base, slot.off, asm.R0, sizeOf(sym.Type.Size())))
		if !x.Prefix {
			g.e.emit(asm.Mov.Reg(asm.R0, asm.R2))
		}
	case *ast.MapExpr:
		g.mapUpdateInt(t, op, nil, !x.Prefix)
	}
}

// isPtr reports whether t is a pointer type.
func isPtr(t types.Type) bool {
	_, ok := t.(*types.Pointer)
	return ok
}
