package output

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// AppendValue appends the text form of the value of type t stored in b,
// as print() and map keys/values show it:
//
//	integers         decimal, signed or unsigned per type
//	bool             true / false
//	string           bytes up to the NUL terminator; ".." appended when
//	                 the string filled its buffer without a NUL (truncated)
//	buffer           printable ASCII kept, other bytes \xNN
//	pointer          0x1234 (hex)
//	tuple            (1, a)  — nested: ((1, 2), (3, x))
//	array            [1,2,3]
//	struct, record   { .a = 1, .b = x }
//	inet             dotted quad / RFC 5952 IPv6
//	ksym/usym        symbol name, or 0xADDR when unresolved
//	kstack/ustack    newline, then one indented frame per line (folded
//	                 mode: one line, frames joined by ";", see folded.go)
//	probe            probe name
//	timestamp        strftime text
//	strerror         C strerror text ("No such file or directory")
//	aggregation      the combined value of one slot (see Map for maps)
//
// b shorter than t.Size() is treated as zero-padded.
//
// Stack frames are indented by 8 spaces, as bpftrace HEAD prints print()'s
// values (map keys and values keep 4).
func AppendValue(dst []byte, t types.Type, b []byte, r Resolver) []byte {
	return appendText(dst, t, b, r, printfStackIndent)
}

// appendText is AppendValue with an explicit stack indentation.
func appendText(dst []byte, t types.Type, b []byte, r Resolver, indent int) []byte {
	switch t := t.(type) {
	case *types.Int:
		if t.Signed {
			return strconv.AppendInt(dst, int64(readInt(t, b)), 10)
		}
		return strconv.AppendUint(dst, readInt(t, b), 10)
	case *types.Bool:
		return strconv.AppendBool(dst, len(b) > 0 && b[0] != 0)
	case *types.Enum:
		n := int64(u64(b, 0))
		if name, ok := t.Names[n]; ok {
			return append(dst, name...)
		}
		return strconv.AppendInt(dst, n, 10)
	case *types.String:
		s := cstring(b, t.Cap)
		dst = append(dst, s...)
		if truncated(t, s) {
			dst = append(dst, TruncTrailer...)
		}
		return dst
	case *types.Buffer:
		return format.AppendRaw(dst, 0, bufferBytes(t, b))
	case *types.Pointer, *types.Ctx:
		dst = append(dst, '0', 'x')
		return appendHex(dst, u64(b, 0))
	case *types.Tuple:
		dst = append(dst, '(')
		dst = appendTupleElems(dst, t, b, r, indent, ", ")
		return append(dst, ')')
	case *types.Array:
		dst = append(dst, '[')
		size := t.Elem.Size()
		for i := 0; i < t.Len; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendText(dst, t.Elem, sub(b, i*size, size), r, indent)
		}
		return append(dst, ']')
	case *types.Struct:
		return appendStruct(dst, t, b, r, indent)
	case *types.Record:
		return appendStruct(dst, t.AsStruct(), b, r, indent)
	case *types.Inet:
		return appendInet(dst, b)
	case *types.MacAddr:
		return appendMacAddr(dst, b)
	case *types.CgroupPath:
		if r == nil {
			return strconv.AppendUint(dst, u64(b, 0), 10)
		}
		return append(dst, r.CgroupPath(u64(b, 0), t.Filter)...)
	case *types.Symbol:
		return appendSymbol(dst, t, b, r)
	case *types.Stack:
		return appendStack(dst, t, b, r, indent)
	case *types.ProbeName:
		if r == nil {
			return strconv.AppendUint(dst, u64(b, 0), 10)
		}
		return append(dst, r.ProbeName(u64(b, 0))...)
	case *types.Timestamp:
		if r == nil {
			return strconv.AppendUint(dst, u64(b, 8), 10)
		}
		return r.AppendStrftime(dst, u64(b, 0), u64(b, 8))
	case *types.Errno:
		return AppendStrerror(dst, int64(u64(b, 0)))
	case *types.SyscallName:
		return append(dst, SyscallName(int64(u64(b, 0)))...)
	case *types.Username:
		return append(dst, UserName(u64(b, 0))...)
	case *types.Agg:
		return appendAggSlot(dst, t, b)
	}
	return dst
}

// appendTupleElems renders the elements of a tuple joined by sep.
func appendTupleElems(dst []byte, t *types.Tuple, b []byte, r Resolver, indent int, sep string) []byte {
	for i, e := range t.Elems {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = appendText(dst, e, sub(b, t.Offsets[i], e.Size()), r, indent)
	}
	return dst
}

// appendStruct renders a record the modern way: { .a = 1, .b = x }.
func appendStruct(dst []byte, t *types.Struct, b []byte, r Resolver, indent int) []byte {
	if len(t.Fields) == 0 {
		return append(dst, "{}"...)
	}
	dst = append(dst, "{ "...)
	for i, f := range t.Fields {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '.')
		dst = append(dst, f.Name...)
		dst = append(dst, " = "...)
		if f.Opaque {
			dst = append(dst, "null"...)
			continue
		}
		if it, ok := f.Type.(*types.Int); ok && f.BitSize > 0 {
			x := bitfield(it, sub(b, f.Offset, it.Size()), f.BitOffset, f.BitSize)
			if it.Signed {
				dst = strconv.AppendInt(dst, int64(x), 10)
			} else {
				dst = strconv.AppendUint(dst, x, 10)
			}
			continue
		}
		dst = appendText(dst, f.Type, sub(b, f.Offset, f.Type.Size()), r, indent)
	}
	return append(dst, " }"...)
}

