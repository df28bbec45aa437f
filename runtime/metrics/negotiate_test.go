package metrics

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serve GETs url+query with the given Accept and Accept-Encoding
// headers. The response's body is read whole.
func serve(t *testing.T, url, accept, encoding, query string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res
}

// TestNegotiationMatchesPromhttp checks that the format and compression
// chosen for a request are promhttp's (client_golang's handler of a
// registry, with OpenMetrics enabled), headers included.
func TestNegotiationMatchesPromhttp(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "x", Help: "x"}))
	refSrv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	defer refSrv.Close()
	ref := refSrv.URL + "/metrics"
	ours := handler(t, everyKind(), nil)
	accepts := []string{
		"",
		"text/plain",
		"text/plain;version=0.0.4",
		"text/plain; version=1.0.0",
		"*/*",
		"text/*",
		"text/html",
		"application/openmetrics-text",
		"application/openmetrics-text; version=1.0.0; charset=utf-8",
		"application/openmetrics-text;version=0.0.1",
		"application/openmetrics-text;version=2.0.0",
		"application/openmetrics-text;version=1.0.0;escaping=bogus",
		"text/plain;escaping=dots",
		"text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5",
		// Prometheus 2's and 3's scrape requests.
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
		"application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
	}
	encodings := []string{"", "gzip", "identity", "gzip, identity", "identity;q=0.5, gzip", "*", "gzip;q=0", "br", "deflate, gzip;q=0.8", "x-gzip"}
	for _, accept := range accepts {
		for _, enc := range encodings {
			want, got := serve(t, ref, accept, enc, ""), serve(t, ours, accept, enc, "")
			for _, h := range []string{"Content-Type", "Content-Encoding"} {
				if g, w := got.Header.Get(h), want.Header.Get(h); g != w {
					t.Errorf("Accept %q, Accept-Encoding %q: %s %q, promhttp %q", accept, enc, h, g, w)
				}
			}
			if g, w := got.Header.Values("Vary"), want.Header.Values("Vary"); !slices.Equal(g, w) {
				t.Errorf("Accept %q: Vary %q, promhttp %q", accept, g, w)
			}
		}
	}
	// Protobuf is not offered: a scraper that asks for nothing else gets
	// the text format (promhttp would send protobuf).
	res := serve(t, ours, "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "", "")
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" {
		t.Errorf("protobuf request: content type %q", ct)
	}
}

// TestGzip checks that a compressed response is the uncompressed one,
// in both formats.
func TestGzip(t *testing.T) {
	h := handler(t, everyKind(), &Options{Stats: fakeStats{}})
	for _, accept := range []string{"", "application/openmetrics-text;version=1.0.0"} {
		plain := serve(t, h, accept, "", "")
		want, _ := io.ReadAll(plain.Body)
		res := serve(t, h, accept, "gzip", "")
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) || len(want) == 0 {
			t.Errorf("Accept %q: gunzipped body differs (%d bytes, want %d)", accept, len(got), len(want))
		}
	}
}

// TestNameFilter checks promhttp's name[] query parameter: only the
// families named (by their text format name) are written.
func TestNameFilter(t *testing.T) {
	h := handler(t, everyKind(), &Options{Stats: fakeStats{}})
	res := serve(t, h, "", "", "?name[]=gobpftrace_c_total&name[]=gobpftrace_st")
	body, _ := io.ReadAll(res.Body)
	var families []string
	for _, line := range strings.Split(string(body), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			families = append(families, name)
		}
	}
	if want := []string{"gobpftrace_c_total counter", "gobpftrace_st summary"}; !slices.Equal(families, want) {
		t.Errorf("families %q, want %q", families, want)
	}
}

// TestWriteError checks that a failing writer stops the exposition and
// reports the first error.
func TestWriteError(t *testing.T) {
	c := NewCollector(benchSource(2000, false), DefaultPrefix, nil)
	w := &failWriter{}
	e := &expo{w: w}
	for _, f := range c.gather() {
		e.family(f)
	}
	if err := e.end(); err != io.ErrClosedPipe || w.calls != 1 {
		t.Errorf("end: %v after %d writes", err, w.calls)
	}
}

type failWriter struct{ calls int }

func (w *failWriter) Write([]byte) (int, error) {
	w.calls++
	return 0, io.ErrClosedPipe
}
