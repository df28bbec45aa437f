package output

import (
	"bytes"
	"slices"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Entry order inside a map (bpftrace OUT-04):
//
//   - integer values, count, sum, min, max: ascending by value;
//   - avg, stats: ascending by average;
//   - hist, lhist: ascending by total count;
//   - every other value type: ascending by key.
//
// Ties are broken by key so the output is deterministic. Keys compare
// numerically for integers (signed per type) and integer-like values
// (probe ids, addresses …), bytewise up to the NUL for strings, element by
// element for tuples and arrays, bytewise otherwise.

// sortItem is the compact record sorted in place of a row: it keeps the
// comparison data contiguous, which matters for maps with 100k+ entries.
type sortItem struct {
	ord uint64
	key []byte
	row *row
}

// sortRows orders rows for printing and keeps the last top entries when
// top > 0. The result points into rows.
func sortRows(m *Map, rows []row, top int) []*row {
	byValue, signed := setOrder(m.Value, rows)
	// String keys are compared often (ties, key-ordered maps): trim them
	// at the NUL once instead of in every comparison.
	st, strKey := m.Key.(*types.String)
	items := make([]sortItem, len(rows))
	for i := range rows {
		rw := &rows[i]
		if strKey {
			rw.key = cstring(rw.key, st.Cap)
		}
		items[i] = sortItem{ord: rw.ord, key: rw.key, row: rw}
	}
	slices.SortFunc(items, func(a, b sortItem) int {
		if byValue {
			if c := compareNum(a.ord, b.ord, signed); c != 0 {
				return c
			}
		}
		if strKey {
			return bytes.Compare(a.key, b.key)
		}
		return compareKey(m.Key, a.key, b.key)
	})
	if top > 0 && len(items) > top {
		items = items[len(items)-top:]
	}
	sorted := make([]*row, len(items))
	for i := range items {
		sorted[i] = items[i].row
	}
	return sorted
}

// setOrder fills the ord field of rows for maps ordered by value and
// reports whether the map is ordered by value and whether ord is signed.
func setOrder(t types.Type, rows []row) (byValue, signed bool) {
	switch t := t.(type) {
	case *types.Int:
		for i := range rows {
			rows[i].ord = readInt(t, rows[i].raw)
		}
		return true, t.Signed
	case *types.Enum:
		for i := range rows {
			rows[i].ord = u64(rows[i].raw, 0)
		}
		return true, true
	case *types.Agg:
		if t.Kind == types.Tseries {
			return false, false // ordered by key
		}
		hist := t.Kind == types.Hist || t.Kind == types.LHist
		for i := range rows {
			if hist {
				rows[i].ord = rows[i].sum
			} else {
				rows[i].ord = rows[i].num
			}
		}
		return true, t.Signed && t.Kind != types.Count && !hist
	}
	return false, false
}

// compareKey compares two keys of type t.
func compareKey(t types.Type, a, b []byte) int {
	switch t := t.(type) {
	case nil:
		return 0
	case *types.Int:
		return compareNum(readInt(t, a), readInt(t, b), t.Signed)
	case *types.Enum:
		return compareNum(u64(a, 0), u64(b, 0), true)
	case *types.String:
		return bytes.Compare(cstring(a, t.Cap), cstring(b, t.Cap))
	case *types.Tuple:
		for i, e := range t.Elems {
			size := e.Size()
			if c := compareKey(e, sub(a, t.Offsets[i], size), sub(b, t.Offsets[i], size)); c != 0 {
				return c
			}
		}
		return 0
	case *types.Record:
		return compareKey(t.Tuple, a, b)
	case *types.Array:
		size := t.Elem.Size()
		for i := 0; i < t.Len; i++ {
			if c := compareKey(t.Elem, sub(a, i*size, size), sub(b, i*size, size)); c != 0 {
				return c
			}
		}
		return 0
	case *types.ProbeName, *types.Errno, *types.SyscallName, *types.Username, *types.Pointer, *types.Symbol, *types.Stack, *types.Timestamp, *types.CgroupPath:
		if c := compareNum(u64(a, 0), u64(b, 0), false); c != 0 {
			return c
		}
	}
	return bytes.Compare(a, b)
}