// bitfield extracts size bits at bit offset off of the storage unit b,
// zero-extended as bpftrace reads bitfields (see codegen's extractBits).
func bitfield(t *types.Int, b []byte, off, size int) uint64 {
	x := u64n(b, t.Size()) >> uint(off)
	if size >= 64 {
		return x
	}
	return x & (1<<uint(size) - 1)
}

// appendInet renders an ntop() value: uint64 family then 16 address bytes.
func appendInet(dst []byte, b []byte) []byte {
	switch u64(b, 0) {
	case syscall.AF_INET:
		var a [4]byte
		copy(a[:], sub(b, 8, 4))
		return netip.AddrFrom4(a).AppendTo(dst)
	case syscall.AF_INET6:
		var a [16]byte
		copy(a[:], sub(b, 8, 16))
		return netip.AddrFrom16(a).AppendTo(dst)
	}
	return dst
}

// appendMacAddr renders a macaddr() value as AA:BB:CC:DD:EE:FF.
func appendMacAddr(dst []byte, b []byte) []byte {
	const hex = "0123456789ABCDEF"
	for i, c := range sub(b, 0, 6) {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hex[c>>4], hex[c&0xf])
	}
	return dst
}

// AppendStrerror appends the C strerror() text of errno n, e.g.
// "No such file or directory" for 2, "Success" for 0 and
// "Unknown error N" for numbers without a description.
func AppendStrerror(dst []byte, n int64) []byte {
	if n == 0 {
		return append(dst, "Success"...)
	}
	if n > 0 && n < 1<<12 {
		s := syscall.Errno(n).Error()
		if len(s) > 0 && !(len(s) > 6 && s[:6] == "errno ") {
			// Go lowercases the first letter of glibc's messages.
			c := s[0]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			return append(dst, s[1:]...)
		}
	}
	dst = append(dst, "Unknown error "...)
	return strconv.AppendInt(dst, n, 10)
}

// appendAggSlot renders one (already combined) aggregation slot.
func appendAggSlot(dst []byte, t *types.Agg, b []byte) []byte {
	switch t.Kind {
	case types.Count, types.Sum, types.Min, types.Max:
		return appendNum(dst, u64(b, 0), t.Signed && t.Kind != types.Count)
	case types.Avg:
		return appendNum(dst, average(u64(b, 0), u64(b, 8), t.Signed), t.Signed)
	case types.Stats:
		return appendStats(dst, u64(b, 8), average(u64(b, 0), u64(b, 8), t.Signed), u64(b, 0), t.Signed)
	}
	return dst
}

// appendStats renders the stats() text "{ .count = N, .average = A, .total = T }".
func appendStats(dst []byte, count, avg, total uint64, signed bool) []byte {
	dst = append(dst, "{ .count = "...)
	dst = strconv.AppendUint(dst, count, 10)
	dst = append(dst, ", .average = "...)
	dst = appendNum(dst, avg, signed)
	dst = append(dst, ", .total = "...)
	dst = appendNum(dst, total, signed)
	return append(dst, " }"...)
}

// average is total/count with truncating division (0 when count is 0).
func average(total, count uint64, signed bool) uint64 {
	if count == 0 {
		return 0
	}
	if signed {
		return uint64(int64(total) / int64(count))
	}
	return total / count
}

// appendNum appends x as a signed or unsigned decimal.
func appendNum(dst []byte, x uint64, signed bool) []byte {
	if signed {
		return strconv.AppendInt(dst, int64(x), 10)
	}
	return strconv.AppendUint(dst, x, 10)
}

// appendHex appends x in lowercase hex without prefix.
func appendHex(dst []byte, x uint64) []byte {
	return strconv.AppendUint(dst, x, 16)
}

// readInt reads an integer of type t from b, sign-extended to 64 bits when
// t is signed.
func readInt(t *types.Int, b []byte) uint64 {
	size := t.Size()
	x := u64n(b, size)
	if t.Signed && size < 8 {
		shift := uint(64 - 8*size)
		x = uint64(int64(x<<shift) >> shift)
	}
	return x
}

// u64n reads a little-endian unsigned integer of n (1, 2, 4 or 8) bytes.
func u64n(b []byte, n int) uint64 {
	if len(b) < n {
		var pad [8]byte
		copy(pad[:], b)
		b = pad[:]
	}
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

// u64 reads the little-endian uint64 at b[off:], zero if out of range.
func u64(b []byte, off int) uint64 {
	if off < 0 || off+8 > len(b) {
		if off < 0 || off >= len(b) {
			return 0
		}
		var pad [8]byte
		copy(pad[:], b[off:])
		return binary.LittleEndian.Uint64(pad[:])
	}
	return binary.LittleEndian.Uint64(b[off:])
}

// sub returns b[off:off+n], clipped to b.
func sub(b []byte, off, n int) []byte {
	if off < 0 || off >= len(b) {
		return nil
	}
	if off+n > len(b) {
		return b[off:]
	}
	return b[off : off+n]
}

// TruncTrailer is appended to strings that filled their whole buffer
// without a NUL terminator: the str_trunc_trailer setting (default
// ".."). The command sets it once, before any output.
var TruncTrailer = ".."

// truncated reports whether the string content s (from cstring) of type t
// filled all t.Cap bytes, i.e. had no room for its NUL terminator, which
// marks a string cut short when it was read.
func truncated(t *types.String, s []byte) bool {
	return t.Cap > 0 && len(s) == t.Cap && !t.Array
}

// cstring returns b up to its NUL terminator, at most capacity bytes.
func cstring(b []byte, capacity int) []byte {
	if capacity >= 0 && len(b) > capacity {
		b = b[:capacity]
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// bufferBytes returns the content of a buf() value: uint32 length, data.
func bufferBytes(t *types.Buffer, b []byte) []byte {
	n := int(u64n(b, 4))
	if n > t.Cap {
		n = t.Cap
	}
	data := sub(b, 4, n)
	return data
}
