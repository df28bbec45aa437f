package metrics

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// The series of a map are prometheus.Metrics of our own (sample) rather
// than client_golang's constant metrics: those build the exposition's data
// model when they are made and the registry builds it again when it
// gathers them, and a histogram's buckets pass through a map. A sample
// points into the map's rows and shares its family's label names and
// bucket bounds, so that gathering a map of 10,000 keys allocates little
// besides the data model itself.

// family is what the series of one map share.
type family struct {
	desc *prometheus.Desc
	kind kind
	// names are the label names in sorted order (the order of an
	// exposition); order[i] is the index of names[i] among the row's
	// label values, len(Key) standing for the value of an info metric.
	names []string
	order []int
	// agg and bounds are the histogram's; les are the upper bounds of
	// the buckets exposed, from bucket first on (not lhist's last, which
	// is +Inf).
	agg    *types.Agg
	bounds []output.Bounds
	first  int
	les    []float64
}

// newFamily returns the family of a map exposed as metric name of kind
// k with the given key label names.
func newFamily(name, help string, labels []string, k kind, t types.Type) (*family, error) {
	all := labels
	if k == kindInfo {
		all = append(labels[:len(labels):len(labels)], reservedLabel[kindInfo])
	}
	f := &family{desc: prometheus.NewDesc(name, help, all, nil), kind: k}
	if err := f.desc.Err(); err != nil {
		return nil, err
	}
	f.order = make([]int, len(all))
	for i := range f.order {
		f.order[i] = i
	}
	sort.Slice(f.order, func(i, j int) bool { return all[f.order[i]] < all[f.order[j]] })
	f.names = make([]string, len(all))
	for i, j := range f.order {
		f.names[i] = all[j]
	}
	if k == kindHistogram {
		f.agg, _ = t.(*types.Agg)
		f.bounds = output.HistBounds(f.agg)
	}
	return f, nil
}

// series returns the metrics of a map's rows.
func (f *family) series(rows []output.Row) []prometheus.Metric {
	if f.kind == kindHistogram {
		f.setBuckets(rows)
	}
	samples := make([]sample, len(rows))
	out := make([]prometheus.Metric, len(rows))
	for i := range rows {
		s := &samples[i]
		s.fam, s.row = f, &rows[i]
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
		out[i] = s
	}
	return out
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

// sample is one series: a prometheus.Metric written from a row.
type sample struct {
	fam   *family
	row   *output.Row
	value float64 // the counter or gauge value; the sum of a summary or histogram
	count uint64  // the count of a summary or histogram
}

// Desc implements prometheus.Metric.
func (s *sample) Desc() *prometheus.Desc { return s.fam.desc }

// Write implements prometheus.Metric.
func (s *sample) Write(out *dto.Metric) error {
	f := s.fam
	if n := len(f.names); n > 0 {
		pairs := make([]dto.LabelPair, n)
		out.Label = make([]*dto.LabelPair, n)
		for i, j := range f.order {
			pairs[i].Name = &f.names[i]
			if j < len(s.row.Key) {
				pairs[i].Value = &s.row.Key[j]
			} else {
				pairs[i].Value = &s.row.Value.Text
			}
			out.Label[i] = &pairs[i]
		}
	}
	switch f.kind {
	case kindCounter:
		out.Counter = &dto.Counter{Value: &s.value}
	case kindSummary:
		out.Summary = &dto.Summary{SampleCount: &s.count, SampleSum: &s.value}
	case kindHistogram:
		out.Histogram = &dto.Histogram{SampleCount: &s.count, SampleSum: &s.value}
		buckets := make([]dto.Bucket, len(f.les))
		counts := make([]uint64, len(f.les))
		out.Histogram.Bucket = make([]*dto.Bucket, len(f.les))
		var sum uint64 // buckets before first are empty in every row
		for i := range f.les {
			sum += s.row.Value.Buckets[f.first+i]
			counts[i] = sum
			buckets[i].CumulativeCount, buckets[i].UpperBound = &counts[i], &f.les[i]
			out.Histogram.Bucket[i] = &buckets[i]
		}
	default:
		out.Gauge = &dto.Gauge{Value: &s.value}
	}
	return nil
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
