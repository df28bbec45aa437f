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
// under "struct X" / "union X", ahead of the kernel's types. Comments,
// __attribute__((packed/aligned(N))) after the definition and on members,
// nested and anonymous struct/union members and floating-point members
// (opaque bytes) are understood.
func (c *checker) cstruct(d *ast.CDef) {
	key := d.Kind + " " + d.Name
	st := &types.Struct{Kind: d.Kind, Name: d.Name, Align_: 1}
	// Recorded first, so members can point to the struct itself.
	c.cstructs[key] = st
	if err := c.layout(st, stripCComments(d.Body), d.Attrs); err != nil {
		c.errorf(d, diag.CodeType, "%s: %v", key, err)
		delete(c.cstructs, key)
		c.badCDefs[key] = true
	}
}

// missingField reports that st has no member name, unless st is a type
// whose definition in the script failed (already reported).
func (c *checker) missingField(n ast.Node, st *types.Struct, name string) *diag.Diagnostic {
	if c.badCDefs[st.Kind+" "+st.Name] {
		return nil
	}
	return c.errorf(n, diag.CodeUnknown, "Struct/union of type '%s' does not contain a field named '%s'", st, name)
}

// cMember is a member declaration: the field and its alignment.
type cMember struct {
	types.Field
	align int
}

// layout fills st (Kind and Name set) from the member declarations of
// body, with the attributes of the definition.
func (c *checker) layout(st *types.Struct, body string, attrs []string) error {
	packed, aligned := cAttrs(attrs)
	bitPos := 0 // next free bit, for bitfields
	for _, decl := range splitCDecls(body) {
		members, err := c.cMembers(decl)
		if err != nil {
			return err
		}
		for _, m := range members {
			f, a := m.Field, m.align
			if packed {
				a = 1
			}
			if a > st.Align_ {
				st.Align_ = a
			}
			if st.Kind == "union" {
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
				return fmt.Errorf("member %s ends at byte %d, past the %d-byte limit on a struct", f.Name, end, maxCTypeSize)
			}
			st.Fields = append(st.Fields, f)
		}
	}
	if aligned > st.Align_ {
		st.Align_ = aligned
	}
	if st.Kind != "union" {
		st.Bytes = (bitPos + 7) / 8
	}
	st.Bytes = (st.Bytes + st.Align_ - 1) / st.Align_ * st.Align_
	if st.Bytes > maxCTypeSize {
		return fmt.Errorf("size %d bytes is past the %d-byte limit on a %s", st.Bytes, maxCTypeSize, st.Kind)
	}
	return nil
}

// cMembers parses one member declaration: "TYPE NAME", with pointers,
// arrays, bitfields and several declarators ("int a, *b, c[4]"); a nested
// "struct|union [TAG] { … } declarators", or an anonymous one without
// declarators whose members belong to the enclosing struct.
func (c *checker) cMembers(decl string) ([]cMember, error) {
	decl, packed, aligned := stripCAttributes(decl)
	var base types.Type
	var rest string
	align := 0
	if open := strings.IndexByte(decl, '{'); open >= 0 {
		close := strings.LastIndexByte(decl, '}')
		head := strings.Fields(decl[:open])
		if close < open || len(head) == 0 || len(head) > 2 || head[0] != "struct" && head[0] != "union" {
			return nil, fmt.Errorf("cannot parse member %q", decl)
		}
		inner := &types.Struct{Kind: head[0], Align_: 1}
		if len(head) == 2 {
			inner.Name = head[1]
			c.cstructs[head[0]+" "+head[1]] = inner
		}
		if err := c.layout(inner, decl[open+1:close], nil); err != nil {
			return nil, err
		}
		base, rest = inner, strings.TrimSpace(decl[close+1:])
		if rest == "" {
			// An anonymous member: its fields are looked up through it.
			return []cMember{{types.Field{Type: inner}, c.memberAlign(inner, 0, packed, aligned)}}, nil
		}
	} else {
		var err error
		decl = normalizeCDecl(decl)
		base, rest, align, err = c.cBaseType(decl)
		if err != nil {
			return nil, err
		}
	}
	fields, err := cDeclarators(base, rest)
	if err != nil {
		return nil, err
	}
	enum := c.memberEnum(decl)
	out := make([]cMember, len(fields))
	for i, f := range fields {
		a := align
		if _, ptr := f.Type.(*types.Pointer); ptr {
			a = 0
		}
		if at, ok := f.Type.(*types.Array); ok && a != 0 && at.Len == a && at.Elem == types.Uint8 {
			f.Opaque = true // a floating-point member: prints as null
		}
		if f.Type == base && enum != nil {
			f.Enum = enum // reads as the enum (printed as its names)
		}
		out[i] = cMember{f, c.memberAlign(f.Type, a, packed, aligned)}
	}
	return out, nil
}

