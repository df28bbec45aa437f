package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Aggregate values: structs, arrays, tuples and records.
//
// An aggregate value is in one of two places. Probed memory is memory a
// pointer leads to (a struct member p->a, an array element p->a[i],
// *p): its address is computed in R0 and the bytes are read with
// bpf_probe_read_kernel/user. Program memory is a stack slot or the
// per-CPU scratch area (variables, map values, tuples and records built
// by the program, casts): its parts are loaded directly at constant
// offsets; a variable index into it computes the address and reads the
// element with bpf_probe_read_kernel, which keeps the verifier out of
// variable stack offsets. Members and elements of a value in program
// memory are reached without copying the whole value when their offset is
// constant (valueLoc).

// probed reports whether x is an aggregate part that lives in probed
// memory (see probedAddr). It emits nothing.
func (g *gen) probed(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.FieldExpr:
		switch g.typeOf(x.X).(type) {
		case *types.Pointer, *types.Ctx:
			return true
		case *types.Struct:
			return g.probed(x.X)
		}
	case *ast.Unary:
		return x.Op == "*"
	case *ast.IndexExpr:
		switch g.typeOf(x.X).(type) {
		case *types.Pointer:
			return true
		case *types.Array:
			return g.probed(x.X)
		}
	}
	return false
}

// probedAddr puts in R0 the address of x, for which probed is true, and
// reports whether it is user memory. Members of the tracepoint record are
// addressed from the context pointer.
func (g *gen) probedAddr(x ast.Expr) (user bool) {
	switch x := x.(type) {
	case *ast.FieldExpr:
		f := g.inst.Fields[x]
		switch g.typeOf(x.X).(type) {
		case *types.Ctx:
			g.e.emit(asm.Mov.Reg(asm.R0, regCtx))
		case *types.Pointer:
			g.intExpr(x.X)
			user = g.userSpace(x.X)
		default:
			user = g.probedAddr(x.X)
		}
		if f.Offset != 0 {
			g.e.emit(asm.Add.Imm(asm.R0, int32(f.Offset)))
		}
		return user
	case *ast.Unary:
		g.intExpr(x.X)
		return g.userSpace(x.X)
	case *ast.IndexExpr:
		size := int64(g.typeOf(x).Size())
		if _, isPtr := g.typeOf(x.X).(*types.Pointer); isPtr {
			g.intExpr(x.X)
			user = g.userSpace(x.X)
			g.addIndex(x.Index, size)
			return user
		}
		user = g.probedAddr(x.X)
		g.moveBy(x.Index, size, false, g.boundCheck(x))
		return user
	}
	panic(&compileError{span: x.Span(), msg: "this expression has no address"})
}

// addIndex adds index*size to the address in R0.
func (g *gen) addIndex(index ast.Expr, size int64) { g.moveBy(index, size, false, nil) }

// boundCheck returns, for an index into an array of known length, the
// check moveBy makes of a computed index: a run-time warning when it is
// outside the array, as in bpftrace.
func (g *gen) boundCheck(x *ast.IndexExpr) func() {
	at, ok := g.typeOf(x.X).(*types.Array)
	if !ok || at.Len <= 0 {
		return nil
	}
	return func() {
		in := g.e.newLabel("inbounds")
		g.e.emit(asm.JLT.Imm(asm.R0, int32(at.Len), in))
		m := g.e.mark()
		tmp := g.e.stack(8)
		g.e.emit(asm.StoreMem(tmp.base, tmp.off, asm.R0, asm.DWord))
		g.runtimeError(RuntimeArrayOutOfBounds, x.Span())
		g.e.emit(asm.LoadMem(asm.R0, tmp.base, tmp.off, asm.DWord))
		g.e.release(m)
		g.e.place(in)
	}
}

// moveBy adds (or, with sub, subtracts) n*size to the address in R0,
// where n is the value of expression x; check, when not nil, is called
// with n in R0 and must leave it there.
func (g *gen) moveBy(x ast.Expr, size int64, sub bool, check func()) {
	if n, ok := g.inst.Consts[x]; ok && n*size > -1<<31 && n*size < 1<<31 {
		if sub {
			n = -n
		}
		if n != 0 {
			g.e.emit(asm.Add.Imm(asm.R0, int32(n*size)))
		}
		return
	}
	m := g.e.mark()
	base := g.e.slot(8)
	g.e.emit(asm.StoreMem(base.base, base.off, asm.R0, asm.DWord))
	g.intExpr(x)
	if check != nil {
		check()
	}
	if size != 1 {
		g.e.emit(asm.Mul.Imm(asm.R0, int32(size)))
	}
	if sub {
		g.e.emit(asm.Mov.Reg(asm.R1, asm.R0), asm.LoadMem(asm.R0, base.base, base.off, asm.DWord), asm.Sub.Reg(asm.R0, asm.R1))
	} else {
		g.e.emit(asm.LoadMem(asm.R1, base.base, base.off, asm.DWord), asm.Add.Reg(asm.R0, asm.R1))
	}
	g.e.release(m)
}

