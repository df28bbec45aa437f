package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
			h := handler(b, benchSource(n, bc.hist), nil)
			body, _ := scrape(b, h, bc.accept)
			if got := strings.Count(body, "_count{") + strings.Count(body, "_total{"); got != n {
				b.Fatalf("%d series, want %d", got, n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				scrapeDiscard(b, h, bc.accept)
			}
		})
	}
}

// discard is an http.ResponseWriter that keeps nothing but the status:
// benchmarks measure the scrape, not a buffer holding the response.
type discard struct {
	header http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header  { return d.header }
func (d *discard) WriteHeader(code int) { d.status = code }
func (d *discard) Write(p []byte) (int, error) {
	d.n += len(p)
	return len(p), nil
}

// scrapeDiscard serves one request to h and drops the response.
func scrapeDiscard(b *testing.B, h http.Handler, accept string) {
	req := httptest.NewRequest("GET", "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	w := &discard{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(w, req)
	if w.status != http.StatusOK || w.n == 0 {
		b.Fatalf("status %d, %d bytes", w.status, w.n)
	}
}
