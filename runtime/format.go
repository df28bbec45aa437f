package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// DefaultStrLen is the capacity given to __data_loc strings when no string
// length is configured (max_strlen's default).
const DefaultStrLen = stdlib.DefaultMaxStrlen

// formatField is one "field:" line of a tracepoint format file.
type formatField struct {
	// Decl is the C declaration as written, e.g. "const char * filename".
	Decl string
	// Type is the declaration without the name and array suffix, e.g.
	// "const char *" or "__data_loc char[]".
	Type string
	// Name is the field name.
	Name string
	// ArrayLen is -1 for non-arrays, the element count when the suffix is a
	// number, and 0 when it is not (e.g. [sizeof(struct in6_addr)]).
	ArrayLen int
	// Offset, Size and Signed are the format's offset:, size: and signed:.
	Offset int
	Size   int
	Signed bool
}

// parseFormat parses the contents of a tracefs events/CAT/EVENT/format file.
// Only the field lines are used; the print fmt is ignored.
func parseFormat(data []byte) ([]formatField, error) {
	var fields []formatField
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "field:") {
			continue
		}
		f, err := parseFieldLine(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		fields = append(fields, f)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("no fields")
	}
	return fields, nil
}

// parseFieldLine parses
//
//	field:TYPE NAME[N];	offset:O;	size:S;	signed:B;
func parseFieldLine(text string) (formatField, error) {
	f := formatField{ArrayLen: -1}
	var haveOffset, haveSize bool
	for _, part := range strings.Split(text, ";") {
		part = strings.TrimSpace(part)
		key, val, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		var err error
		switch key {
		case "field":
			f.Decl = val
			err = f.parseDecl(val)
		case "offset":
			f.Offset, err = strconv.Atoi(val)
			haveOffset = true
		case "size":
			f.Size, err = strconv.Atoi(val)
			haveSize = true
		case "signed":
			f.Signed = val == "1"
		}
		if err != nil {
			return f, fmt.Errorf("bad %s in %q: %w", key, text, err)
		}
	}
	if f.Name == "" || !haveOffset || !haveSize {
		return f, fmt.Errorf("malformed field line %q", text)
	}
	return f, nil
}

// parseDecl splits a C declaration into type, name and array suffix.
func (f *formatField) parseDecl(decl string) error {
	d := strings.TrimSpace(decl)
	if strings.HasSuffix(d, "]") {
		open := strings.LastIndexByte(d, '[')
		if open < 0 {
			return fmt.Errorf("unbalanced brackets")
		}
		n, err := strconv.Atoi(strings.TrimSpace(d[open+1 : len(d)-1]))
		if err != nil || n < 0 {
			n = 0
		}
		f.ArrayLen = n
		d = strings.TrimSpace(d[:open])
	}
	i := len(d)
	for i > 0 && isIdentByte(d[i-1]) {
		i--
	}
	if i == len(d) {
		return fmt.Errorf("no field name")
	}
	f.Name = d[i:]
	f.Type = strings.TrimSpace(d[:i])
	if f.Type == "" {
		return fmt.Errorf("no type for field %s", f.Name)
	}
	return nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tracepointStruct lays out the fields of a tracepoint record as the struct
// the checker sees as `args`.
func tracepointStruct(category, event string, fields []formatField, strlen int) *types.Struct {
	if strlen <= 0 {
		strlen = DefaultStrLen
	}
	space := types.Kernel
	if category == "syscalls" {
		space = types.User
	}
	s := &types.Struct{Kind: "struct", Name: "_tracepoint_" + category + "_" + event}
	for _, f := range fields {
		field := types.Field{Name: f.Name, Offset: f.Offset}
		field.Type, field.DataLoc = fieldType(f, space, strlen)
		if name, ok := enumName(f.Type); ok && types.IsInt(field.Type) {
			// Named only: the checker looks its enumerators up in BTF.
			field.Enum = &types.Enum{Name: name}
		}
		s.Fields = append(s.Fields, field)
		if end := f.Offset + f.Size; end > s.Bytes {
			s.Bytes = end
		}
	}
	return s
}

// fieldType maps one format field to our type system. Integers take their
// width from the size: the kernel declares every syscall argument with
// size 8 whatever its C type ("int dfd; size:8"), which bpftrace reads as a
// 64-bit value of the declared signedness.
func fieldType(f formatField, space types.AddrSpace, strlen int) (types.Type, bool) {
	typ := f.Type
	if rest, ok := strings.CutPrefix(typ, "__data_loc "); ok {
		base := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "[]"))
		if baseName(base) == "char" {
			return &types.String{Cap: strlen}, true
		}
		// Non-string dynamic arrays are exposed as the raw location word.
		return types.Uint32, false
	}
	if stars := strings.Count(typ, "*"); stars > 0 {
		base := baseName(typ[:strings.IndexByte(typ, '*')])
		var elem types.Type = &types.Void{}
		switch {
		case composite(typ) != "":
			// Named only: the checker completes it from BTF when a
			// member is reached through the pointer.
			elem = &types.Struct{Kind: composite(typ), Name: base}
		case base == "char":
			elem = types.Int8
		case base == "void":
		default:
			if signed, known := intSignedness(base); known {
				if size, ok := intSize(base); ok {
					elem = &types.Int{Bits: size * 8, Signed: signed}
				}
			}
		}
		t := types.Type(elem)
		for range stars {
			t = &types.Pointer{Elem: t, Space: space}
		}
		return t, false
	}
	base := baseName(typ)
	if f.ArrayLen >= 0 {
		if base == "char" {
			// char NAME[N]; a length written as an expression is taken from
			// the size.
			return &types.String{Cap: f.Size}, false
		}
		n := f.ArrayLen
		elemSize, ok := intSize(base)
		if n == 0 || !ok || elemSize*n != f.Size {
			// Unknown element type or length: expose the bytes.
			if ok && f.Size%elemSize == 0 {
				n = f.Size / elemSize
			} else {
				n, elemSize = f.Size, 1
			}
		}
		return &types.Array{Elem: scalarType(base, elemSize, f.Signed), Len: n}, false
	}
	return scalarType(base, f.Size, f.Signed), false
}

