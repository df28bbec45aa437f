// Package output turns raw value bytes plus their types into bpftrace's
// text and JSON output: single values (print), printf records, and whole
// maps (print(@m) and the end-of-run map dump), including aggregation
// combining, ordering, top/div and the hist/lhist ASCII art.
//
// Design:
//
//   - Everything is driven by lang/types: a value is a byte slice laid out
//     as its types.Type describes (little-endian, x86-64), so the same code
//     decodes ring-buffer records, map keys and map values.
//   - Functions are append-style (dst []byte in, extended slice out). The
//     printf path (AppendPrintf, AppendJSONPrintf) does not allocate, so it
//     can run for every event at millions of events per second.
//   - Facts that are not in the bytes — probe names, strftime formats,
//     symbol tables, stack maps — come from a Resolver. A nil Resolver is
//     allowed everywhere and yields raw numbers.
//   - Map printing first combines per-CPU slots and groups histogram
//     buckets (agg.go), then orders the entries (sort.go), then renders
//     them as text (maps.go, hist.go) or JSON (json.go).
//
// The text format is modern bpftrace's where it differs from 0.17: hist
// headers "@h:" without a trailing space, no blank line after avg/stats
// maps, nothing printed for maps without entries, hist labels up to the E
// suffix, 64-bit hist values, booleans as true/false, one map entry per
// line for every value type, ".." after strings that filled their buffer.
// Stats print as a record "{ .count = N, .average = A, .total = T }"
// (bpftrace HEAD), and lhist buckets are always ranges ("[3, 4)", as in
// 0.17).
package output

