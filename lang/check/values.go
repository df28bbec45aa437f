package check

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Values of every shape.
//
// Besides scalars and strings, a script handles aggregate values: C
// structs (read whole through a pointer, `*(struct foo *)p`), fixed
// arrays (struct members, pton(), casts of integers and strings),
// tuples `(1, "x")` and records `(a = 1, b = "x")`. They live in memory
// (a stack slot or the per-CPU scratch area), are stored in variables,
// map keys and values, nest inside tuples and records, are compared with
// == and != (byte by byte, after conversion to a common layout), printed
// as bpftrace prints them, and have addresses (`&$x`). The checker only
// types them; codegen/aggregate_values.go moves and compares the bytes.

// storableValue reports whether a value of type t can be kept in a
// variable, a map, a tuple or a record.
func storableValue(t types.Type) bool {
	switch t := t.(type) {
	case *types.Int, *types.Bool, *types.Enum, *types.String, *types.Buffer, *types.Inet, *types.MacAddr, *types.CgroupPath, *types.ProbeName,
		*types.Timestamp, *types.Errno, *types.SyscallName, *types.Username, *types.Symbol, *types.Stack, *types.Pointer, *types.Struct:
		return true
	case *types.Array:
		return t.Len > 0 && storableValue(t.Elem)
	case *types.Tuple:
		for _, e := range t.Elems {
			if !storableValue(e) {
				return false
			}
		}
		return true
	case *types.Record:
		return storableValue(t.Tuple)
	}
	return false
}

// record checks `(a = x, b = y)`: every name once, every value one that
// can be stored. Values keep their integer widths, as in tuples.
func (c *checker) record(e *ast.Record) types.Type {
	elems := make([]types.Type, len(e.Values))
	seen := map[string]bool{}
	ok := true
	for i, x := range e.Values {
		t := c.valueOf(x)
		if t == nil {
			ok = false
			continue
		}
		if seen[e.Names[i]] {
			c.errorf(x, diag.CodeType, "Duplicate named argument: %s", e.Names[i])
			ok = false
			continue
		}
		seen[e.Names[i]] = true
		if agg, isAgg := t.(*types.Agg); isAgg {
			c.errorf(x, diag.CodeType, "Map type %s cannot exist inside a record.", agg)
			ok = false
			continue
		}
		if !storableValue(t) {
			c.errorf(x, diag.CodeType, "values of type %s cannot be part of a record", t)
			ok = false
			continue
		}
		elems[i] = t
	}
	if !ok {
		return nil
	}
	return types.NewRecord(e.Names, elems)
}

// recordField checks `r.name` on a record value.
func (c *checker) recordField(e *ast.FieldExpr, rt *types.Record) types.Type {
	if e.Arrow {
		c.errorf(e, diag.CodeType, "Can not access field '%s' on type '%s'. Try dereferencing it first, or using '.'", e.Name, rt)
		return nil
	}
	f, ok := rt.Field(e.Name)
	if !ok {
		d := c.errorf(e, diag.CodeUnknown, "Record does not contain a field named '%s'", e.Name)
		if s := diag.Nearest(e.Name, rt.Names); s != "" {
			d.Hint("did you mean '%s'?", s)
		}
		return nil
	}
	c.tab.Fields[e] = f
	return f.Type
}

// unifyRecords is unify for two records: the same names with values
// that unify by name; the result keeps a's order.
func unifyRecords(a, b *types.Record) (types.Type, bool) {
	if len(a.Names) != len(b.Names) {
		return nil, false
	}
	elems := make([]types.Type, len(a.Names))
	for i, n := range a.Names {
		j := b.Index(n)
		if j < 0 {
			return nil, false
		}
		e, ok := unify(a.Tuple.Elems[i], b.Tuple.Elems[j])
		if !ok {
			return nil, false
		}
		elems[i] = e
	}
	return types.NewRecord(a.Names, elems), true
}

// isAggregate reports whether t is a value compared and copied as bytes
// in memory: a struct, an array, a tuple or a record.
func isAggregate(t types.Type) bool {
	switch t.(type) {
	case *types.Struct, *types.Array, *types.Tuple, *types.Record:
		return true
	}
	return false
}

