package check

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// cIntTypes are the C integer type spellings script-defined structs use,
// after whitespace is normalized ("unsigned long long", "u32", "int8_t" …).
var cIntTypes = func() map[string]*types.Int {
	m := map[string]*types.Int{}
	add := func(bits int, signed bool, names ...string) {
		for _, n := range names {
			m[n] = &types.Int{Bits: bits, Signed: signed}
		}
	}
	add(8, true, "char", "signed char", "s8", "__s8", "int8_t", "int8")
	add(8, false, "unsigned char", "u8", "__u8", "uint8_t", "uint8", "bool", "_Bool")
	add(16, true, "short", "short int", "signed short", "s16", "__s16", "int16_t", "int16")
	add(16, false, "unsigned short", "unsigned short int", "u16", "__u16", "uint16_t", "uint16", "__be16", "__le16")
	add(32, true, "int", "signed", "signed int", "s32", "__s32", "int32_t", "int32", "pid_t")
	add(32, false, "unsigned", "unsigned int", "u32", "__u32", "uint32_t", "uint32", "__be32", "__le32")
	add(64, true, "long", "long int", "signed long", "long long", "long long int", "signed long long",
		"s64", "__s64", "int64_t", "int64", "ssize_t", "off_t")
	add(64, false, "unsigned long", "unsigned long int", "unsigned long long", "unsigned long long int",
		"u64", "__u64", "uint64_t", "uint64", "size_t", "__be64", "__le64", "uintptr_t")
	return m
}()

// maxCTypeSize is the largest script-defined struct, union or array, in
// bytes: every member offset then fits the signed 32-bit immediate of the
// BPF instructions that add it to an address.
const maxCTypeSize = math.MaxInt32

// cstruct lays out a script-defined struct or union (`struct X { int a;
// char b[6]; struct Y *p; };`) with the x86-64 C rules and records it
// under "struct X" / "union X", ahead of the kernel's types.
func (c *checker) cstruct(d *ast.CDef) {
	st := &types.Struct{Kind: d.Kind, Name: d.Name, Align_: 1}
	key := d.Kind + " " + d.Name
	// Recorded first, so members can point to the struct itself.
	c.cstructs[key] = st
	bitPos := 0 // next free bit, for bitfields
	fail := func(err error) {
		c.errorf(d, diag.CodeType, "%s: %v", key, err)
		delete(c.cstructs, key)
	}
	for _, decl := range strings.Split(d.Body, ";") {
		decl = strings.Join(strings.Fields(decl), " ")
		if decl == "" {
			continue
		}
		fields, err := c.cFields(decl)
		if err != nil {
			fail(err)
			return
		}
		for _, f := range fields {
			a := f.Type.Align()
			if a > st.Align_ {
				st.Align_ = a
			}
			if d.Kind == "union" {
				f.Offset = 0
				if n := f.Type.Size(); n > st.Bytes {
					st.Bytes = n
				}
				st.Fields = append(st.Fields, f)
				continue
			}
			if f.BitSize > 0 {
				unitBits := f.Type.Size() * 8
				start := bitPos / unitBits * unitBits
				if bitPos+f.BitSize > start+unitBits {
					start += unitBits
					bitPos = start
				}
				f.Offset = start / 8
				f.BitOffset = bitPos - start
				bitPos += f.BitSize
			} else {
				bytePos := (bitPos + 7) / 8
				bytePos = (bytePos + a - 1) / a * a
				f.Offset = bytePos
				bitPos = (bytePos + f.Type.Size()) * 8
			}
			// Every member is at most maxCTypeSize bytes, so checking
			// after each one keeps the arithmetic far from overflowing.
			if end := (bitPos + 7) / 8; end > maxCTypeSize {
				fail(fmt.Errorf("member %s ends at byte %d, past the %d-byte limit on a struct", f.Name, end, maxCTypeSize))
				return
			}
			st.Fields = append(st.Fields, f)
		}
	}
	if d.Kind != "union" {
		st.Bytes = (bitPos + 7) / 8
	}
	st.Bytes = (st.Bytes + st.Align_ - 1) / st.Align_ * st.Align_
	if st.Bytes > maxCTypeSize {
		fail(fmt.Errorf("size %d bytes is past the %d-byte limit on a %s", st.Bytes, maxCTypeSize, d.Kind))
	}
}

