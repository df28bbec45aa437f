package metrics

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// The tests in this file hold our exposition writer against
// client_golang's (prometheus/common/expfmt, a test-only dependency): the
// families a scrape gathers are turned into its data model and encoded
// by expfmt, and the bytes must be ours.

func ptr[T any](v T) *T { return &v }

// toDTO is the client_golang data model of a family: what the collector
// means to expose.
func toDTO(f *family) *dto.MetricFamily {
	types := [...]dto.MetricType{
		kindCounter: dto.MetricType_COUNTER, kindGauge: dto.MetricType_GAUGE, kindInfo: dto.MetricType_GAUGE,
		kindSummary: dto.MetricType_SUMMARY, kindHistogram: dto.MetricType_HISTOGRAM,
	}
	mf := &dto.MetricFamily{Name: ptr(f.name), Help: ptr(f.help), Type: ptr(types[f.kind])}
	for i := range f.samples {
		s := &f.samples[i]
		m := &dto.Metric{}
		for k, j := range f.order {
			m.Label = append(m.Label, &dto.LabelPair{Name: ptr(f.names[k]), Value: ptr(s.label(j))})
		}
		switch f.kind {
		case kindCounter:
			m.Counter = &dto.Counter{Value: ptr(s.value)}
		case kindSummary:
			m.Summary = &dto.Summary{SampleCount: ptr(s.count), SampleSum: ptr(s.value)}
		case kindHistogram:
			m.Histogram = &dto.Histogram{SampleCount: ptr(s.count), SampleSum: ptr(s.value)}
			var cum uint64
			for k, le := range f.les {
				cum += s.row.Value.Buckets[f.first+k]
				m.Histogram.Bucket = append(m.Histogram.Bucket, &dto.Bucket{UpperBound: ptr(le), CumulativeCount: ptr(cum)})
			}
		default:
			m.Gauge = &dto.Gauge{Value: ptr(s.value)}
		}
		mf.Metric = append(mf.Metric, m)
	}
	return mf
}

