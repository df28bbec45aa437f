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

// sortRows orders rows for printing and keeps the last top entries when
// top > 0.
func sortRows(m *Map, rows []row, top int) []row {
	byValue, signed := valueOrder(m.Value)
	slices.SortFunc(rows, func(a, b row) int {
		if byValue != nil {
			if c := byValue(&a, &b, signed); c != 0 {
				return c
			}
		}
		return compareKey(m.Key, a.key, b.key)
	})
	if top > 0 && len(rows) > top {
		rows = rows[len(rows)-top:]
	}
	return rows
}

// valueOrder returns the value comparison for maps ordered by value, or
// nil for maps ordered by key.
func valueOrder(t types.Type) (func(a, b *row, signed bool) int, bool) {
	switch t := t.(type) {
	case *types.Int:
		return func(a, b *row, signed bool) int {
			return compareNum(readInt(t, a.raw), readInt(t, b.raw), signed)
		}, t.Signed
	case *types.Agg:
		switch t.Kind {
		case types.Count:
			return byNum, false
		case types.Hist, types.LHist:
			return func(a, b *row, _ bool) int { return compareNum(a.sum, b.sum, false) }, false
		}
		return byNum, t.Signed
	}
	return nil, false
}

func byNum(a, b *row, signed bool) int { return compareNum(a.num, b.num, signed) }

// compareKey compares two keys of type t.
func compareKey(t types.Type, a, b []byte) int {
	switch t := t.(type) {
	case nil:
		return 0
	case *types.Int:
		return compareNum(readInt(t, a), readInt(t, b), t.Signed)
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
	case *types.Array:
		size := t.Elem.Size()
		for i := 0; i < t.Len; i++ {
			if c := compareKey(t.Elem, sub(a, i*size, size), sub(b, i*size, size)); c != 0 {
				return c
			}
		}
		return 0
	case *types.ProbeName, *types.Errno, *types.Pointer, *types.Symbol, *types.Stack, *types.Timestamp:
		if c := compareNum(u64(a, 0), u64(b, 0), false); c != 0 {
			return c
		}
	}
	return bytes.Compare(a, b)
}