// memberEnum is the enum of a member declared "enum NAME …": the
// script's, or one named only, which the checker completes from BTF
// when the member is read.
func (c *checker) memberEnum(decl string) *types.Enum {
	words := strings.Fields(decl)
	if len(words) < 2 || words[0] != "enum" {
		return nil
	}
	if e, ok := c.enumTypes["enum "+words[1]]; ok {
		return e
	}
	return &types.Enum{Name: words[1]}
}

// memberAlign is a member's alignment: its type's (or, for arrays, its
// element's), or base when not 0 (floating point, which is stored as
// bytes), then adjusted by its packed and aligned(N) attributes.
func (c *checker) memberAlign(t types.Type, base int, packed bool, aligned int) int {
	a := base
	if a == 0 {
		a = t.Align()
	}
	if packed {
		a = 1
	}
	return max(a, aligned)
}

// normalizeCDecl drops const/volatile and normalizes white space around
// '*' in a member declaration.
func normalizeCDecl(decl string) string {
	decl = strings.ReplaceAll(decl, "*", " * ")
	words := strings.Fields(decl)
	for i, w := range words {
		if w == "const" || w == "volatile" {
			words[i] = ""
		}
	}
	return strings.Join(strings.Fields(strings.Join(words, " ")), " ")
}

// cDeclarators parses the declarators that follow a member's base type.
func cDeclarators(base types.Type, rest string) ([]types.Field, error) {
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
		var dims []int
		for strings.HasSuffix(d, "]") {
			open := strings.LastIndex(d, "[")
			if open < 0 {
				return nil, fmt.Errorf("invalid declarator %q", d)
			}
			num := strings.TrimSpace(d[open+1 : len(d)-1])
			n, err := strconv.Atoi(num)
			tooLong := errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(num, "-")
			if tooLong {
				return nil, fmt.Errorf("array %q is larger than the %d-byte limit", whole, maxCTypeSize)
			}
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid array length in %q", d)
			}
			dims = append(dims, n)
			d = strings.TrimSpace(d[:open])
		}
		// int a[2][3] is two arrays of three: the last dimension is the
		// innermost.
		for _, n := range dims {
			if n > 0 && t.Size() > maxCTypeSize/n {
				return nil, fmt.Errorf("array %q is larger than the %d-byte limit", whole, maxCTypeSize)
			}
			t = &types.Array{Elem: t, Len: n}
		}
		if !isCIdent(d) {
			return nil, fmt.Errorf("cannot parse member %q", d)
		}
		if _, void := t.(*types.Void); void {
			return nil, fmt.Errorf("member %s has type void", d)
		}
		if s, ok := t.(*types.Struct); ok && s.Bytes == 0 && len(s.Fields) == 0 {
			return nil, fmt.Errorf("member %s has incomplete type '%s'", d, s)
		}
		f.Name, f.Type = d, t
		out = append(out, f)
	}
	return out, nil
}

// cFloats are the floating-point types: members of these types are
// opaque bytes of their size and alignment.
var cFloats = map[string]int{"float": 4, "double": 8, "long double": 16, "_Float16": 2}

// cBaseType splits a declaration into its base type and the declarators
// that follow: the longest known integer or floating-point spelling,
// "void", or "struct/union/enum NAME" (script-defined first, then the
// kernel's), or a kernel typedef. align is the base type's alignment when
// it differs from the type's (floating point), else 0.
func (c *checker) cBaseType(decl string) (t types.Type, rest string, align int, err error) {
	words := strings.Fields(decl)
	if len(words) == 0 {
		return nil, "", 0, fmt.Errorf("empty declaration")
	}
	switch words[0] {
	case "struct", "union", "enum":
		if len(words) < 3 {
			return nil, "", 0, fmt.Errorf("cannot parse %q", decl)
		}
		name := words[0] + " " + words[1]
		rest := strings.Join(words[2:], " ")
		if t, ok := c.cstructs[name]; ok {
			return t, rest, 0, nil
		}
		if words[0] == "enum" {
			return types.Int32, rest, 0, nil
		}
		if c.cfg.Host != nil {
			if t, err := c.cfg.Host.KernelType(name); err == nil {
				if r := c.redefinedKernelType(); r != "" && !strings.HasPrefix(rest, "*") {
					return nil, "", 0, fmt.Errorf("unknown type '%s': the script redefines the kernel's '%s', so it must define every type its definitions use", name, r)
				}
				return t, rest, 0, nil
			}
		}
		// An undefined struct: a pointer to it is still a pointer (and
		// is completed on use); anything else is an error later.
		return &types.Struct{Kind: words[0], Name: words[1]}, rest, 0, nil
	case "void":
		return &types.Void{}, strings.Join(words[1:], " "), 0, nil
	}
	for n := len(words) - 1; n >= 1; n-- {
		spelling := strings.Join(words[:n], " ")
		if t, ok := cIntTypes[spelling]; ok {
			return t, strings.Join(words[n:], " "), 0, nil
		}
		if size, ok := cFloats[spelling]; ok {
			return &types.Array{Elem: types.Uint8, Len: size}, strings.Join(words[n:], " "), size, nil
		}
	}
	if c.cfg.Host != nil {
		if t, err := c.cfg.Host.KernelType(words[0]); err == nil && len(words) > 1 {
			return t, strings.Join(words[1:], " "), 0, nil
		}
	}
	return nil, "", 0, fmt.Errorf("unknown type '%s'", words[0])
}

