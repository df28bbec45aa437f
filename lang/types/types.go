// Package types is gobpftrace's type system.
//
// Type is a sealed interface with one concrete struct per kind (integers by
// width and sign, fixed-capacity strings, buffers, pointers, arrays, C
// structs, tuples, stacks, symbols, addresses, aggregations …). Every type
// knows its in-memory Size and Align: the same layout is used on the BPF
// stack, in map keys and values, and in ring-buffer event records, so
// runtime decoding needs nothing but the Type.
//
// Identity: two types are Identical when they have the same kind and the same
// parameters (String capacities are ignored, as bpftrace does for string
// comparison and assignment compatibility).
package types

import (
	"fmt"
	"strings"
)

// Type is implemented by every type in this package.
type Type interface {
	// Size is the number of bytes a value occupies in memory.
	Size() int
	// Align is the alignment of the value in records and keys.
	Align() int
	// String is the type as bpftrace prints it in diagnostics.
	String() string
	isType()
}

var (
	_ Type = (*Int)(nil)
	_ Type = (*Bool)(nil)
	_ Type = (*String)(nil)
	_ Type = (*Buffer)(nil)
	_ Type = (*Pointer)(nil)
	_ Type = (*Array)(nil)
	_ Type = (*Struct)(nil)
	_ Type = (*Tuple)(nil)
	_ Type = (*Stack)(nil)
	_ Type = (*Symbol)(nil)
	_ Type = (*Inet)(nil)
	_ Type = (*MacAddr)(nil)
	_ Type = (*CgroupPath)(nil)
	_ Type = (*ProbeName)(nil)
	_ Type = (*Timestamp)(nil)
	_ Type = (*Errno)(nil)
	_ Type = (*SyscallName)(nil)
	_ Type = (*Username)(nil)
	_ Type = (*Agg)(nil)
	_ Type = (*Void)(nil)
	_ Type = (*Ctx)(nil)
	_ Type = (*Enum)(nil)
)

// Int is an integer of 8, 16, 32 or 64 bits.
type Int struct {
	Bits   int
	Signed bool
	// Flex marks the type of a non-negative integer literal, as bpftrace
	// HEAD types them: the smallest signed type that holds the value,
	// whose sign adapts to the other side when types are promoted.
	Flex bool
}

// Commonly used integer types.
var (
	Int8   = &Int{Bits: 8, Signed: true}
	Int16  = &Int{Bits: 16, Signed: true}
	Int32  = &Int{Bits: 32, Signed: true}
	Int64  = &Int{Bits: 64, Signed: true}
	Uint8  = &Int{Bits: 8, Signed: false}
	Uint16 = &Int{Bits: 16, Signed: false}
	Uint32 = &Int{Bits: 32, Signed: false}
	Uint64 = &Int{Bits: 64, Signed: false}
)

// Size implements Type.
func (t *Int) Size() int { return t.Bits / 8 }

// Align implements Type.
func (t *Int) Align() int { return t.Bits / 8 }

// String implements Type.
func (t *Int) String() string {
	if t.Signed {
		return fmt.Sprintf("int%d", t.Bits)
	}
	return fmt.Sprintf("uint%d", t.Bits)
}
func (*Int) isType() {}

// Bool is a boolean (1 byte, printed true/false).
type Bool struct{}

// Size implements Type.
func (*Bool) Size() int { return 1 }

// Align implements Type.
func (*Bool) Align() int { return 1 }

// String implements Type.
func (*Bool) String() string { return "bool" }
func (*Bool) isType()        {}

// String is a NUL-terminated string stored in Cap bytes.
type String struct {
	Cap int
	// Array marks a char array of a struct read as a string: its text
	// may fill all Cap bytes without a NUL, which does not mean that it
	// was cut short (no str_trunc_trailer), as in bpftrace.
	Array bool
}

// Size implements Type.
func (t *String) Size() int { return t.Cap }

// Align implements Type.
func (*String) Align() int { return 1 }

// String implements Type.
func (t *String) String() string { return fmt.Sprintf("string[%d]", t.Cap) }
func (*String) isType()          {}

