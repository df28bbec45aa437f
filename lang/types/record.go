package types

import "strings"

// Record is an immutable list of named values, `(a = 1, b = "x")`, laid
// out like a Tuple of its values in the order of Names. Two records are
// the same type when they have the same names (in any order) with
// identical value types: a variable or map keeps the order of its first
// record, and later records are stored by name.
type Record struct {
	Names []string
	Tuple *Tuple
}

var _ Type = (*Record)(nil)

// NewRecord lays out the values of a record with fields names of types
// elems.
func NewRecord(names []string, elems []Type) *Record {
	return &Record{Names: names, Tuple: NewTuple(elems)}
}

// Size implements Type.
func (t *Record) Size() int { return t.Tuple.Size() }

// Align implements Type.
func (t *Record) Align() int { return t.Tuple.Align() }

// String implements Type: record { .a = int64, .b = string[2] }, as
// bpftrace prints it in diagnostics.
func (t *Record) String() string {
	parts := make([]string, len(t.Names))
	for i, n := range t.Names {
		parts[i] = "." + n + " = " + t.Tuple.Elems[i].String()
	}
	return "record { " + strings.Join(parts, ", ") + " }"
}
func (*Record) isType() {}

// Index returns the position of the field called name, or -1.
func (t *Record) Index(name string) int {
	for i, n := range t.Names {
		if n == name {
			return i
		}
	}
	return -1
}

// Field returns the named field with its offset in the record.
func (t *Record) Field(name string) (Field, bool) {
	i := t.Index(name)
	if i < 0 {
		return Field{}, false
	}
	return Field{Name: name, Type: t.Tuple.Elems[i], Offset: t.Tuple.Offsets[i]}, true
}

// AsStruct is the record viewed as an anonymous struct, whose values are
// printed alike ({ .a = 1, .b = x }).
func (t *Record) AsStruct() *Struct {
	fields := make([]Field, len(t.Names))
	for i, n := range t.Names {
		fields[i] = Field{Name: n, Type: t.Tuple.Elems[i], Offset: t.Tuple.Offsets[i]}
	}
	return &Struct{Kind: "record", Fields: fields, Bytes: t.Size(), Align_: t.Align()}
}

// identicalRecords reports whether a and b have the same field names and
// identical types by name.
func identicalRecords(a, b *Record) bool {
	if len(a.Names) != len(b.Names) {
		return false
	}
	for i, n := range a.Names {
		j := b.Index(n)
		if j < 0 || !Identical(a.Tuple.Elems[i], b.Tuple.Elems[j]) {
			return false
		}
	}
	return true
}