// valueLoc returns the program memory holding the value of x (an
// aggregate, or a part of one at a constant offset): a variable's slot,
// a member or element inside it, or else a temporary the value is
// computed into. The caller releases temporaries with a mark taken
// before.
func (g *gen) valueLoc(x ast.Expr) loc {
	t := g.typeOf(x)
	switch x := x.(type) {
	case *ast.Var:
		return g.vars[g.inst.Vars[x]]
	case *ast.FieldExpr:
		if !g.probed(x) {
			return g.valueLoc(x.X).plus(g.inst.Fields[x].Offset)
		}
	case *ast.TupleIndex:
		tt := g.typeOf(x.X).(*types.Tuple)
		return g.valueLoc(x.X).plus(tt.Offsets[x.Index])
	case *ast.IndexExpr:
		if n, ok := g.inst.Consts[x.Index]; ok && !g.probed(x) {
			switch xt := g.typeOf(x.X).(type) {
			case *types.Tuple:
				return g.valueLoc(x.X).plus(xt.Offsets[n])
			case *types.Array:
				return g.valueLoc(x.X).plus(int(n) * xt.Elem.Size())
			}
		}
	}
	l := g.e.slot(t.Size())
	g.valueTo(x, l, t)
	return l
}

// partInt loads into R0 a scalar member or element of an aggregate
// value in program memory (a struct or record field, a tuple or array
// element); false when x is not one.
func (g *gen) partInt(x ast.Expr) bool {
	if g.probed(x) {
		return false
	}
	t := g.typeOf(x)
	switch x := x.(type) {
	case *ast.FieldExpr:
		f := g.inst.Fields[x]
		m := g.e.mark()
		l := g.valueLoc(x.X).plus(f.Offset)
		g.e.loadInt(asm.R0, l, f.Type.Size(), isSigned(f.Type))
		g.e.release(m)
		if f.BitSize != 0 {
			g.extractBits(f.BitOffset, f.BitSize)
		}
		return true
	case *ast.IndexExpr:
		switch g.typeOf(x.X).(type) {
		case *types.Tuple, *types.Array:
		default:
			return false
		}
		m := g.e.mark()
		if _, ok := g.inst.Consts[x.Index]; ok {
			g.e.loadInt(asm.R0, g.valueLoc(x), t.Size(), isSigned(t))
		} else {
			oob, end := g.e.newLabel("oob"), g.e.newLabel("inbounds")
			g.elemAddr(x, oob)
			g.readScalar(t, false)
			g.e.emit(asm.Ja.Label(end))
			g.e.place(oob)
			g.e.emit(asm.Mov.Imm(asm.R0, 0))
			g.e.place(end)
		}
		g.e.release(m)
		return true
	}
	return false
}

// partTo writes the value of x, a member or element of an aggregate (in
// program or probed memory), at dst as type dt; false when x is not one.
func (g *gen) partTo(x ast.Expr, dst loc, dt types.Type) bool {
	switch x := x.(type) {
	case *ast.FieldExpr:
		if _, isStr := dt.(*types.String); isStr && g.probed(x) {
			return false // char arrays and __data_loc strings: fieldTo
		}
	case *ast.IndexExpr:
		switch g.typeOf(x.X).(type) {
		case *types.Tuple, *types.Array:
		default:
			return false
		}
	case *ast.TupleIndex:
	default:
		return false
	}
	t := g.typeOf(x)
	m := g.e.mark()
	if g.probed(x) {
		if isScalar(t) {
			g.intExpr(x)
			g.storeScalar(dst, dt)
		} else {
			tmp := dst
			if !sameShape(t, dt) {
				tmp = g.e.slot(t.Size())
			}
			g.readInto(tmp, t.Size(), g.probedAddr(x))
			if tmp != dst {
				g.convert(tmp, t, dst, dt)
			}
		}
		g.e.release(m)
		return true
	}
	if ix, ok := x.(*ast.IndexExpr); ok {
		if _, isConst := g.inst.Consts[ix.Index]; !isConst {
			// A variable index into program memory: read the element
			// at its computed address (zero when out of bounds).
			tmp := g.e.slot(t.Size())
			g.e.clearMem(tmp, t.Size())
			oob := g.e.newLabel("oob")
			g.elemAddr(ix, oob)
			g.readInto(tmp, t.Size(), false)
			g.e.place(oob)
			g.convert(tmp, t, dst, dt)
			g.e.release(m)
			return true
		}
	}
	g.convert(g.valueLoc(x), t, dst, dt)
	g.e.release(m)
	return true
}