// Buffer is a length-prefixed byte buffer (buf()): a uint32 length followed
// by Cap bytes.
type Buffer struct {
	Cap int
}

// Size implements Type.
func (t *Buffer) Size() int { return 4 + t.Cap }

// Align implements Type.
func (*Buffer) Align() int { return 4 }

// String implements Type.
func (t *Buffer) String() string { return fmt.Sprintf("buffer[%d]", t.Cap) }
func (*Buffer) isType()          {}

// AddrSpace says which helper reads through a pointer.
type AddrSpace uint8

// Address spaces.
const (
	Kernel AddrSpace = iota
	User
)

// Pointer is a pointer to Elem (Void for untyped pointers).
type Pointer struct {
	Elem  Type
	Space AddrSpace
}

// Size implements Type.
func (*Pointer) Size() int { return 8 }

// Align implements Type.
func (*Pointer) Align() int { return 8 }

// String implements Type.
func (t *Pointer) String() string {
	return t.Elem.String() + " *"
}
func (*Pointer) isType() {}

// Void is the type of nothing (statements, `void *` pointees).
type Void struct{}

// Size implements Type.
func (*Void) Size() int { return 0 }

// Align implements Type.
func (*Void) Align() int { return 1 }

// String implements Type.
func (*Void) String() string { return "void" }
func (*Void) isType()        {}

// Array is a fixed-length C array.
type Array struct {
	Elem Type
	Len  int
}

// Size implements Type.
func (t *Array) Size() int { return t.Elem.Size() * t.Len }

// Align implements Type.
func (t *Array) Align() int { return t.Elem.Align() }

// String implements Type.
func (t *Array) String() string {
	// C order: the outermost dimension first (int32[2][3] is two arrays
	// of three).
	dims := fmt.Sprintf("[%d]", t.Len)
	elem := t.Elem
	for {
		a, ok := elem.(*Array)
		if !ok {
			break
		}
		dims += fmt.Sprintf("[%d]", a.Len)
		elem = a.Elem
	}
	return elem.String() + dims
}
func (*Array) isType() {}

// Field is a member of a Struct.
type Field struct {
	Name      string
	Type      Type
	Offset    int // bytes from the start of the struct
	BitOffset int // for bitfields: bit offset within the storage unit at Offset
	BitSize   int // 0 unless a bitfield
	// DataLoc marks a tracepoint __data_loc field: the 32-bit value holds
	// (length << 16 | offset) of the data relative to the record start.
	DataLoc bool
	// Enum, when set, is the C enum of an integer field (stored with the
	// width of Type): reading the field yields this enum, so its value
	// prints as the enumerator's name. A tracepoint field names its enum
	// only (Names nil) until the checker looks it up in the kernel's BTF.
	Enum *Enum
	// Opaque marks a member whose type is not modelled (floating point):
	// its bytes are kept and copied, and it prints as null, as bpftrace
	// prints values of its "none" type.
	Opaque bool
}

// Struct is a C struct or union (from BTF, a script definition or a
// tracepoint format).
type Struct struct {
	Kind   string // "struct" or "union"
	Name   string
	Fields []Field
	Bytes  int
	Align_ int
}

// Size implements Type.
func (t *Struct) Size() int { return t.Bytes }

// Align implements Type.
func (t *Struct) Align() int {
	if t.Align_ == 0 {
		return 8
	}
	return t.Align_
}

// String implements Type.
func (t *Struct) String() string { return t.Kind + " " + t.Name }
func (*Struct) isType()          {}

// Field returns the named field, looking through anonymous members.
func (t *Struct) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	for _, f := range t.Fields {
		if f.Name != "" {
			continue
		}
		if inner, ok := f.Type.(*Struct); ok {
			if g, ok := inner.Field(name); ok {
				g.Offset += f.Offset
				return g, true
			}
		}
	}
	return Field{}, false
}

// Tuple is an ordered list of values laid out like a C struct.
type Tuple struct {
	Elems   []Type
	Offsets []int
	size    int
	align   int
}

// KeyComponents is the number of components of a map key of type t, as
// print() separates them and metrics label them: the elements of a tuple,
// 1 for any other type, 0 for nil (a scalar map).
func KeyComponents(t Type) int {
	switch t := t.(type) {
	case nil:
		return 0
	case *Tuple:
		return len(t.Elems)
	}
	return 1
}

