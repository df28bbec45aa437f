package check

import (
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Written types: the types a script names in casts, sizeof and offsetof
// (integer names, kernel and script-defined structs, typedefs and enums),
// the address space a cast gives a pointer, and the constant truncation
// of a cast integer.

// intTypes are the integer type names accepted in casts and sizeof.
var intTypes = map[string]*types.Int{
	"int8": types.Int8, "int16": types.Int16, "int32": types.Int32, "int64": types.Int64,
	"uint8": types.Uint8, "uint16": types.Uint16, "uint32": types.Uint32, "uint64": types.Uint64,
	"int8_t": types.Int8, "int16_t": types.Int16, "int32_t": types.Int32, "int64_t": types.Int64,
	"uint8_t": types.Uint8, "uint16_t": types.Uint16, "uint32_t": types.Uint32, "uint64_t": types.Uint64,
	"u8": types.Uint8, "u16": types.Uint16, "u32": types.Uint32, "u64": types.Uint64,
	"s8": types.Int8, "s16": types.Int16, "s32": types.Int32, "s64": types.Int64,
}

// typeExpr resolves a written type.
func (c *checker) typeExpr(te *ast.TypeExpr) types.Type {
	if te.Array != 0 {
		return c.declaredArray(te)
	}
	var base types.Type
	switch {
	case te.Of != nil:
		base = c.typeofType(te.Of)
		if base == nil {
			return nil
		}
	case intTypes[te.Name] != nil:
		base = intTypes[te.Name]
	case te.Name == "bool":
		base = &types.Bool{}
	case te.Name == "void":
		base = &types.Void{}
	default:
		base = c.kernelType(te)
		if base == nil {
			return nil
		}
	}
	for i := 0; i < te.Ptr; i++ {
		base = &types.Pointer{Elem: base, Space: c.castSpace()}
	}
	return base
}

// castSpace is the address space of a pointer the script casts to: user
// memory in probes on user code (uprobe, uretprobe, usdt), as in bpftrace,
// kernel memory elsewhere.
func (c *checker) castSpace() types.AddrSpace {
	if c.attach != nil && stdlib.Probes[c.attach.Kind].UserSpace {
		return types.User
	}
	return types.Kernel
}

// kernelType resolves a struct, union, enum or typedef name: the
// script's definitions, the probed program's DWARF (userType), then the
// host's kernel types (BTF).
func (c *checker) kernelType(te *ast.TypeExpr) types.Type {
	if t, ok := c.cstructs[te.Name]; ok {
		return t
	}
	if t, ok := c.enumTypes[te.Name]; ok {
		return t
	}
	if c.badCDefs[te.Name] {
		// Its definition failed (reported): an incomplete type, whose
		// uses are not reported again.
		kind, name, _ := strings.Cut(te.Name, " ")
		return &types.Struct{Kind: kind, Name: name}
	}
	if c.cfg.Host == nil {
		c.errorf(te, diag.CodeUnknown, "unknown type '%s'", te.Name)
		return nil
	}
	if t := c.userType(te.Name); t != nil {
		return t
	}
	t, err := c.cfg.Host.KernelType(te.Name)
	if err != nil {
		c.errorf(te, diag.CodeUnknown, "unknown type '%s': %v", te.Name, err)
		return nil
	}
	return t
}

func typeSuffix(te *ast.TypeExpr) string {
	s := ""
	for i := 0; i < te.Ptr; i++ {
		s += "*"
	}
	if te.Array > 0 {
		s += "[" + strconv.Itoa(te.Array) + "]"
	}
	return s
}

func (c *checker) cast(e *ast.Cast) types.Type {
	if t, ok := c.arrayCast(e); ok {
		return t
	}
	to := c.typeExpr(e.Type)
	from := c.expr(e.X)
	if to == nil || from == nil {
		return nil
	}
	if t, ok := c.intFromArray(e, from, to); ok {
		return t
	}
	if pt, toPtr := to.(*types.Pointer); toPtr {
		if pf, fromPtr := from.(*types.Pointer); fromPtr {
			// A cast changes what is pointed to, not where: the
			// address space stays the operand's.
			if pf.Space != pt.Space {
				return &types.Pointer{Elem: pt.Elem, Space: pf.Space}
			}
			return to
		}
		if types.IsInt(from) {
			return to
		}
	}
	if !types.IsInt(from) && !isPointer(from) {
		c.errorf(e, diag.CodeType, "Cannot cast from '%s' to '%s'", from, to)
		return nil
	}
	if !types.IsInt(to) {
		c.errorf(e, diag.CodeType, "Cannot cast from '%s' to '%s'", from, to)
		return nil
	}
	if n, ok := c.tab.Consts[e.X]; ok {
		c.tab.Consts[e] = truncate(n, to)
	}
	return to
}

// truncate converts n to integer type t (truncation and sign extension).
func truncate(n int64, t types.Type) int64 {
	it, ok := t.(*types.Int)
	if !ok {
		if _, isBool := t.(*types.Bool); isBool && n != 0 {
			return 1
		}
		return n
	}
	switch it.Bits {
	case 8:
		if it.Signed {
			return int64(int8(n))
		}
		return int64(uint8(n))
	case 16:
		if it.Signed {
			return int64(int16(n))
		}
		return int64(uint16(n))
	case 32:
		if it.Signed {
			return int64(int32(n))
		}
		return int64(uint32(n))
	}
	return n
}

// typeOrExpr is the type named by te, or else the type of expression x
// (the operand of sizeof and offsetof).
func (c *checker) typeOrExpr(te *ast.TypeExpr, x ast.Expr) types.Type {
	if te != nil {
		if id := c.typeNameIsValue(te); id != nil {
			return c.expr(id)
		}
		return c.typeExpr(te)
	}
	return c.expr(x)
}

func (c *checker) sizeof(e *ast.Sizeof) types.Type {
	t := c.typeOrExpr(e.Type, e.X)
	if t == nil {
		return nil
	}
	if fe, ok := e.X.(*ast.FieldExpr); ok {
		if f, ok := c.tab.Fields[fe]; ok && f.Enum != nil {
			t = f.Type // an enum member is stored with its own width
		}
	}
	c.tab.Consts[e] = int64(t.Size())
	return types.Uint64
}
