package metrics

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// A scrape builds one family per metric name and writes it (expo.go). A
// family's series are samples that point into the map's rows and share
// the family's label names and bucket bounds, so that exposing a map of
// 10,000 keys allocates little besides the rows themselves and the bytes
// of the exposition.

// family is one metric family of a scrape: its name, HELP text, type,
// label names and series.
type family struct {
	// name is the family name of the text format (a counter's ends with
	// _total, which OpenMetrics leaves out of its HELP and TYPE lines).
	name, help string
	kind       kind
	// names are the label names in sorted order (the order of an
	// exposition); order[i] is the index of names[i] among a row's label
	// values, len(Key) standing for the value of an info metric.
	names []string
	order []int
	// samples are the series, in the order of their label values once
	// sorted.
	samples []sample
	// bounds are a histogram's buckets; les are the upper bounds of the
	// buckets exposed, from bucket first on (not lhist's last, which is
	// +Inf).
	bounds []output.Bounds
	first  int
	les    []float64
}

// sample is one series.
type sample struct {
	row   *output.Row
	value float64 // the counter or gauge value; the sum of a summary or histogram
	count uint64  // the count of a summary or histogram
}

// label returns the value of the label with index j in the family's
// label list (see family.order).
func (s *sample) label(j int) string {
	if j < len(s.row.Key) {
		return s.row.Key[j]
	}
	return s.row.Value.Text
}

// newFamily returns an empty family named name of kind k with the given
// label names (an info metric's value label is added).
func newFamily(name, help string, labels []string, k kind) *family {
	all := labels
	if k == kindInfo {
		all = append(labels[:len(labels):len(labels)], reservedLabel[kindInfo])
	}
	f := &family{name: name, help: help, kind: k}
	f.order = make([]int, len(all))
	for i := range f.order {
		f.order[i] = i
	}
	sort.Slice(f.order, func(i, j int) bool { return all[f.order[i]] < all[f.order[j]] })
	f.names = make([]string, len(all))
	for i, j := range f.order {
		f.names[i] = all[j]
	}
	return f
}

// add appends a series with the given label values (in the order of the
// label names given to newFamily) and value.
func (f *family) add(value float64, labels ...string) {
	f.samples = append(f.samples, sample{row: &output.Row{Key: labels}, value: value})
}

// setRows makes the series of a map's rows, whose values have type t.
func (f *family) setRows(rows []output.Row, t types.Type) {
	if f.kind == kindHistogram {
		agg, _ := t.(*types.Agg)
		f.bounds = output.HistBounds(agg)
		f.setBuckets(rows)
	}
	f.samples = make([]sample, len(rows))
	for i := range rows {
		s := &f.samples[i]
		s.row = &rows[i]
		v := &rows[i].Value
		switch f.kind {
		case kindInfo:
			s.value = 1
		case kindSummary:
			s.count, s.value = v.Count, v.TotalFloat()
		case kindHistogram:
			s.count, s.value = histSum(f.bounds, v.Buckets)
		default:
			s.value = number(v)
		}
	}
}

// sort puts the series in the order of their label values, compared
// label by label in the order of the label names (as client_golang's
// registry does).
func (f *family) sort() {
	if len(f.order) == 0 {
		return
	}
	slices.SortFunc(f.samples, func(a, b sample) int {
		for _, j := range f.order {
			if c := strings.Compare(a.label(j), b.label(j)); c != 0 {
				return c
			}
		}
		return 0
	})
}

// setBuckets chooses the buckets exposed: from the one below the lowest
// that any row has a count in (its cumulative count is 0, an anchor for
// histogram_quantile) to the highest that any row has a count in.
func (f *family) setBuckets(rows []output.Row) {
	first, last := len(f.bounds), -1
	for i := range rows {
		b := rows[i].Value.Buckets
		for j := 0; j < min(len(b), len(f.bounds), first); j++ {
			if b[j] != 0 {
				first = j
				break
			}
		}
		for j := min(len(b), len(f.bounds)) - 1; j > last; j-- {
			if b[j] != 0 {
				last = j
				break
			}
		}
	}
	f.first = max(first-1, 0)
	f.les = f.les[:0]
	for i := f.first; i <= last; i++ {
		if !math.IsInf(f.bounds[i].Hi, 1) {
			f.les = append(f.les, f.bounds[i].Hi)
		}
	}
}

// histSum returns the number of values in a histogram and the estimate of
// their sum: each bucket's count times its lower bound (its upper bound
// for the bucket of values below the first bound).
func histSum(bounds []output.Bounds, buckets []uint64) (count uint64, sum float64) {
	for i, n := range buckets {
		count += n
		if n == 0 || i >= len(bounds) {
			continue
		}
		lo := bounds[i].Lo
		if math.IsInf(lo, -1) {
			lo = bounds[i].Hi
		}
		sum += float64(n) * lo
	}
	return count, sum
}

// mergeSeries turns rows (in print order) into series, one per distinct
// set of label values, in place: rows whose key texts are equal are merged
// into the first (see the package doc). Label values and text values are
// made valid UTF-8.
func mergeSeries(rows []output.Row, t types.Type) []output.Row {
	agg, _ := t.(*types.Agg)
	index := make(map[string]int, len(rows))
	var id strings.Builder
	n := 0
	for i := range rows {
		labels := rows[i].Key
		for j, l := range labels {
			labels[j] = validUTF8(l)
		}
		rows[i].Value.Text = validUTF8(rows[i].Value.Text)
		key := ""
		switch len(labels) {
		case 0:
		case 1:
			key = labels[0]
		default:
			id.Reset()
			for _, l := range labels {
				id.WriteString(l)
				id.WriteByte(0xff) // never in valid UTF-8
			}
			key = id.String()
		}
		if j, dup := index[key]; dup {
			merge(&rows[j].Value, &rows[i].Value, agg)
			continue
		}
		index[key] = n
		rows[n] = rows[i]
		n++
	}
	return rows[:n]
}

// merge adds the value of a row with the same labels to v.
func merge(v, add *output.RowValue, agg *types.Agg) {
	if agg == nil {
		return // plain values: the first one stays
	}
	switch agg.Kind {
	case types.Count, types.Sum:
		v.Num += add.Num
	case types.Min:
		if less(add.Num, v.Num, v.Signed) {
			v.Num = add.Num
		}
	case types.Max:
		if less(v.Num, add.Num, v.Signed) {
			v.Num = add.Num
		}
	case types.Avg, types.Stats:
		v.Count += add.Count
		v.Total += add.Total
	case types.Hist, types.LHist:
		for i := range v.Buckets {
			if i < len(add.Buckets) {
				v.Buckets[i] += add.Buckets[i]
			}
		}
	}
}

func less(a, b uint64, signed bool) bool {
	if signed {
		return int64(a) < int64(b)
	}
	return a < b
}

// number is the value of a counter or gauge series: the integer, or for
// avg the mean total/count.
func number(v *output.RowValue) float64 {
	if v.Kind == output.ValueAvg {
		if v.Count == 0 {
			return 0
		}
		return v.TotalFloat() / float64(v.Count)
	}
	return v.Float()
}

// validUTF8 replaces the bytes of s that are not UTF-8 with U+FFFD (label
// values must be UTF-8).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