// expfmtBody encodes families with expfmt.
func expfmtBody(t *testing.T, fams []*family, fm format) string {
	t.Helper()
	var buf bytes.Buffer
	for _, f := range fams {
		if len(f.samples) == 0 {
			continue // the registry prunes empty families
		}
		var err error
		if fm == formatOpenMetrics {
			_, err = expfmt.MetricFamilyToOpenMetrics(&buf, toDTO(f))
		} else {
			_, err = expfmt.MetricFamilyToText(&buf, toDTO(f))
		}
		if err != nil {
			t.Fatalf("expfmt: %s: %v", f.name, err)
		}
	}
	if fm == formatOpenMetrics {
		if _, err := expfmt.FinalizeOpenMetrics(&buf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// ourBody encodes families with expo.
func ourBody(t *testing.T, fams []*family, fm format) string {
	t.Helper()
	var buf bytes.Buffer
	e := &expo{w: &buf, fm: fm}
	for _, f := range fams {
		e.family(f)
	}
	if err := e.end(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// compareWithExpfmt checks that both formats of fams are expfmt's.
func compareWithExpfmt(t *testing.T, name string, fams []*family) {
	t.Helper()
	for _, fm := range []format{formatText, formatOpenMetrics} {
		want, got := expfmtBody(t, fams, fm), ourBody(t, fams, fm)
		if got != want {
			t.Errorf("%s, format %d: differs from expfmt at byte %d\n--- ours ---\n%s\n--- expfmt ---\n%s",
				name, fm, firstDiff(got, want), clip(got), clip(want))
		}
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// TestExpfmtScrapes compares whole scrapes of the fixtures with expfmt.
func TestExpfmtScrapes(t *testing.T) {
	big := newFakeSource()
	// Counts and gauges from a million on (1e+06 in the text format),
	// negative, and a hist whose buckets count millions.
	big.add(build("@big", types.Int64, &types.Agg{Kind: types.Count},
		entry{1, counts(999999)}, entry{2, counts(1000000)}, entry{3, counts(123456789)}, entry{4, counts(1 << 60)}), "pid")
	big.add(build("@neg", nil, &types.Agg{Kind: types.Sum, Signed: true}, entry{nil, counts(-1234567)}))
	big.add(build("@avg", nil, &types.Agg{Kind: types.Avg, Signed: true}, entry{nil, [][]byte{pair(10, 3)}}))
	h := histSamples("@h", nil, &types.Agg{Kind: types.Hist}, [2]any{nil, 5}, [2]any{nil, 100})
	for i := range h.Entries {
		h.Entries[i].Values = counts(3000000 + int64(i))
	}
	big.add(h)
	st := build("@st", nil, &types.Agg{Kind: types.Stats, Signed: true}, entry{nil, [][]byte{pair(1<<40, 5000000)}})
	big.add(st)
	for name, src := range map[string]*fakeSource{
		"everyKind":  everyKind(),
		"big":        big,
		"benchCount": benchSource(300, false),
		"benchHist":  benchSource(100, true),
	} {
		c := NewCollector(src, DefaultPrefix, &Options{Stats: fakeStats{}})
		compareWithExpfmt(t, name, c.gather())
	}
}

// TestExpfmtValues compares the formatting of values, bucket bounds,
// label values and HELP texts with expfmt's, over edge cases and random
// ones.
func TestExpfmtValues(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -2.5, 7, 100, 999999, 1e6, 1234567, 1e15, 1e20, 1e21, 1e22,
		123456789012, 1e-4, 1e-5, 0.00025, 1.5, 1.0 / 3, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.MaxInt64, math.MaxUint64, math.NaN(), math.Inf(1), math.Inf(-1)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		values = append(values, float64(rng.Int64N(1<<uint(rng.IntN(62)+1))), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	texts := []string{"", "plain", `a"b`, `back\slash`, "new\nline", "\\\n\"", `"quoted"`, "tab\there", "ünïcödé ☃", "\\n literal", "end\\"}
	var fams []*family
	for i, v := range values {
		text := texts[i%len(texts)]
		g := newFamily(fmt.Sprintf("g%03d", i), "help "+text, []string{"a", "b"}, kindGauge)
		g.add(v, text, texts[(i+1)%len(texts)])
		c := newFamily(fmt.Sprintf("c%03d_total", i), text, nil, kindCounter)
		c.add(math.Abs(v))
		fams = append(fams, g, c)
		// Counts, and bucket bounds.
		n := uint64(math.Abs(v))
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1<<63 {
			n = uint64(i) << (i % 50)
		}
		s := newFamily(fmt.Sprintf("s%03d", i), text, []string{"x"}, kindSummary)
		s.samples = append(s.samples, sample{row: &output.Row{Key: []string{text}}, value: v, count: n})
		h := newFamily(fmt.Sprintf("h%03d", i), text, nil, kindHistogram)
		if !math.IsNaN(v) && !math.IsInf(v, 1) {
			h.les = []float64{v}
			if !math.IsInf(v, -1) {
				h.les = append(h.les, v+1)
			}
		}
		buckets := make([]uint64, len(h.les))
		for k := range buckets {
			buckets[k] = n / 2
		}
		h.samples = append(h.samples, sample{row: &output.Row{Value: output.RowValue{Buckets: buckets}}, value: v, count: n})
		fams = append(fams, s, h)
	}
	compareWithExpfmt(t, "values", fams)
}

// TestParseBack parses the text exposition of a scrape with expfmt's
// parser and compares it with the families gathered (label values
// unescaped, values parsed).
func TestParseBack(t *testing.T) {
	c := NewCollector(everyKind(), DefaultPrefix, &Options{Stats: fakeStats{}})
	fams := c.gather()
	p := expfmt.NewTextParser(model.LegacyValidation)
	parsed, err := p.TextToMetricFamilies(strings.NewReader(ourBody(t, fams, formatText)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fams {
		if len(f.samples) == 0 {
			continue
		}
		n++
		want := toDTO(f)
		got, ok := parsed[f.name]
		if !ok {
			t.Errorf("family %s not parsed", f.name)
			continue
		}
		if got.GetHelp() != want.GetHelp() || got.GetType() != want.GetType() || len(got.Metric) != len(want.Metric) {
			t.Errorf("%s: parsed %q %v %d metrics, want %q %v %d", f.name, got.GetHelp(), got.GetType(), len(got.Metric),
				want.GetHelp(), want.GetType(), len(want.Metric))
			continue
		}
		for i, m := range want.Metric {
			g := got.Metric[i]
			for k, lp := range m.Label {
				if k >= len(g.Label) || g.Label[k].GetName() != lp.GetName() || g.Label[k].GetValue() != lp.GetValue() {
					t.Errorf("%s[%d]: labels %v, want %v", f.name, i, g.Label, m.Label)
					break
				}
			}
			if gv, wv := value(g), value(m); gv != wv {
				t.Errorf("%s[%d]: value %v, want %v", f.name, i, gv, wv)
			}
		}
	}
	if n != len(parsed) {
		t.Errorf("%d families parsed, %d written", len(parsed), n)
	}
}

// value is the main value of a metric (a histogram's or summary's sum
// and count).
func value(m *dto.Metric) string {
	switch {
	case m.Counter != nil:
		return fmt.Sprint(m.Counter.GetValue())
	case m.Gauge != nil:
		return fmt.Sprint(m.Gauge.GetValue())
	case m.Summary != nil:
		return fmt.Sprint(m.Summary.GetSampleSum(), m.Summary.GetSampleCount())
	case m.Histogram != nil:
		var counts []uint64
		for _, b := range m.Histogram.Bucket {
			if !math.IsInf(b.GetUpperBound(), 1) { // the parser keeps +Inf, the model leaves it implicit
				counts = append(counts, b.GetCumulativeCount())
			}
		}
		return fmt.Sprint(m.Histogram.GetSampleSum(), m.Histogram.GetSampleCount(), counts)
	}
	return "?"
}
