package metrics

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// benchSource is one map of n keys: count() by a 16-byte string over
// four CPUs, or hist() by the same keys with eight buckets each.
func benchSource(n int, hist bool) *fakeSource {
	src := newFakeSource()
	if hist {
		var samples [][2]any
		for i := range n {
			for b := range 8 {
				samples = append(samples, [2]any{fmt.Sprintf("task-%d", i), 1 << (2 * b)})
			}
		}
		src.add(histSamples("@lat", comm, &types.Agg{Kind: types.Hist}, samples...), "comm")
		return src
	}
	es := make([]entry, n)
	for i := range es {
		es[i] = entry{fmt.Sprintf("task-%d", i), counts(int64(i), 1, 2, 3)}
	}
	src.add(build("@c", comm, &types.Agg{Kind: types.Count}, es...), "comm")
	return src
}

// BenchmarkScrape measures one whole scrape (read, combine, render,
// encode) of a 10,000-key map in the text format and in OpenMetrics.
func BenchmarkScrape(b *testing.B) {
	for _, bc := range []struct {
		name   string
		hist   bool
		accept string
	}{
		{"count/text", false, ""},
		{"count/openmetrics", false, "application/openmetrics-text; version=1.0.0"},
		{"hist/text", true, ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const n = 10000
			c := NewCollector(benchSource(n, bc.hist), DefaultPrefix, nil)
			body, _ := scrape(b, serveCollector(b, c), bc.accept)
			if got := strings.Count(body, "_count{") + strings.Count(body, "_total{"); got != n {
				b.Fatalf("%d series, want %d", got, n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				scrapeDiscard(b, c, bc.accept)
			}
		})
	}
}

// discard counts the bytes written to it and keeps none: benchmarks
// measure the scrape, not a buffer holding the response.
type discard struct{ n int }

func (d *discard) Write(p []byte) (int, error) {
	d.n += len(p)
	return len(p), nil
}

// scrapeDiscard writes one scrape of c in the format accept asks for
// (what the server writes after its header) and drops it.
func scrapeDiscard(b *testing.B, c *Collector, accept string) {
	fm, _ := negotiate([]string{accept})
	var w discard
	if err := c.writeScrape(&w, fm, false, nil); err != nil || w.n == 0 {
		b.Fatalf("scrape: %v, %d bytes", err, w.n)
	}
}
