package output

import (
	"encoding/hex"
	"slices"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Folded stacks (stack mode folded) are Brendan Gregg's "folded" format,
// the input of flamegraph.pl and speedscope:
//
//	bash;_start;__libc_start_main;main;readline 12
//
// A folded stack prints as one line: its functions from the outermost to
// the innermost joined by ';', each the symbol without its "+offset"
// (0xADDR when there is none), the functions inlined at an address
// (show_debug_info) included, no source lines. The same line is the text
// of print(), printf("%s") and the JSON string of the stack.
//
// A map whose key holds a folded stack prints one line per entry: every
// key component in key order joined by ';' — strings as they are,
// integers in decimal, every stack of the key expanded to its frames
// outermost first — then, for count, sum, min, max and integer values, a
// space and the value. Other values keep their format, with the folded
// line as the key: "@m[bash;main;f]: { .count = 2, … }", a histogram
// under "@m[bash;main;f]:". JSON keeps its map objects, keyed by the
// folded line.
//
// So that a name cannot break the format, ';' inside a name (C++
// templates, Rust paths, a comm) becomes ':' and control characters
// become spaces; spaces are kept (flamegraph.pl splits the count off at
// the last one). Components that print nothing (a stack without frames,
// an empty string) are left out; a key with nothing at all prints as
// "[unknown]". Entries whose lines are equal — the same functions reached
// at other offsets, or in other processes — are merged into one line
// (counts, sums and histogram buckets added, the least min and greatest
// max kept, averages over all samples), which then sorts by its value
// like any map entry, ties in byte order of the line.

// foldedUnknown is the line of a key whose components all print nothing.
const foldedUnknown = "[unknown]"

// appendFoldedStack appends the one-line form of a stack: its frames
// outermost first, joined by ';'.
func appendFoldedStack(dst []byte, t *types.Stack, b []byte, r Resolver) []byte {
	if t.Mode == types.StackBuildID {
		return appendFoldedBuildIDStack(dst, t, b, r)
	}
	frames := stackFrames(t, b, r)
	for i := len(frames) - 1; i >= 0; i-- {
		f := &frames[i]
		if i < len(frames)-1 {
			dst = append(dst, ';')
		}
		if f.Sym == "" {
			dst = append(dst, '0', 'x')
			dst = appendHex(dst, f.Addr)
			continue
		}
		start := len(dst)
		dst = append(dst, trimOffset(f.Sym)...)
		foldName(dst[start:])
	}
	return dst
}

// appendFoldedBuildIDStack appends a build_id stack as a folded line:
// per frame, outermost first, the build id in hex, "+0x" and the file
// offset, or the address in hex alone.
func appendFoldedBuildIDStack(dst []byte, t *types.Stack, b []byte, r Resolver) []byte {
	frames := buildIDFrames(t, b, r)
	for i := len(frames) - 1; i >= 0; i-- {
		f := &frames[i]
		if i < len(frames)-1 {
			dst = append(dst, ';')
		}
		if f.Valid {
			dst = hex.AppendEncode(dst, f.BuildID[:])
			dst = append(dst, '+')
		}
		dst = append(dst, '0', 'x')
		dst = appendHex(dst, f.Offset)
	}
	return dst
}

// trimOffset removes the "+123" offset that ends a frame's symbol.
func trimOffset(sym string) string {
	i := len(sym)
	for i > 0 && sym[i-1] >= '0' && sym[i-1] <= '9' {
		i--
	}
	if i > 1 && i < len(sym) && sym[i-1] == '+' {
		return sym[:i-1]
	}
	return sym
}

// foldName rewrites, in place, what would break a folded line: ';'
// becomes ':', control characters become spaces.
func foldName(b []byte) {
	for i, c := range b {
		switch {
		case c == ';':
			b[i] = ':'
		case c < 0x20 || c == 0x7f:
			b[i] = ' '
		}
	}
}

// hasFoldedStack reports whether a map key of type t holds a folded
// stack, alone or as a tuple element.
func hasFoldedStack(t types.Type) bool {
	switch t := t.(type) {
	case *types.Stack:
		return t.Mode == types.StackFolded
	case *types.Tuple:
		return slices.ContainsFunc(t.Elems, hasFoldedStack)
	}
	return false
}

// appendFoldedKey appends the folded line of a map key: its components
// joined by ';' (see the top of this file).
func appendFoldedKey(dst []byte, t types.Type, key []byte, r Resolver) []byte {
	start := len(dst)
	dst = appendFoldedParts(dst, start, t, key, r)
	if len(dst) == start {
		dst = append(dst, foldedUnknown...)
	}
	return dst
}

// appendFoldedParts appends the components of a key value, each after a
// ';' when the line (which began at start) is not empty; a component
// that prints nothing is left out with its separator.
func appendFoldedParts(dst []byte, start int, t types.Type, b []byte, r Resolver) []byte {
	if tt, ok := t.(*types.Tuple); ok {
		for i, e := range tt.Elems {
			dst = appendFoldedParts(dst, start, e, sub(b, tt.Offsets[i], e.Size()), r)
		}
		return dst
	}
	mark := len(dst)
	if mark > start {
		dst = append(dst, ';')
	}
	part := len(dst)
	if st, ok := t.(*types.Stack); ok {
		dst = appendFoldedStack(dst, st, b, r)
	} else {
		dst = appendText(dst, t, b, r, stackIndent)
		foldName(dst[part:])
	}
	if len(dst) == part {
		return dst[:mark]
	}
	return dst
}

// foldedRow is a map entry of a map keyed by folded stacks: its folded
// line and its (merged) value.
type foldedRow struct {
	line string
	row  row
}

// foldRows combines the entries of a map keyed by folded stacks, merges
// those with the same line (mergeRow), and orders them as sortRows does,
// ties by line; top > 0 keeps the last top rows.
func foldRows(m *Map, top int, r Resolver) []foldedRow {
	rows := combine(m)
	index := make(map[string]int, len(rows))
	folded := make([]foldedRow, 0, len(rows))
	var buf []byte
	for i := range rows {
		buf = appendFoldedKey(buf[:0], m.Key, rows[i].key, r)
		if j, ok := index[string(buf)]; ok && mergeRow(&folded[j].row, &rows[i], m.Value) {
			continue
		}
		line := string(buf)
		if _, ok := index[line]; !ok {
			index[line] = len(folded)
		}
		folded = append(folded, foldedRow{line: line, row: rows[i]})
	}
	merged := make([]row, len(folded))
	for i := range folded {
		merged[i] = folded[i].row
	}
	byValue, signed := setOrder(m.Value, merged)
	for i := range folded {
		folded[i].row.ord = merged[i].ord
	}
	slices.SortStableFunc(folded, func(a, b foldedRow) int {
		if byValue {
			if c := compareNum(a.row.ord, b.row.ord, signed); c != 0 {
				return c
			}
		}
		return strings.Compare(a.line, b.line)
	})
	if top > 0 && len(folded) > top {
		folded = folded[len(folded)-top:]
	}
	return folded
}

// mergeRow adds the value of src to dst, two entries with the same folded
// line, and reports whether it could: integers, count, sum, avg, stats
// and histograms add up, min and max keep the extreme; other values
// (strings, stacks, tseries …) stay apart.
func mergeRow(dst, src *row, t types.Type) bool {
	agg, ok := t.(*types.Agg)
	if !ok {
		it, ok := t.(*types.Int)
		if !ok {
			return false
		}
		sum := readInt(it, dst.raw) + readInt(it, src.raw)
		dst.raw = putInt(sum, it.Size())
		return true
	}
	switch agg.Kind {
	case types.Count, types.Sum:
		dst.num += src.num
	case types.Min, types.Max:
		if better(src.num, dst.num, agg) {
			dst.num = src.num
		}
	case types.Avg, types.Stats:
		dst.total += src.total
		dst.count += src.count
		dst.num = average(dst.total, dst.count, agg.Signed)
	case types.Hist, types.LHist:
		if len(src.buckets) != len(dst.buckets) {
			return false
		}
		for i, n := range src.buckets {
			dst.buckets[i] += n
		}
		dst.sum += src.sum
	default:
		return false
	}
	return true
}

// putInt encodes the low size bytes of x, little-endian.
func putInt(x uint64, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(x >> (8 * i))
	}
	return b
}