// elemAddr puts in R0 the address of element x.Index of the array x.X
// in program memory, jumping to oob after a run-time warning when the
// (variable) index is out of bounds: the verifier accepts a stack or map
// value address moved by a bounded offset only.
func (g *gen) elemAddr(x *ast.IndexExpr, oob string) {
	n := 0
	if at, ok := g.typeOf(x.X).(*types.Array); ok {
		n = at.Len
	}
	size := int64(g.typeOf(x).Size())
	base := g.valueLoc(x.X)
	g.intExpr(x.Index)
	if n > 0 {
		in := g.e.newLabel("inbounds")
		g.e.emit(asm.JLT.Imm(asm.R0, int32(n), in))
		g.runtimeError(RuntimeArrayOutOfBounds, x.Span())
		g.e.emit(asm.Ja.Label(oob))
		g.e.place(in)
	} else {
		g.e.emit(asm.Ja.Label(oob))
	}
	if size != 1 {
		g.e.emit(asm.Mul.Imm(asm.R0, int32(size)))
	}
	g.e.addr(asm.R1, base)
	g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
}

// sameShape reports whether values of a and b have the same bytes.
func sameShape(a, b types.Type) bool {
	return a.Size() == b.Size() && a.String() == b.String()
}

// recordTo writes the record literal x at dst as record type dt, each
// value at the offset of its name (a variable or map keeps the field
// order of its first record).
func (g *gen) recordTo(x *ast.Record, dst loc, dt *types.Record) {
	for i, name := range x.Names {
		j := dt.Index(name)
		g.valueTo(x.Values[i], dst.plus(dt.Tuple.Offsets[j]), dt.Tuple.Elems[j])
	}
	g.zeroPadding(dst, dt.Tuple)
}

// convertRecord copies record s at src to dst as record d, by name.
func (g *gen) convertRecord(src loc, s *types.Record, dst loc, d *types.Record) {
	for i, name := range s.Names {
		j := d.Index(name)
		g.convert(src.plus(s.Tuple.Offsets[i]), s.Tuple.Elems[i], dst.plus(d.Tuple.Offsets[j]), d.Tuple.Elems[j])
	}
	g.zeroPadding(dst, d.Tuple)
}

// castTo writes the cast x of an integer or a string to an integer array
// at dst: the value's bytes, reinterpreted.
func (g *gen) castTo(x *ast.Cast, dst loc, dt types.Type) {
	from := g.typeOf(x.X)
	if types.IsInt(from) || isScalar(from) {
		// Through an aligned temporary: the array may sit at any
		// offset of its element alignment inside a tuple.
		m := g.e.mark()
		g.intExpr(x.X)
		tmp := g.e.stack(8)
		g.e.emit(asm.StoreMem(tmp.base, tmp.off, asm.R0, asm.DWord))
		g.e.copyMem(dst, tmp, dt.Size())
		g.e.release(m)
		return
	}
	g.valueTo(x.X, dst, from)
}

// intOfArray loads into R0 the integer array x.X cast to an integer of
// the same size; false when x is another cast.
func (g *gen) intOfArray(x *ast.Cast) bool {
	if _, ok := g.typeOf(x.X).(*types.Array); !ok {
		return false
	}
	t := g.typeOf(x)
	m := g.e.mark()
	g.e.loadInt(asm.R0, g.valueLoc(x.X), t.Size(), isSigned(t))
	g.e.release(m)
	return true
}

// compareValues jumps to falseLabel unless the aggregate values x and y
// (converted to their common type ct) are equal (eq) or differ (!eq),
// comparing their bytes 8 at a time.
func (g *gen) compareValues(x, y ast.Expr, ct types.Type, eq bool, falseLabel string) {
	m := g.e.mark()
	a := g.e.slot(ct.Size())
	b := g.e.slot(ct.Size())
	if _, ok := ct.(*types.Buffer); ok {
		// buf() writes only its length's bytes: the rest must be zero
		// on both sides.
		g.e.zero(a, (ct.Size()+7)&^7)
		g.e.zero(b, (ct.Size()+7)&^7)
	}
	g.valueTo(x, a, ct)
	g.valueTo(y, b, ct)
	differ := g.e.newLabel("differ")
	n := ct.Size()
	for i := 0; i < n; {
		c := min(chunk(a.off+int16(i), n-i), chunk(b.off+int16(i), n-i))
		g.e.emit(asm.LoadMem(asm.R0, a.base, a.off+int16(i), sizeOf(c)))
		g.e.emit(asm.LoadMem(asm.R1, b.base, b.off+int16(i), sizeOf(c)))
		g.e.emit(asm.JNE.Reg(asm.R0, asm.R1, differ))
		i += c
	}
	g.e.release(m)
	if eq {
		end := g.e.newLabel("same")
		g.e.emit(asm.Ja.Label(end))
		g.e.place(differ)
		g.e.emit(asm.Ja.Label(falseLabel))
		g.e.place(end)
		return
	}
	g.e.emit(asm.Ja.Label(falseLabel))
	g.e.place(differ)
}

// varAddr puts the address of variable v's slot in R0 (&$x).
func (g *gen) varAddr(v *ast.Var) {
	g.e.addr(asm.R0, g.vars[g.inst.Vars[v]])
}