// cFields parses one member declaration: "TYPE NAME", with pointers,
// arrays, bitfields and several declarators ("int a, *b, c[4]").
func (c *checker) cFields(decl string) ([]types.Field, error) {
	// The base type is everything before the first declarator.
	decl = strings.ReplaceAll(decl, "*", " * ")
	words := strings.Fields(decl)
	for i, w := range words {
		if w == "const" || w == "volatile" {
			words[i] = ""
		}
	}
	decl = strings.Join(strings.Fields(strings.Join(words, " ")), " ")
	base, rest, err := c.cBaseType(decl)
	if err != nil {
		return nil, err
	}
	var out []types.Field
	for _, d := range strings.Split(rest, ",") {
		d = strings.TrimSpace(d)
		whole := d
		t := base
		for strings.HasPrefix(d, "*") {
			t = &types.Pointer{Elem: t, Space: types.Kernel}
			d = strings.TrimSpace(d[1:])
		}
		f := types.Field{}
		if name, bits, ok := strings.Cut(d, ":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(bits))
			it, isInt := t.(*types.Int)
			if err != nil || !isInt || n <= 0 || n > it.Bits {
				return nil, fmt.Errorf("invalid bitfield %q", d)
			}
			f.BitSize = n
			d = strings.TrimSpace(name)
		}
		for strings.HasSuffix(d, "]") {
			open := strings.LastIndex(d, "[")
			if open < 0 {
				return nil, fmt.Errorf("invalid declarator %q", d)
			}
			num := strings.TrimSpace(d[open+1 : len(d)-1])
			n, err := strconv.Atoi(num)
			tooLong := errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(num, "-")
			if tooLong || err == nil && n > 0 && t.Size() > maxCTypeSize/n {
				return nil, fmt.Errorf("array %q is larger than the %d-byte limit", whole, maxCTypeSize)
			}
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid array length in %q", d)
			}
			t = &types.Array{Elem: t, Len: n}
			d = strings.TrimSpace(d[:open])
		}
		if !isCIdent(d) {
			return nil, fmt.Errorf("cannot parse member %q", d)
		}
		if _, void := t.(*types.Void); void {
			return nil, fmt.Errorf("member %s has type void", d)
		}
		if s, ok := t.(*types.Struct); ok && s.Bytes == 0 && len(s.Fields) == 0 {
			return nil, fmt.Errorf("member %s has incomplete type %s", d, s)
		}
		f.Name, f.Type = d, t
		out = append(out, f)
	}
	return out, nil
}

// cBaseType splits a declaration into its base type and the declarators
// that follow: the longest known integer spelling, "void", or
// "struct/union/enum NAME" (script-defined first, then the kernel's).
func (c *checker) cBaseType(decl string) (types.Type, string, error) {
	words := strings.Fields(decl)
	if len(words) == 0 {
		return nil, "", fmt.Errorf("empty declaration")
	}
	switch words[0] {
	case "struct", "union", "enum":
		if len(words) < 3 {
			return nil, "", fmt.Errorf("cannot parse %q", decl)
		}
		name := words[0] + " " + words[1]
		rest := strings.Join(words[2:], " ")
		if t, ok := c.cstructs[name]; ok {
			return t, rest, nil
		}
		if words[0] == "enum" {
			return types.Int32, rest, nil
		}
		if c.cfg.Host != nil {
			if t, err := c.cfg.Host.KernelType(name); err == nil {
				return t, rest, nil
			}
		}
		if strings.HasPrefix(rest, "*") {
			// A pointer to an unknown struct is still a pointer.
			return &types.Struct{Kind: words[0], Name: words[1]}, rest, nil
		}
		return nil, "", fmt.Errorf("unknown type '%s'", name)
	case "void":
		return &types.Void{}, strings.Join(words[1:], " "), nil
	}
	for n := len(words) - 1; n >= 1; n-- {
		if t, ok := cIntTypes[strings.Join(words[:n], " ")]; ok {
			return t, strings.Join(words[n:], " "), nil
		}
	}
	if c.cfg.Host != nil {
		if t, err := c.cfg.Host.KernelType(words[0]); err == nil && len(words) > 1 {
			return t, strings.Join(words[1:], " "), nil
		}
	}
	return nil, "", fmt.Errorf("unknown type '%s'", words[0])
}

// isCIdent reports whether s is a C identifier.
func isCIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