// foldedValue reports whether a map value of type t prints after its
// folded line (count, sum, min, max, integers) rather than in the map's
// usual format.
func foldedValue(t types.Type) bool {
	switch t := t.(type) {
	case *types.Int:
		return true
	case *types.Agg:
		switch t.Kind {
		case types.Count, types.Sum, types.Min, types.Max:
			return true
		}
	}
	return false
}

// appendFoldedMap appends the text of a map keyed by folded stacks (see
// the top of this file), with print()'s top and div.
func appendFoldedMap(dst []byte, m *Map, top, div int, r Resolver) []byte {
	agg, _ := m.Value.(*types.Agg)
	plain := foldedValue(m.Value)
	for _, fr := range foldRows(m, top, r) {
		if plain {
			dst = append(dst, fr.line...)
			dst = append(dst, ' ')
			dst = appendRowValue(dst, m.Value, agg, &fr.row, div, r)
			dst = append(dst, '\n')
			continue
		}
		dst = append(dst, m.Name...)
		dst = append(dst, '[')
		dst = append(dst, fr.line...)
		dst = append(dst, ']')
		dst = appendEntry(dst, m, agg, &fr.row, div, r)
	}
	return dst
}

// appendJSONFoldedEntries appends the rows of a map keyed by folded
// stacks (foldRows) as JSON object members, keyed by their folded lines.
func appendJSONFoldedEntries(dst []byte, m *Map, agg *types.Agg, rows []foldedRow, div int, r Resolver) []byte {
	for i, fr := range rows {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendJSONString(dst, fr.line)
		dst = append(dst, ": "...)
		dst = appendJSONRowValue(dst, m.Value, agg, &fr.row, div, r)
	}
	return dst
}