// NewTuple lays out elems with natural alignment.
func NewTuple(elems []Type) *Tuple {
	t := &Tuple{Elems: elems, Offsets: make([]int, len(elems)), align: 1}
	off := 0
	for i, e := range elems {
		a := e.Align()
		if a > t.align {
			t.align = a
		}
		off = AlignUp(off, a)
		t.Offsets[i] = off
		off += e.Size()
	}
	t.size = AlignUp(off, t.align)
	return t
}

// Size implements Type.
func (t *Tuple) Size() int { return t.size }

// Align implements Type.
func (t *Tuple) Align() int { return t.align }

// String implements Type.
func (t *Tuple) String() string {
	parts := make([]string, len(t.Elems))
	for i, e := range t.Elems {
		parts[i] = e.String()
	}
	return "(" + strings.Join(parts, ",") + ")"
}
func (*Tuple) isType() {}

// StackMode is the output style of a stack.
type StackMode uint8

// Stack modes.
const (
	StackBpftrace StackMode = iota
	StackPerf
	StackRaw
	// StackBuildID records user stacks as (build id, file offset) pairs
	// (BPF_F_STACK_BUILD_ID), to be symbolized elsewhere.
	StackBuildID
	// StackFolded prints a stack as one line, its functions from the
	// outermost to the innermost joined by ';' (Brendan Gregg's folded
	// format, read by flamegraph.pl and speedscope); maps keyed by such
	// stacks print one folded line per entry.
	StackFolded
)

// StackModeNames are the names of the stack modes, as kstack(mode),
// ustack(mode) and the stack_mode setting spell them.
var StackModeNames = [...]string{
	StackBpftrace: "bpftrace",
	StackPerf:     "perf",
	StackRaw:      "raw",
	StackBuildID:  "build_id",
	StackFolded:   "folded",
}

// String returns the mode's name.
func (m StackMode) String() string {
	if int(m) < len(StackModeNames) {
		return StackModeNames[m]
	}
	return fmt.Sprintf("StackMode(%d)", uint8(m))
}

// Stack is a kernel or user stack: stored as a uint64 stack id (and, for user
// stacks, the pid in the following 8 bytes).
type Stack struct {
	User  bool
	Mode  StackMode
	Limit int
}

// Size implements Type.
func (t *Stack) Size() int {
	if t.User {
		return 16
	}
	return 8
}

// Align implements Type.
func (*Stack) Align() int { return 8 }

// String implements Type.
// (build_id stacks live in a stack map of their own: their ids do not mix
// with the others', so their type differs.)
func (t *Stack) String() string {
	if t.User && t.Mode == StackBuildID {
		return "ustack(build_id)"
	}
	if t.User {
		return "ustack"
	}
	return "kstack"
}
func (*Stack) isType() {}

// Symbol is an address printed as a symbol name (ksym, usym, func). User
// symbols carry the pid in the following 8 bytes.
type Symbol struct {
	User bool
}

// Size implements Type.
func (t *Symbol) Size() int {
	if t.User {
		return 16
	}
	return 8
}

// Align implements Type.
func (*Symbol) Align() int { return 8 }

// String implements Type.
func (t *Symbol) String() string {
	if t.User {
		return "usym"
	}
	return "ksym"
}
func (*Symbol) isType() {}

// Inet is an address printed by ntop: uint64 family then 16 address bytes.
type Inet struct{}

// Size implements Type.
func (*Inet) Size() int { return 24 }

// Align implements Type.
func (*Inet) Align() int { return 8 }

// String implements Type.
func (*Inet) String() string { return "inet" }
func (*Inet) isType()        {}

// MacAddr is a macaddr() value: the 6 bytes of a hardware address, printed
// as AA:BB:CC:DD:EE:FF.
type MacAddr struct{}

// Size implements Type.
func (*MacAddr) Size() int { return 6 }

// Align implements Type.
func (*MacAddr) Align() int { return 1 }

// String implements Type.
func (*MacAddr) String() string { return "macaddr" }
func (*MacAddr) isType()        {}

