package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Types the script names none for.
//
// A tracepoint format names the pointee of a pointer field
// ("struct __kernel_timespec * rqtp") and the enum of an enum field
// ("enum skb_drop_reason reason") without defining them; so does a
// script-defined struct with a pointer to a struct it does not define.
// Such types reach the checker named only: an incomplete struct (no
// fields, no size) or an enum without enumerators. They are completed
// here on use, from the script's definitions first and then from the
// kernel's BTF through the host, so a script that never reaches through
// such a pointer never pays for a BTF lookup. In probes on user code the
// probed program's DWARF comes before the kernel's BTF.

// incomplete reports whether s is a struct or union known by name only.
func incomplete(s *types.Struct) bool {
	return s.Name != "" && s.Bytes == 0 && len(s.Fields) == 0
}

// completeStruct returns the definition of a struct or union known by
// name only, or s itself when it is complete or nothing defines it.
func (c *checker) completeStruct(s *types.Struct) *types.Struct {
	if !incomplete(s) {
		return s
	}
	key := s.Kind + " " + s.Name
	if t, ok := c.cstructs[key]; ok {
		return t
	}
	// In a probe on user code, the program's definition: a compilation
	// unit may only declare a struct another one defines.
	if st, ok := c.userType(key).(*types.Struct); ok && st.Kind == s.Kind && !incomplete(st) {
		return st
	}
	if c.cfg.Host == nil {
		return s
	}
	if t, err := c.cfg.Host.KernelType(key); err == nil {
		if st, ok := t.(*types.Struct); ok && st.Kind == s.Kind {
			return st
		}
	}
	return s
}

// completePointer returns p with its pointee completed (completeStruct).
func (c *checker) completePointer(p *types.Pointer) *types.Pointer {
	s, ok := p.Elem.(*types.Struct)
	if !ok || !incomplete(s) {
		return p
	}
	if full := c.completeStruct(s); full != s {
		return &types.Pointer{Elem: full, Space: p.Space}
	}
	return p
}

// fieldEnum is the type a read of integer field f yields: its enum, with
// the enumerators looked up when the field names the enum only, or the
// field's integer type when it has no enum or the enum is not found.
func (c *checker) fieldEnum(f types.Field) types.Type {
	e := f.Enum
	if e == nil || !types.IsInt(f.Type) {
		return f.Type
	}
	if e.Names != nil {
		return e
	}
	if t, ok := c.enumTypes["enum "+e.Name]; ok {
		return t
	}
	if c.cfg.Host != nil {
		if t, err := c.cfg.Host.KernelType("enum " + e.Name); err == nil {
			if et, ok := t.(*types.Enum); ok {
				return et
			}
		}
	}
	return f.Type
}

// typeNameIsValue returns te as an identifier expression when it is a bare
// name that is no type but a constant (sizeof(BTF_VAR_STATIC) is the size
// of an enumerator): the parser cannot tell the two apart.
func (c *checker) typeNameIsValue(te *ast.TypeExpr) *ast.Ident {
	if te.Ptr != 0 || te.Array != 0 || !isCIdent(te.Name) || intTypes[te.Name] != nil ||
		te.Name == "bool" || te.Name == "void" || te.Name == "string" {
		return nil
	}
	if _, ok := c.defines[te.Name]; !ok {
		if _, ok := c.enums[te.Name]; !ok {
			if c.cfg.Host == nil || !isUpperIdent(te.Name) {
				return nil
			}
			if _, err := c.cfg.Host.KernelType(te.Name); err == nil {
				return nil
			}
			if _, _, ok := c.cfg.Host.KernelEnumValue(te.Name); !ok {
				return nil
			}
		}
	}
	return &ast.Ident{Pos: te.Pos, Name: te.Name}
}

// typeofType is the type `typeof(T)` or `typeof(expr)` names where a type
// is written (a let declaration, a cast): T itself, or the type of the
// expression, which is checked but never evaluated.
func (c *checker) typeofType(of *ast.TypeofExpr) types.Type {
	if of.Keyword != "typeof" {
		c.errorf(of, diag.CodeType, "%s() is not a type; use typeof()", of.Keyword)
		return nil
	}
	return c.typeOrExpr(of.Type, of.X)
}
