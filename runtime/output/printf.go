package output

import (
	"encoding/binary"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// Arg locates one printf argument inside an event record.
type Arg struct {
	// Type is the argument's type; its Size() bytes are read.
	Type types.Type
	// Offset is the byte offset of the value in the record.
	Offset int
}

// AppendPrintf appends the text of a printf-style event: literal pieces
// are copied and each verb formats the next argument, read from record at
// its Offset. It does not allocate (beyond growing dst), so it can run
// for every event.
//
// Integer, boolean and pointer arguments go through format.AppendInt,
// strings through format.AppendString, buffers through
// format.AppendBuffer; every other type is rendered as text (stacks with
// an 8-space frame indent) and justified like %s. Verbs without an
// argument, or whose argument lies outside record, print nothing.
func AppendPrintf(dst []byte, pieces []format.Piece, args []Arg, record []byte, r Resolver) []byte {
	next := 0
	for i := range pieces {
		p := &pieces[i]
		if p.Verb == nil {
			dst = append(dst, p.Lit...)
			continue
		}
		if next >= len(args) {
			continue
		}
		a := &args[next]
		next++
		if a.Type == nil {
			continue
		}
		size := a.Type.Size()
		if a.Offset < 0 || a.Offset+size > len(record) {
			continue
		}
		dst = AppendArg(dst, p.Verb, a.Type, record[a.Offset:a.Offset+size], r)
	}
	return dst
}

// AppendArg appends one value of type t (bytes b) formatted by verb v.
func AppendArg(dst []byte, v *format.Verb, t types.Type, b []byte, r Resolver) []byte {
	switch t := t.(type) {
	case *types.Int:
		if v.Conv != 's' {
			return format.AppendInt(dst, v, readInt(t, b), t.Signed)
		}
	case *types.Bool:
		if v.Conv != 's' {
			x := uint64(0)
			if len(b) > 0 && b[0] != 0 {
				x = 1
			}
			return format.AppendInt(dst, v, x, false)
		}
	case *types.Pointer:
		if v.Conv != 's' {
			return format.AppendInt(dst, v, u64(b, 0), false)
		}
	case *types.Enum:
		if v.Conv != 's' {
			return format.AppendInt(dst, v, u64(b, 0), true)
		}
	case *types.String:
		s := cstring(b, t.Cap)
		if !truncated(t, s) {
			return format.AppendString(dst, v, s)
		}
	case *types.Buffer:
		return format.AppendBuffer(dst, v, bufferBytes(t, b))
	}
	start := len(dst)
	dst = appendText(dst, t, b, r, printfStackIndent)
	return format.Justify(dst, start, v)
}

// PrintMapArgs reads the optional top and div arguments of a print(@m,
// top, div) record (uint64 each; 0 when absent).
func PrintMapArgs(args []Arg, record []byte) (top, div int) {
	vals := [2]int{}
	for i := 0; i < len(args) && i < 2; i++ {
		if off := args[i].Offset; off+8 <= len(record) {
			vals[i] = int(binary.LittleEndian.Uint64(record[off:]))
		}
	}
	return vals[0], vals[1]
}