// CgroupPath is a cgroup_path() value: the uint64 cgroup id, printed as
// the cgroup's path in every mounted hierarchy whose name matches Filter
// ("" for all).
type CgroupPath struct {
	Filter string
}

// Size implements Type.
func (*CgroupPath) Size() int { return 8 }

// Align implements Type.
func (*CgroupPath) Align() int { return 8 }

// String implements Type.
func (*CgroupPath) String() string { return "cgroup_path" }
func (*CgroupPath) isType()        {}

// ProbeName is the `probe` builtin: a uint64 index into the object's probe
// name table.
type ProbeName struct{}

// Size implements Type.
func (*ProbeName) Size() int { return 8 }

// Align implements Type.
func (*ProbeName) Align() int { return 8 }

// String implements Type.
func (*ProbeName) String() string { return "probe" }
func (*ProbeName) isType()        {}

// Timestamp is a strftime() result: a uint64 format id followed by uint64
// boot-clock nanoseconds.
type Timestamp struct{}

// Size implements Type.
func (*Timestamp) Size() int { return 16 }

// Align implements Type.
func (*Timestamp) Align() int { return 8 }

// String implements Type.
func (*Timestamp) String() string { return "timestamp" }
func (*Timestamp) isType()        {}

// Errno is a strerror() result: a uint64 error number printed as text.
type Errno struct{}

// Size implements Type.
func (*Errno) Size() int { return 8 }

// Align implements Type.
func (*Errno) Align() int { return 8 }

// String implements Type.
func (*Errno) String() string { return "strerror" }
func (*Errno) isType()        {}

// SyscallName is a syscall_name() result: a uint64 system call number
// printed as the call's name ("read"), as bpftrace's string[64] reads.
type SyscallName struct{}

// Size implements Type.
func (*SyscallName) Size() int { return 8 }

// Align implements Type.
func (*SyscallName) Align() int { return 8 }

// String implements Type.
func (*SyscallName) String() string { return "syscall_name" }
func (*SyscallName) isType()        {}

// Username is the `username` builtin: a uint64 user id printed as the
// name /etc/passwd gives it.
type Username struct{}

// Size implements Type.
func (*Username) Size() int { return 8 }

// Align implements Type.
func (*Username) Align() int { return 8 }

// String implements Type.
func (*Username) String() string { return "username" }
func (*Username) isType()        {}

// AggKind is the kind of an aggregation map value.
type AggKind uint8

// Aggregation kinds.
const (
	Count AggKind = iota + 1
	Sum
	Min
	Max
	Avg
	Stats
	Hist
	LHist
	Tseries
)

var aggNames = [...]string{Count: "count", Sum: "sum", Min: "min", Max: "max", Avg: "avg", Stats: "stats", Hist: "hist", LHist: "lhist", Tseries: "tseries"}

// String returns the aggregation function name.
func (k AggKind) String() string {
	if int(k) < len(aggNames) && aggNames[k] != "" {
		return aggNames[k]
	}
	return fmt.Sprintf("AggKind(%d)", uint8(k))
}

// Agg is the value type of an aggregation map. Per-CPU values are combined
// in user space. Layouts of one per-CPU slot:
//
//	count, sum:     int64 value
//	min, max:       int64 value, uint64 "set" flag
//	avg, stats:     int64 total, uint64 count
//	hist, lhist:    one uint64 counter per bucket, keyed by (key, bucket)
//	tseries:        int64 value, uint64 meta, uint64 epoch, keyed by
//	                (key, epoch % intervals); meta is the time of the
//	                value (no reduction), the count (avg) or the "set"
//	                flag (min, max)
type Agg struct {
	Kind   AggKind
	Signed bool // sum/min/max/avg of signed values
	// LHist bounds (only for LHist).
	Min, Max, Step int64
	// Bits is hist's k: 2^k buckets per power of two, 0..5.
	Bits int
	// Tseries parameters: the interval in ns, the number of intervals
	// kept and the reduction ("" for the last value, "avg", "sum", "min"
	// or "max").
	Interval, Intervals int64
	Reduce              string
}