// redefinedKernelType returns the first struct or union the script
// defines that the kernel's BTF defines too ("" when none). As in
// bpftrace, a script that redefines a kernel type must then define the
// types its definitions embed itself: they are no longer taken from BTF.
// It is looked up once, and only when a definition needs a kernel type.
func (c *checker) redefinedKernelType() string {
	if c.redefined == nil {
		found := ""
		for _, d := range c.cdefs {
			key := d.Kind + " " + d.Name
			if d.Kind == "enum" || d.Name == "" {
				continue
			}
			if _, err := c.cfg.Host.KernelType(key); err == nil {
				found = key
				break
			}
		}
		c.redefined = &found
	}
	return *c.redefined
}

// stripCComments replaces the comments of C text with a space.
func stripCComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "//"):
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				nl = len(s) - i
			}
			b.WriteByte(' ')
			i += nl
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				end = len(s) - i - 4
			}
			b.WriteByte(' ')
			i += end + 4
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// splitCDecls splits a struct body at the ';' outside nested braces; the
// last declaration need not end in one.
func splitCDecls(body string) []string {
	var out []string
	depth, start := 0, 0
	add := func(d string) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ';':
			if depth == 0 {
				add(body[start:i])
				start = i + 1
			}
		}
	}
	add(body[start:])
	return out
}

// stripCAttributes removes the __attribute__((…)) lists of a member
// declaration outside nested braces and returns what they say about its
// layout: packed, and the alignment aligned(N) asks for (0: none).
func stripCAttributes(decl string) (string, bool, int) {
	var attrs []string
	for {
		i := strings.Index(decl, "__attribute__")
		if i < 0 || strings.Count(decl[:i], "{") != strings.Count(decl[:i], "}") {
			break
		}
		j := i + len("__attribute__")
		for j < len(decl) && (decl[j] == ' ' || decl[j] == '\t' || decl[j] == '\n') {
			j++
		}
		depth, k := 0, j
		for ; k < len(decl); k++ {
			if decl[k] == '(' {
				depth++
			} else if decl[k] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j == len(decl) || decl[j] != '(' || k == len(decl) {
			break
		}
		inner := strings.TrimSpace(decl[j+1 : k])
		inner = strings.TrimSuffix(strings.TrimPrefix(inner, "("), ")")
		attrs = append(attrs, strings.Split(inner, ",")...)
		decl = decl[:i] + " " + decl[k+1:]
	}
	packed, aligned := cAttrs(attrs)
	return strings.TrimSpace(decl), packed, aligned
}

// cAttrs reads the layout attributes among GCC attribute items: packed,
// and aligned(N) (aligned alone is the largest alignment, 16). Others
// are ignored, as they do not change the layout.
func cAttrs(attrs []string) (packed bool, aligned int) {
	for _, a := range attrs {
		a = strings.ReplaceAll(strings.Join(strings.Fields(a), ""), "__", "") // __packed__
		switch {
		case a == "packed":
			packed = true
		case a == "aligned":
			aligned = max(aligned, 16)
		case strings.HasPrefix(a, "aligned(") && strings.HasSuffix(a, ")"):
			arg := a[len("aligned(") : len(a)-1]
			if n, err := strconv.ParseInt(arg, 0, 32); err == nil && n > 0 && n&(n-1) == 0 && n <= 1<<12 {
				aligned = max(aligned, int(n))
			}
		}
	}
	return packed, aligned
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
