package output

import (
	"io"
	"sort"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// AppendMap appends the text of map m as print(@m, top, div) shows it
// (top <= 0: all entries; div <= 1: no division):
//
//	@name: value                 scalar map
//	@name[k1, k2]: value         one line per entry, tuple keys unparenthesised
//	@name[k]:                    hist/lhist: header line, the bars, a blank line
//	[lo, hi)   count |@@@@@   |
//
// A map without entries prints nothing. A map keyed by folded stacks
// prints folded lines instead (folded.go). Entries are ordered as described
// in sort.go; top keeps the last (largest) top entries; div divides
// integer, count/sum/min/max and avg values, the stats average and hist
// bucket counts.
func AppendMap(dst []byte, m *Map, top, div int, r Resolver) []byte {
	if hasFoldedStack(m.Key) {
		return appendFoldedMap(dst, m, top, div, r)
	}
	rows := sortRows(m, combine(m), top)
	agg, _ := m.Value.(*types.Agg)
	for _, rw := range rows {
		dst = append(dst, m.Name...)
		if m.Key != nil {
			dst = append(dst, '[')
			dst = appendKeyText(dst, m.Key, rw.key, r)
			dst = append(dst, ']')
		}
		dst = appendEntry(dst, m, agg, rw, div, r)
		if m.Key == nil {
			break // a scalar map has a single value
		}
	}
	return dst
}

// appendEntry appends what follows the "@name[key]" of a map entry: ":"
// and the histogram or time series lines then a blank line, or ": " and
// the value on the same line.
func appendEntry(dst []byte, m *Map, agg *types.Agg, rw *row, div int, r Resolver) []byte {
	if agg != nil && (agg.Kind == types.Hist || agg.Kind == types.LHist) {
		dst = append(dst, ":\n"...)
		dst = appendHistLines(dst, agg, rw.buckets, div)
		return append(dst, '\n')
	}
	if agg != nil && agg.Kind == types.Tseries {
		dst = append(dst, ":\n"...)
		dst = appendTseriesText(dst, agg, rw.series)
		return append(dst, '\n')
	}
	dst = append(dst, ": "...)
	dst = appendRowValue(dst, m.Value, agg, rw, div, r)
	if st, isStack := m.Value.(*types.Stack); !isStack || st.Mode == types.StackFolded {
		dst = append(dst, '\n') // other stacks end with a newline
	}
	return dst
}

// PrintMap writes the text of map m (see AppendMap) to w.
func PrintMap(w io.Writer, m *Map, top, div int, r Resolver) error {
	_, err := w.Write(AppendMap(nil, m, top, div, r))
	return err
}

// AppendExitPreamble appends what bpftrace writes in text mode when
// tracing ends, after the last event and before the map dump: "\n\n".
// Modern bpftrace writes it unconditionally (even when no map is printed)
// and nothing in JSON mode.
func AppendExitPreamble(dst []byte) []byte {
	return append(dst, '\n', '\n')
}

// AppendMapDump appends the end-of-run map dump: every map in byte order
// of its name ("@" < "@Mid" < "@_u" < "@alpha"), each printed by AppendMap
// without top/div. Maps without entries print nothing. The preamble
// (AppendExitPreamble) is not included.
func AppendMapDump(dst []byte, maps []*Map, r Resolver) []byte {
	for _, m := range sortedByName(maps) {
		dst = AppendMap(dst, m, 0, 0, r)
	}
	return dst
}

// sortedByName returns maps ordered by name (a new slice).
func sortedByName(maps []*Map) []*Map {
	sorted := append([]*Map(nil), maps...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	return sorted
}

// appendKeyText renders a map key: a tuple key prints its elements
// joined by ", " without the parentheses.
func appendKeyText(dst []byte, t types.Type, key []byte, r Resolver) []byte {
	if tt, ok := t.(*types.Tuple); ok {
		return appendTupleElems(dst, tt, key, r, stackIndent, ", ")
	}
	return appendText(dst, t, key, r, stackIndent)
}

// appendRowValue renders the (combined) value of a non-histogram row.
func appendRowValue(dst []byte, t types.Type, agg *types.Agg, rw *row, div int, r Resolver) []byte {
	if agg == nil {
		if it, ok := t.(*types.Int); ok {
			return appendNum(dst, divide(readInt(it, rw.raw), div, it.Signed), it.Signed)
		}
		return appendText(dst, t, rw.raw, r, stackIndent)
	}
	signed := agg.Signed && agg.Kind != types.Count
	if agg.Kind == types.Stats {
		return appendStats(dst, rw.count, divide(rw.num, div, signed), rw.total, signed)
	}
	return appendNum(dst, divide(rw.num, div, signed), signed)
}