// scalarType is an integer of the given size; the signedness comes from the
// C type when it is a well-known one and from the format's signed flag
// otherwise (typedefs). Sizes that are not integer widths become byte
// arrays.
func scalarType(base string, size int, signedFlag bool) types.Type {
	switch size {
	case 1, 2, 4, 8:
	default:
		return &types.Array{Elem: types.Uint8, Len: size}
	}
	if base == "bool" || base == "_Bool" {
		return types.Uint8
	}
	signed, known := intSignedness(base)
	if !known {
		signed = signedFlag
	}
	return &types.Int{Bits: size * 8, Signed: signed}
}

// composite is "struct" or "union" when the C type (before any '*') is
// a named struct or union, else "".
func composite(t string) string {
	if i := strings.IndexByte(t, '*'); i >= 0 {
		t = t[:i]
	}
	for _, w := range strings.Fields(t) {
		if w == "struct" || w == "union" {
			return w
		}
	}
	return ""
}

// enumName returns NAME of a field declared "enum NAME" (not a pointer).
func enumName(t string) (string, bool) {
	if strings.Contains(t, "*") {
		return "", false
	}
	words := strings.Fields(t)
	for i, w := range words {
		if w == "enum" && i+1 < len(words) {
			return words[i+1], true
		}
	}
	return "", false
}

// baseName strips qualifiers and the struct/enum/union keyword from a C type
// and normalises spacing: "const unsigned  int" → "unsigned int".
func baseName(t string) string {
	words := strings.Fields(t)
	out := words[:0]
	for _, w := range words {
		switch w {
		case "const", "volatile", "struct", "enum", "union", "__user", "__rcu", "__percpu":
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// intSignedness reports the signedness of well-known C integer type names.
func intSignedness(base string) (signed, known bool) {
	switch base {
	case "int", "signed", "signed int", "long", "long int", "signed long", "long long",
		"long long int", "signed long long", "short", "short int", "signed short", "signed char",
		"s8", "s16", "s32", "s64", "__s8", "__s16", "__s32", "__s64",
		"int8_t", "int16_t", "int32_t", "int64_t", "ssize_t", "pid_t", "loff_t":
		return true, true
	case "unsigned", "unsigned int", "unsigned long", "unsigned long int", "unsigned long long",
		"unsigned long long int", "unsigned short", "unsigned short int", "unsigned char",
		"u8", "u16", "u32", "u64", "__u8", "__u16", "__u32", "__u64",
		"uint8_t", "uint16_t", "uint32_t", "uint64_t", "size_t", "uid_t", "gid_t",
		"bool", "_Bool":
		return false, true
	}
	return false, false
}

// intSize is the size of well-known C integer types on 64-bit Linux.
func intSize(base string) (int, bool) {
	switch base {
	case "char", "signed char", "unsigned char", "s8", "u8", "__s8", "__u8", "int8_t", "uint8_t", "bool", "_Bool":
		return 1, true
	case "short", "short int", "signed short", "unsigned short", "unsigned short int",
		"s16", "u16", "__s16", "__u16", "int16_t", "uint16_t":
		return 2, true
	case "int", "signed", "signed int", "unsigned", "unsigned int",
		"s32", "u32", "__s32", "__u32", "int32_t", "uint32_t", "pid_t", "uid_t", "gid_t":
		return 4, true
	case "long", "long int", "signed long", "unsigned long", "unsigned long int",
		"long long", "long long int", "signed long long", "unsigned long long", "unsigned long long int",
		"s64", "u64", "__s64", "__u64", "int64_t", "uint64_t", "size_t", "ssize_t", "loff_t":
		return 8, true
	}
	return 0, false
}
