package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// deref checks reading through pointer expression p of type t with
// operator op ("the * operator", "the [] operator"): the result is the
// pointed-to value, read with bpf_probe_read_kernel/user by the pointer's
// address space. Scalars (integers, enums, pointers) and values of every
// shape (structs, arrays, tuples, records, strings) are read.
func (c *checker) deref(at ast.Node, p ast.Expr, t types.Type, op string) types.Type {
	pt, ok := t.(*types.Pointer)
	if !ok {
		c.errorf(p, diag.CodeType, "%s expects a pointer (%s provided); cast an address to a pointer type first, e.g. *(uint32 *)addr", op, t)
		return nil
	}
	pt = c.completePointer(pt)
	switch pt.Elem.(type) {
	case *types.Int, *types.Enum, *types.Pointer, *types.Bool, *types.Struct:
		return pt.Elem
	case *types.Void:
		c.errorf(at, diag.CodeType, "cannot dereference a void pointer; cast it to a typed pointer first")
	default:
		if storableValue(pt.Elem) {
			return pt.Elem
		}
		c.errorf(at, diag.CodeUnsupported, "reading a %s through a pointer is not supported yet", pt.Elem)
	}
	return nil
}

// index checks `p[i]` on a pointer: the element i places after p
// (scaled by the element size, as in C).
func (c *checker) index(e *ast.IndexExpr) types.Type {
	t := c.expr(e.X)
	it := c.expr(e.Index)
	if t == nil || it == nil {
		return nil
	}
	if !types.IsInt(it) {
		c.errorf(e.Index, diag.CodeType, "the index must be an integer (%s provided)", it)
		return nil
	}
	if at, ok := t.(*types.Array); ok {
		return c.arrayIndex(e, at)
	}
	if tt, ok := t.(*types.Tuple); ok {
		return c.tupleElem(e, tt)
	}
	if st, ok := t.(*types.String); ok {
		return c.stringIndex(e, st)
	}
	if pt, ok := t.(*types.Pointer); ok {
		if st, ok := pt.Elem.(*types.Struct); ok {
			c.errorf(e, diag.CodeUnsupported, "indexing a pointer to %s is not supported yet; use (p + i)->field", st)
			return nil
		}
	}
	return c.deref(e, e.X, t, "the [] operator")
}

// arrayIndex checks `a[i]` on an array value (a struct member, a
// tracepoint argument, a variable, a map value, a cast): a constant i
// must be inside the array, unless the array is a flexible member
// (int y[0]), whose length is not known.
func (c *checker) arrayIndex(e *ast.IndexExpr, at *types.Array) types.Type {
	// A variable index is not bounds-checked at compile time.
	if n, ok := c.tab.Consts[e.Index]; ok && at.Len > 0 && (n < 0 || n >= int64(at.Len)) {
		c.errorf(e.Index, diag.CodeType, "the index %d is out of bounds for array of size %d", n, at.Len)
		return nil
	}
	if isScalarType(at.Elem) || storableValue(at.Elem) {
		return c.loadedPointer(e, at.Elem)
	}
	c.errorf(e, diag.CodeUnsupported, "indexing arrays of %s is not supported yet", at.Elem)
	return nil
}

// pointerArith checks + and - with a pointer operand, as in C: pointer ±
// integer is a pointer of the same type moved by whole elements (bytes for
// void pointers), pointer - pointer of the same type is the int64 number
// of elements between them.
func (c *checker) pointerArith(b *ast.Binary, x, y types.Type) types.Type {
	px, xPtr := x.(*types.Pointer)
	py, yPtr := y.(*types.Pointer)
	switch {
	case xPtr && yPtr:
		if b.Op == "-" && px.Elem.String() == py.Elem.String() {
			return types.Int64
		}
		c.errorf(b, diag.CodeType, "invalid operands to '%s': '%s' and '%s'", b.Op, x, y)
		return nil
	case yPtr && b.Op == "-":
		c.errorf(b, diag.CodeType, "cannot subtract a pointer from an integer")
		return nil
	case yPtr:
		return py
	}
	return px
}

// offsetof checks offsetof(struct X, a.b) or offsetof(expr, a.b): the
// constant byte offset of the (possibly nested) member.
func (c *checker) offsetof(e *ast.Offsetof) types.Type {
	t := c.typeOrExpr(e.Type, e.X)
	if t == nil {
		return nil
	}
	off := 0
	for _, name := range e.Fields {
		st, ok := t.(*types.Struct)
		if !ok {
			c.errorf(e, diag.CodeType, "offsetof() requires a struct or union type (%s provided)", t)
			return nil
		}
		f, ok := st.Field(name)
		if !ok {
			c.missingField(e, st, name)
			return nil
		}
		if f.BitSize != 0 {
			c.errorf(e, diag.CodeType, "offsetof() cannot take the offset of bitfield '%s'", name)
			return nil
		}
		off += f.Offset
		t = f.Type
	}
	c.tab.Consts[e] = int64(off)
	return types.Uint64
}

// addressOf checks `&x`: the address of a struct member reached through a
// pointer (&$sk->__sk_common, &curtask->comm), a pointer to the member's
// type in the same address space. Scratch variables, maps and tracepoint
// arguments have no address a probe could pass on.
func (c *checker) addressOf(u *ast.Unary) types.Type {
	if v, ok := u.X.(*ast.Var); ok {
		return c.varAddress(v)
	}
	fe, ok := u.X.(*ast.FieldExpr)
	if !ok {
		c.errorf(u, diag.CodeUnsupported, "& is only supported on struct members reached through a pointer")
		return nil
	}
	space, ok := c.fieldSpace(fe)
	if !ok {
		c.errorf(u, diag.CodeUnsupported, "& is only supported on struct members reached through a pointer, not on tracepoint arguments")
		return nil
	}
	f := c.tab.Fields[fe]
	if f.BitSize != 0 {
		c.errorf(u, diag.CodeType, "cannot take the address of bitfield '%s'", fe.Name)
		return nil
	}
	return &types.Pointer{Elem: f.Type, Space: space}
}

// fieldSpace is the address space of the memory a field access reads:
// that of the pointer at the root of its chain of embedded members; false
// for fields of the probe context.
func (c *checker) fieldSpace(fe *ast.FieldExpr) (types.AddrSpace, bool) {
	switch t := c.tab.Types[fe.X].(type) {
	case *types.Pointer:
		return t.Space, true
	case *types.Struct:
		switch inner := fe.X.(type) {
		case *ast.FieldExpr:
			return c.fieldSpace(inner)
		case *ast.Unary: // (*p).field
			if pt, ok := c.tab.Types[inner.X].(*types.Pointer); ok {
				return pt.Space, true
			}
		}
	}
	return 0, false
}