// compareValues checks == and != between aggregate values; handled is
// false when neither operand is one. Arrays compare when they have the
// same length and integer element type, as in bpftrace; tuples, records
// and structs when their types unify. The common type, which codegen
// converts both sides to, is recorded in CompareTypes.
func (c *checker) compareValues(b *ast.Binary, x, y types.Type) (t types.Type, handled bool) {
	if xb, ok := x.(*types.Buffer); ok {
		if yb, ok := y.(*types.Buffer); ok {
			// Buffers are equal when their lengths and bytes are; they
			// compare as the larger of the two.
			if b.Op != "==" && b.Op != "!=" {
				c.errorf(b, diag.CodeType, "The %s operator can not be used on expressions of types %s, %s", b.Op, x, y)
				return nil, true
			}
			c.tab.CompareTypes[b] = &types.Buffer{Cap: max(xb.Cap, yb.Cap)}
			return &types.Bool{}, true
		}
	}
	if !isAggregate(x) && !isAggregate(y) {
		return nil, false
	}
	if xa, ok := x.(*types.Array); ok {
		if ya, ok := y.(*types.Array); ok {
			switch {
			case b.Op != "==" && b.Op != "!=":
				c.errorf(b, diag.CodeType, "The %s operator cannot be used on arrays.", b.Op)
			case xa.Len != ya.Len:
				c.errorf(b, diag.CodeType, "Only arrays of same size support comparison operators.")
			case !types.IsInt(xa.Elem) || !types.Identical(xa.Elem, ya.Elem) || xa.Elem.Size() != ya.Elem.Size():
				c.errorf(b, diag.CodeType, "Only arrays of same sized integer support comparison operators.")
			default:
				c.tab.CompareTypes[b] = x
				return &types.Bool{}, true
			}
			return nil, true
		}
	}
	common, ok := unify(x, y)
	if !ok || !isAggregate(x) || !isAggregate(y) {
		c.errorf(b, diag.CodeType, "Type mismatch for '%s': comparing '%s' with '%s'", b.Op, x, y)
		return nil, true
	}
	if b.Op != "==" && b.Op != "!=" {
		c.errorf(b, diag.CodeType, "The %s operator can not be used on expressions of types %s, %s", b.Op, x, y)
		return nil, true
	}
	c.tab.CompareTypes[b] = common
	return &types.Bool{}, true
}

// arrayType resolves the array type written in a cast, `int8[8]` or
// `uint8[]` (the length then comes from the size of the value cast,
// from).
func (c *checker) arrayType(te *ast.TypeExpr, from types.Type) types.Type {
	elemTE := *te
	elemTE.Array = 0
	elem := c.typeExpr(&elemTE)
	if elem == nil {
		return nil
	}
	if !types.IsInt(elem) || elem.Size() == 0 {
		c.errorf(te, diag.CodeType, "Cannot cast to an array of %s; only integer arrays are supported", elem)
		return nil
	}
	n := te.Array
	if n < 0 {
		if from == nil || from.Size()%elem.Size() != 0 {
			c.errorf(te, diag.CodeType, "Cannot determine the array size: %s does not divide into %s elements", from, elem)
			return nil
		}
		n = from.Size() / elem.Size()
	}
	return &types.Array{Elem: elem, Len: n}
}

// arrayCast checks casts between integers or strings and integer arrays
// of the same size, (uint8[4])n, (uint32)pton("…"), (int8[])"str";
// handled is false for other casts.
func (c *checker) arrayCast(e *ast.Cast) (t types.Type, handled bool) {
	if e.Type.Array == 0 {
		return nil, false
	}
	from := c.expr(e.X)
	if from == nil {
		return nil, true
	}
	to := c.arrayType(e.Type, from)
	if to == nil {
		return nil, true
	}
	switch {
	case types.IsInt(from) && isPtrOrInt(from) && (to.Size() == from.Size() || to.Size() <= 8 && to.Size() > from.Size() || (to.Size() < 8 && c.isConst(e.X))):
	case types.IsString(from) && to.Size() == from.Size():
	case isIntArray(from) && to.Size() == from.Size():
	default:
		c.errorf(e, diag.CodeType, "Cannot cast from '%s' to '%s'", from, to)
		return nil, true
	}
	return to, true
}

// intFromArray checks the cast of an integer array to an integer of the
// same size; handled is false when from is not an array.
func (c *checker) intFromArray(e *ast.Cast, from, to types.Type) (types.Type, bool) {
	if !isIntArray(from) {
		return nil, false
	}
	if !types.IsInt(to) || to.Size() != from.Size() {
		c.errorf(e, diag.CodeType, "Cannot cast from '%s' to '%s'", from, to)
		return nil, true
	}
	return to, true
}

func isIntArray(t types.Type) bool {
	a, ok := t.(*types.Array)
	return ok && types.IsInt(a.Elem)
}