// HistBuckets returns the number of hist buckets with 2^bits buckets per
// power of two: one for negative values, 2^bits for 0 .. 2^bits-1, then
// 2^bits for each power of two up to 2^64 (66 for bits 0).
func HistBuckets(bits int) int {
	return (65-bits)<<bits + 1
}

// Size implements Type: the size of one per-CPU slot.
func (t *Agg) Size() int {
	switch t.Kind {
	case Count, Sum, Hist, LHist:
		return 8
	case Tseries:
		return 24
	default:
		return 16
	}
}

// Align implements Type.
func (*Agg) Align() int { return 8 }

// String implements Type.
func (t *Agg) String() string {
	if t.Kind == LHist {
		return fmt.Sprintf("lhist(%d,%d,%d)", t.Min, t.Max, t.Step)
	}
	if t.Kind == Tseries {
		if t.Reduce != "" {
			return fmt.Sprintf("tseries(%d,%d,%s)", t.Interval, t.Intervals, t.Reduce)
		}
		return fmt.Sprintf("tseries(%d,%d)", t.Interval, t.Intervals)
	}
	if t.Kind == Hist && t.Bits != 0 {
		return fmt.Sprintf("hist(%d)", t.Bits)
	}
	return t.Kind.String()
}
func (*Agg) isType() {}

// Ctx is the probe context pointer (`args` of tracepoints points to Struct).
type Ctx struct {
	Struct *Struct
	// Regs marks the arguments of a function probed at its entry
	// (uprobes, typed from DWARF): field i, at offset 8*i, is held in
	// the i-th argument register of the probe's pt_regs.
	Regs bool
}

// Size implements Type.
func (*Ctx) Size() int { return 8 }

// Align implements Type.
func (*Ctx) Align() int { return 8 }

// String implements Type.
func (t *Ctx) String() string { return "(ctx) " + t.Struct.String() + " *" }
func (*Ctx) isType()          {}

// Enum is a 64-bit signed integer whose values print with %s, and in maps,
// as the names of the enumerators of a C enum. Arithmetic on it yields a
// plain integer.
type Enum struct {
	Name  string // "" for an anonymous enum
	Names map[int64]string
}

// Size implements Type.
func (*Enum) Size() int { return 8 }

// Align implements Type.
func (*Enum) Align() int { return 8 }

// String implements Type.
func (t *Enum) String() string {
	if t.Name == "" {
		return "enum"
	}
	return "enum " + t.Name
}
func (*Enum) isType() {}

// AlignUp rounds n up to a multiple of a.
func AlignUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}

// IsInt reports whether t is an integer (or bool) type.
func IsInt(t Type) bool {
	switch t.(type) {
	case *Int, *Bool, *Enum:
		return true
	}
	return false
}

// IsString reports whether t is a string.
func IsString(t Type) bool {
	_, ok := t.(*String)
	return ok
}

// Identical reports whether a and b are the same type (string capacities
// ignored).
func Identical(a, b Type) bool {
	switch x := a.(type) {
	case *String:
		_, ok := b.(*String)
		return ok
	case *Tuple:
		y, ok := b.(*Tuple)
		if !ok || len(x.Elems) != len(y.Elems) {
			return false
		}
		for i := range x.Elems {
			if !Identical(x.Elems[i], y.Elems[i]) {
				return false
			}
		}
		return true
	case *Pointer:
		y, ok := b.(*Pointer)
		return ok && Identical(x.Elem, y.Elem)
	case *Array:
		y, ok := b.(*Array)
		return ok && x.Len == y.Len && Identical(x.Elem, y.Elem)
	case *Struct:
		y, ok := b.(*Struct)
		return ok && x.Kind == y.Kind && x.Name == y.Name
	case *Record:
		y, ok := b.(*Record)
		return ok && identicalRecords(x, y)
	case *Agg:
		y, ok := b.(*Agg)
		return ok && x.Kind == y.Kind && (x.Kind != LHist || (x.Min == y.Min && x.Max == y.Max && x.Step == y.Step)) && x.Bits == y.Bits &&
			x.Interval == y.Interval && x.Intervals == y.Intervals && x.Reduce == y.Reduce
	}
	return a.String() == b.String()
}
