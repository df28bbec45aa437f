package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// index reads p[i]: the element at p + i*sizeof(element), as in C. On an
// array member the (constant) index selects the element directly from the
// tracepoint record or from memory after the member's address.
func (g *gen) index(x *ast.IndexExpr) {
	elem := g.typeOf(x)
	size := int64(elem.Size())
	if _, isArray := g.typeOf(x.X).(*types.Array); isArray {
		g.arrayIndex(x, elem)
		return
	}
	if st, isString := g.typeOf(x.X).(*types.String); isString {
		g.stringIndex(x, st)
		return
	}
	if n, ok := g.inst.Consts[x.Index]; ok && n*size >= -1<<31 && n*size < 1<<31 {
		g.intExpr(x.X)
		if n != 0 {
			g.e.emit(asm.Add.Imm(asm.R0, int32(n*size)))
		}
	} else {
		if imm, isImm := g.operands(x.X, x.Index); isImm { // R0 = p, R1 = i
			g.e.emit(asm.Mov.Imm(asm.R1, imm))
		}
		if size != 1 {
			g.e.emit(asm.Mul.Imm(asm.R1, int32(size)))
		}
		g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
	}
	g.readScalar(elem, g.userSpace(x.X))
}

// arrayIndex reads member[i] of an array member of a struct or of the
// tracepoint record. A constant index reads the element directly from the
// record (the verifier allows only constant context offsets) or from
// memory after the member's address; a variable one is added to the
// member's address (in the record too) and the element read from there.
func (g *gen) arrayIndex(x *ast.IndexExpr, elem types.Type) {
	size := int64(elem.Size())
	fe, isField := x.X.(*ast.FieldExpr)
	isCtx := false
	if isField {
		_, isCtx = g.typeOf(fe.X).(*types.Ctx)
	}
	n, isConst := g.inst.Consts[x.Index]
	if isConst && isCtx {
		f := g.inst.Fields[fe]
		g.e.loadInt(asm.R0, loc{regCtx, int16(int64(f.Offset) + n*size)}, int(size), isSigned(elem))
		return
	}
	g.readScalar(elem, g.probedAddr(x))
}

// pointerStride is the number of bytes one step of pointer arithmetic on
// t moves: the element size, or 1 for void pointers.
func pointerStride(t *types.Pointer) int64 {
	if n := t.Elem.Size(); n > 0 {
		if _, void := t.Elem.(*types.Void); !void {
			return int64(n)
		}
	}
	return 1
}

// pointerArith computes + or - with a pointer operand: the integer side is
// scaled by the element size; the difference of two pointers is divided by
// it.
func (g *gen) pointerArith(b *ast.Binary) {
	px, xPtr := g.typeOf(b.X).(*types.Pointer)
	py, yPtr := g.typeOf(b.Y).(*types.Pointer)
	if xPtr && yPtr {
		g.operands(b.X, b.Y)
		g.e.emit(asm.Sub.Reg(asm.R0, asm.R1))
		if n := pointerStride(px); n != 1 {
			g.e.emit(asm.Div.Imm(asm.R0, int32(n))) // both point into the same object
		}
		return
	}
	ptr, intSide := b.X, b.Y
	stride := int64(1)
	if yPtr {
		ptr, intSide = b.Y, b.X
		stride = pointerStride(py)
	} else {
		stride = pointerStride(px)
	}
	g.intExpr(ptr)
	g.moveBy(intSide, stride, b.Op == "-", nil)
}

// scaleForPointer multiplies the step in R0 by the element size when a
// value of type t (a variable or map being incremented, decremented, or
// updated with += / -=) is a pointer.
func (g *gen) scaleForPointer(t types.Type, op string) {
	pt, ok := t.(*types.Pointer)
	if !ok || (op != "+" && op != "-") {
		return
	}
	if n := pointerStride(pt); n != 1 {
		g.e.emit(asm.Mul.Imm(asm.R0, int32(n)))
	}
}
