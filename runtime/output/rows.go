package output

import (
	"math"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Rows are a typed view of a map snapshot for consumers that are not
// text or JSON (the Prometheus exporter, runtime/metrics). They come from
// the same combining, grouping and ordering as print() (agg.go, sort.go)
// and the same text of keys and values: a row is what one line (or one
// histogram) of print(@m) shows, split into its parts.

// Row is one entry of a map after per-CPU combining and histogram
// grouping.
type Row struct {
	// Key holds the text of each key component as print() shows it: the
	// elements of a tuple key (a nested tuple in parentheses), or the
	// whole key; nil for a scalar map. Strings are as is (".." after a
	// truncated one), integers decimal, symbols, addresses, probes and
	// records as print() writes them, stacks with their newlines (a
	// newline, then one indented frame per line).
	Key []string
	// Value is the combined value.
	Value RowValue
}

// ValueKind says which fields of a RowValue hold the value.
type ValueKind uint8

// Value kinds.
const (
	// ValueInt is an integer: a plain integer value, count, sum, min,
	// max, or of a tseries the value of the newest interval that has
	// one. Num holds it.
	ValueInt ValueKind = iota + 1
	// ValueAvg is avg(): Num is the average (integer division, as
	// print() shows it), Count the number of samples and Total their sum.
	ValueAvg
	// ValueStats is stats(): the same fields as ValueAvg.
	ValueStats
	// ValueHist is hist() or lhist(): Buckets are the counters.
	ValueHist
	// ValueText is any other value (strings, stacks, symbols, tuples,
	// records, booleans, enums …): Text is print()'s text of it.
	ValueText
)

// RowValue is the combined value of a row.
type RowValue struct {
	Kind ValueKind
	// Signed tells whether Num and Total are signed (int64 bits).
	Signed bool
	// Num is the integer, or the average of avg and stats.
	Num uint64
	// Count and Total are the samples of avg and stats.
	Count, Total uint64
	// Buckets are the hist/lhist counters, indexed as the buckets of
	// HistBounds(agg): every bucket, also the empty ones.
	Buckets []uint64
	// Text is the value of ValueText.
	Text string
}

// Float returns Num as a float64, signed or unsigned.
func (v *RowValue) Float() float64 { return toFloat(v.Num, v.Signed) }

// TotalFloat returns Total as a float64, signed or unsigned.
func (v *RowValue) TotalFloat() float64 { return toFloat(v.Total, v.Signed) }

func toFloat(x uint64, signed bool) float64 {
	if signed {
		return float64(int64(x))
	}
	return float64(x)
}

// Rows returns the entries of m in print()'s order, keeping the last top
// entries when top > 0 (as print(@m, top) does), and the number of
// entries before top was applied. A hist/lhist map has one row per key.
func Rows(m *Map, top int, r Resolver) (rows []Row, total int) {
	all := combine(m)
	sorted := sortRows(m, all, top)
	agg, _ := m.Value.(*types.Agg)
	rows = make([]Row, len(sorted))
	var buf []byte
	n := types.KeyComponents(m.Key)
	keys := make([]string, n*len(sorted)) // one allocation for all Key slices
	for i, rw := range sorted {
		if m.Key != nil {
			rows[i].Key = keys[i*n : (i+1)*n : (i+1)*n]
			buf = keyParts(rows[i].Key, buf, m.Key, rw.key, r)
		}
		rows[i].Value, buf = rowValue(buf, m.Value, agg, rw, r)
		if m.Key == nil {
			rows = rows[:1] // a scalar map has a single value
			break
		}
	}
	return rows, len(all)
}

// keyParts renders the components of a key into parts, using buf as
// scratch space.
func keyParts(parts []string, buf []byte, t types.Type, key []byte, r Resolver) []byte {
	tt, ok := t.(*types.Tuple)
	if !ok {
		buf = appendText(buf[:0], t, key, r, stackIndent)
		parts[0] = string(buf)
		return buf
	}
	for i, e := range tt.Elems {
		buf = appendText(buf[:0], e, sub(key, tt.Offsets[i], e.Size()), r, stackIndent)
		parts[i] = string(buf)
	}
	return buf
}

// rowValue builds the value of a combined row.
func rowValue(buf []byte, t types.Type, agg *types.Agg, rw *row, r Resolver) (RowValue, []byte) {
	if agg == nil {
		if it, ok := t.(*types.Int); ok {
			return RowValue{Kind: ValueInt, Num: readInt(it, rw.raw), Signed: it.Signed}, buf
		}
		buf = appendText(buf[:0], t, rw.raw, r, stackIndent)
		return RowValue{Kind: ValueText, Text: string(buf)}, buf
	}
	v := RowValue{Signed: agg.Signed && agg.Kind != types.Count, Num: rw.num, Count: rw.count, Total: rw.total}
	switch agg.Kind {
	case types.Avg:
		v.Kind = ValueAvg
	case types.Stats:
		v.Kind = ValueStats
	case types.Hist, types.LHist:
		v = RowValue{Kind: ValueHist, Buckets: rw.buckets}
	case types.Tseries:
		v = RowValue{Kind: ValueInt, Signed: agg.Signed}
		for i := len(rw.series) - 1; i >= 0; i-- {
			if rw.series[i].ok {
				v.Num = rw.series[i].val
				break
			}
		}
	default:
		v.Kind = ValueInt
	}
	return v, buf
}

// Bounds are the values one hist/lhist bucket holds: Lo <= v <= Hi, with
// Lo = -Inf for the bucket of values below the first bound and Hi = +Inf
// for lhist's bucket of values from its max on. Values are integers, so
// Hi is the largest one in the bucket: hist's [4, 8) has Hi 7.
type Bounds struct {
	Lo, Hi float64
}

// HistBounds returns the bounds of every bucket of a hist or lhist
// aggregation, in bucket order (RowValue.Buckets), as print() labels
// them; nil for other aggregations. hist's last bucket holds values up
// to 2^64-1, which it reports as Hi (no +Inf).
func HistBounds(agg *types.Agg) []Bounds {
	switch agg.Kind {
	case types.Hist:
		nb := types.HistBuckets(agg.Bits)
		b := make([]Bounds, nb)
		b[0] = Bounds{Lo: math.Inf(-1), Hi: -1}
		for i := 1; i < nb; i++ {
			lo, _, _ := histBound(i-1, agg.Bits)
			hi, _, _ := histBound(i, agg.Bits)
			b[i] = Bounds{Lo: float64(lo), Hi: float64(hi - 1)} // hi wraps to 0 at 2^64
		}
		return b
	case types.LHist:
		nb := LHistBuckets(agg.Min, agg.Max, agg.Step)
		b := make([]Bounds, nb)
		b[0] = Bounds{Lo: math.Inf(-1), Hi: float64(agg.Min - 1)}
		for i := 1; i < nb-1; i++ {
			lo := agg.Min + int64(i-1)*agg.Step
			b[i] = Bounds{Lo: float64(lo), Hi: float64(lo + agg.Step - 1)}
		}
		b[nb-1] = Bounds{Lo: float64(agg.Min + int64(nb-2)*agg.Step), Hi: math.Inf(1)}
		return b
	}
	return nil
}