import (
	"encoding/hex"
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Frame is one resolved stack frame.
type Frame struct {
	// Addr is the instruction address.
	Addr uint64
	// Sym is the symbol with offset, e.g. "vfs_read+12"; empty when the
	// address could not be resolved (it is then printed in hex).
	Sym string
	// Module is the object file of a user frame; empty when unknown
	// (printed as "[unknown]" in perf mode).
	Module string
	// Line is the frame's source line ("file:line", show_debug_info),
	// printed after the symbol in bpftrace mode; Inlined marks a
	// function inlined at the address of the frame that follows.
	Line    string
	Inlined bool
}

// BuildIDFrame is one frame of a build_id stack: the build id of the file
// and the offset in it, or, when the build id could not be read (Valid
// false), the instruction address alone.
type BuildIDFrame struct {
	Valid   bool
	BuildID [20]byte
	// Offset is the file offset (Valid) or the address.
	Offset uint64
}

// BuildIDResolver is implemented by a Resolver that can read the frames
// of user stacks recorded in build_id mode.
type BuildIDResolver interface {
	BuildIDStack(stackID uint64) []BuildIDFrame
}

// Resolver supplies what the raw bytes of a value do not contain. All
// methods must be safe to call with any input; results that cannot be
// resolved are returned empty (zero Frame list, "" symbol).
type Resolver interface {
	// ProbeName returns the expanded probe name for a `probe` value.
	ProbeName(id uint64) string
	// AppendStrftime appends the strftime() value ns (boot-clock
	// nanoseconds) rendered with the format registered as fmtID.
	AppendStrftime(dst []byte, fmtID, ns uint64) []byte
	// KernelSymbol returns the kernel symbol containing addr, without
	// offset (ksym), or "".
	KernelSymbol(addr uint64) string
	// UserSymbol returns the symbol of addr in process pid (usym), or "".
	UserSymbol(pid, addr uint64) string
	// Stack returns the frames of a kernel (user == false) or user stack,
	// innermost first, given the stack id and, for user stacks, the pid.
	Stack(user bool, stackID, pid uint64) []Frame
	// CgroupPath returns the cgroup_path() text of cgroup id for the
	// hierarchies matching filter.
	CgroupPath(id uint64, filter string) string
}

// stackIndent is the frame indentation of stacks in map keys, map values
// and print(); printf("%s") uses printfStackIndent.
const (
	stackIndent       = 4
	printfStackIndent = 8
)

// appendStack renders a stack value: a newline, then one line per frame.
//
//	bpftrace mode: indent spaces, symbol (or 0xADDR)
//	perf mode:     TAB, hex address, space, symbol (or 0xADDR), and for
//	               user stacks " (module)" or " ([unknown])"
//	raw mode:      hex address
//
// A folded stack is one line without newlines instead (folded.go).
func appendStack(dst []byte, t *types.Stack, b []byte, r Resolver, indent int) []byte {
	switch t.Mode {
	case types.StackBuildID:
		return appendBuildIDStack(dst, t, b, r)
	case types.StackFolded:
		return appendFoldedStack(dst, t, b, r)
	}
	dst = append(dst, '\n')
	for _, f := range stackFrames(t, b, r) {
		if f.Inlined && t.Mode == types.StackRaw {
			continue // addresses only
		}
		switch t.Mode {
		case types.StackPerf:
			dst = append(dst, '\t')
			dst = appendHex(dst, f.Addr)
			dst = append(dst, ' ')
			dst = appendSymOrAddr(dst, f.Sym, f.Addr)
			if f.Inlined {
				dst = append(dst, " (inlined)"...)
			} else if t.User {
				dst = append(dst, " ("...)
				if f.Module == "" {
					dst = append(dst, "[unknown]"...)
				} else {
					dst = append(dst, f.Module...)
				}
				dst = append(dst, ')')
			}
		case types.StackRaw:
			dst = appendHex(dst, f.Addr)
		default:
			for i := 0; i < indent; i++ {
				dst = append(dst, ' ')
			}
			if f.Inlined {
				dst = append(dst, "[inlined] "...)
			}
			dst = appendSymOrAddr(dst, f.Sym, f.Addr)
			if f.Line != "" {
				dst = append(dst, '@')
				dst = append(dst, f.Line...)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// appendBuildIDStack renders a build_id stack as bpftrace does: a newline,
// then per frame the build id in hex, a space and the file offset
// (0x, at least two digits), or the address in hex alone when the build
// id could not be read.
func appendBuildIDStack(dst []byte, t *types.Stack, b []byte, r Resolver) []byte {
	dst = append(dst, '\n')
	for _, f := range buildIDFrames(t, b, r) {
		if f.Valid {
			dst = hex.AppendEncode(dst, f.BuildID[:])
			dst = append(dst, " 0x"...)
			if f.Offset < 0x10 {
				dst = append(dst, '0')
			}
		}
		dst = strconv.AppendUint(dst, f.Offset, 16)
		dst = append(dst, '\n')
	}
	return dst
}

// stackFrames returns the frames of stack t (bytes b), innermost first,
// at most its limit; none without a resolver.
func stackFrames(t *types.Stack, b []byte, r Resolver) []Frame {
	if r == nil {
		return nil
	}
	pid := uint64(0)
	if t.User {
		pid = u64(b, 8)
	}
	return limitFrames(r.Stack(t.User, u64(b, 0), pid), t.Limit)
}

// buildIDFrames returns the frames of build_id stack t (bytes b),
// innermost first, at most its limit; none when r cannot read them.
func buildIDFrames(t *types.Stack, b []byte, r Resolver) []BuildIDFrame {
	var frames []BuildIDFrame
	if br, ok := r.(BuildIDResolver); ok {
		frames = br.BuildIDStack(u64(b, 0))
	}
	if t.Limit > 0 && len(frames) > t.Limit {
		frames = frames[:t.Limit]
	}
	return frames
}

// limitFrames keeps the frames of the first limit addresses (0: all):
// the functions inlined at an address count with it.
func limitFrames(frames []Frame, limit int) []Frame {
	if limit <= 0 {
		return frames
	}
	n := 0
	for i, f := range frames {
		if f.Inlined {
			continue
		}
		if n++; n == limit {
			return frames[:i+1]
		}
	}
	return frames
}

// appendSymbol renders a ksym/usym value.
func appendSymbol(dst []byte, t *types.Symbol, b []byte, r Resolver) []byte {
	addr := u64(b, 0)
	sym := ""
	if r != nil {
		if t.User {
			sym = r.UserSymbol(u64(b, 8), addr)
		} else {
			sym = r.KernelSymbol(addr)
		}
	}
	return appendSymOrAddr(dst, sym, addr)
}

func appendSymOrAddr(dst []byte, sym string, addr uint64) []byte {
	if sym != "" {
		return append(dst, sym...)
	}
	dst = append(dst, '0', 'x')
	return appendHex(dst, addr)
}