func (c *checker) isConst(x ast.Expr) bool {
	_, ok := c.tab.Consts[x]
	return ok
}

// varAddress checks `&$x`: a pointer to the variable's value, in the
// probe's own (kernel) memory.
func (c *checker) varAddress(v *ast.Var) types.Type {
	t := c.tab.Types[v]
	if t == nil {
		return nil
	}
	return &types.Pointer{Elem: t, Space: types.Kernel}
}

// tupleElem checks `t[i]` on a tuple: a constant index selects an
// element, as t.i does.
func (c *checker) tupleElem(e *ast.IndexExpr, tt *types.Tuple) types.Type {
	n, ok := c.tab.Consts[e.Index]
	if !ok {
		c.errorf(e.Index, diag.CodeType, "The index of a tuple must be a constant")
		return nil
	}
	if n < 0 || n >= int64(len(tt.Elems)) {
		c.errorf(e.Index, diag.CodeType, "Invalid tuple index: %d. Found %d elements in tuple.", n, len(tt.Elems))
		return nil
	}
	return tt.Elems[n]
}

// isScalarType reports whether t is an integer, enum, bool or pointer.
func isScalarType(t types.Type) bool {
	switch t.(type) {
	case *types.Int, *types.Enum, *types.Pointer, *types.Bool:
		return true
	}
	return false
}

// memSpace is the address space of the memory a member, element or
// dereference x reads; false when x is not read through a pointer.
func (c *checker) memSpace(x ast.Expr) (types.AddrSpace, bool) {
	switch x := x.(type) {
	case *ast.FieldExpr:
		return c.fieldSpace(x)
	case *ast.IndexExpr:
		if pt, ok := c.tab.Types[x.X].(*types.Pointer); ok {
			return pt.Space, true
		}
		return c.memSpace(x.X)
	case *ast.Unary:
		if pt, ok := c.tab.Types[x.X].(*types.Pointer); ok && x.Op == "*" {
			return pt.Space, true
		}
	}
	return 0, false
}

// loadedPointer is the type of a pointer t read from the memory of x: a
// pointer found in user memory points to user memory.
func (c *checker) loadedPointer(x ast.Expr, t types.Type) types.Type {
	pt, ok := t.(*types.Pointer)
	if !ok || pt.Space == types.User {
		return t
	}
	if space, ok := c.memSpace(x); ok && space == types.User {
		return &types.Pointer{Elem: pt.Elem, Space: types.User}
	}
	return t
}

// declaredArray resolves an array type written outside a cast, in sizeof
// or a declaration (`let $w: struct W[10]`): its length must be given.
func (c *checker) declaredArray(te *ast.TypeExpr) types.Type {
	if te.Array < 0 {
		c.errorf(te, diag.CodeType, "the length of array type '%s[]' can only be left out in a cast", te.Name)
		return nil
	}
	elemTE := *te
	elemTE.Array = 0
	elem := c.typeExpr(&elemTE)
	if elem == nil {
		return nil
	}
	if _, void := elem.(*types.Void); void {
		c.errorf(te, diag.CodeType, "arrays of void are not allowed")
		return nil
	}
	return &types.Array{Elem: elem, Len: te.Array}
}

// valueOf checks x where its value is used whole (stored in a variable or
// map, put in a tuple or record, printed). `args` then stands for a
// record of its fields, as bpftrace prints and stores it ({ .n = 0x…,
// .c = 120 }): the builtin is desugared to (n = args.n, c = args.c), so
// every probe kind whose args are a context struct (tracepoints,
// fentry/fexit, raw tracepoints, uprobes with DWARF) gets it.
func (c *checker) valueOf(x ast.Expr) types.Type {
	t := c.expr(x)
	ctx, ok := t.(*types.Ctx)
	id, isIdent := x.(*ast.Ident)
	if !ok || !isIdent || c.tab.Builtins[id].ID != stdlib.Args {
		return t
	}
	rec := &ast.Record{Pos: id.Pos}
	for _, f := range ctx.Struct.Fields {
		if f.Name == "" || strings.HasPrefix(f.Name, "common_") {
			continue // tracepoints' common fields are not arguments
		}
		rec.Names = append(rec.Names, f.Name)
		rec.Values = append(rec.Values, &ast.FieldExpr{Pos: id.Pos, X: &ast.Ident{Pos: id.Pos, Name: id.Name}, Name: f.Name})
	}
	if len(rec.Names) == 0 {
		return t
	}
	rt := c.expr(rec)
	if rt != nil {
		c.tab.Desugared[id] = rec
		c.tab.Types[id] = rt
	}
	return rt
}
