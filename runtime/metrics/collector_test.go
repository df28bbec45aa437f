package metrics

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// checkGolden compares got with testdata/name.golden (or rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch\n--- got ---\n%s--- want ---\n%s", name, got, want)
	}
}

var (
	comm  = &types.String{Cap: 16}
	str64 = &types.String{Cap: 64}
)

// everyKind is a source with a map of every value kind and the keys that
// need escaping.
func everyKind() *fakeSource {
	src := newFakeSource()
	src.res = fakeResolver{}
	count := &types.Agg{Kind: types.Count}
	// count() by comm, over two CPUs; labels with a quote, a backslash, a
	// newline and bytes that are not UTF-8.
	src.add(build("@c", comm, count,
		entry{"bash", counts(2, 3)},
		entry{"sshd", counts(1, 0)},
		entry{`a"b\c`, counts(2)},
		entry{"new\nline", counts(1)},
		entry{"\xff\xfeok", counts(4)},
	), "comm")
	// The anonymous map, a scalar count.
	src.add(build("@", nil, count, entry{nil, counts(7, 1)}))
	// A plain integer gauge, signed.
	src.add(build("@g", nil, types.Int64, entry{nil, [][]byte{le64(-42)}}))
	// sum, min, max by pid.
	src.add(build("@bytes", types.Int32, &types.Agg{Kind: types.Sum, Signed: true},
		entry{100, counts(10, -3)}, entry{200, counts(5)}), "pid")
	src.add(build("@mn", types.Int32, &types.Agg{Kind: types.Min, Signed: true},
		entry{100, [][]byte{pair(-5, 1), pair(-9, 0), pair(3, 1)}}), "pid")
	src.add(build("@mx", types.Uint64, &types.Agg{Kind: types.Max},
		entry{1, [][]byte{pair(5, 1), pair(9, 1)}}), "cpu")
	// avg: 7/2 = 3.5 (print shows 3).
	src.add(build("@avg", comm, &types.Agg{Kind: types.Avg, Signed: true},
		entry{"bash", [][]byte{pair(3, 1), pair(4, 1)}}), "comm")
	// stats, scalar: count 3, total 60.
	src.add(build("@st", nil, &types.Agg{Kind: types.Stats, Signed: true},
		entry{nil, [][]byte{pair(20, 1), pair(40, 2)}}))
	// hist by comm: buckets -1 (negative), 0, [4, 8) twice, [1K, 2K).
	src.add(histSamples("@size", comm, &types.Agg{Kind: types.Hist, Signed: true},
		[2]any{"bash", -3}, [2]any{"bash", 0}, [2]any{"bash", 5}, [2]any{"bash", 7}, [2]any{"sshd", 1500}), "comm")
	// lhist(v, 0, 100, 10), scalar: 5, 15, 15, 250 (over the max).
	src.add(histSamples("@lh", nil, &types.Agg{Kind: types.LHist, Signed: true, Min: 0, Max: 100, Step: 10},
		[2]any{nil, 5}, [2]any{nil, 15}, [2]any{nil, 15}, [2]any{nil, 250}))
	// String values keyed by pid.
	src.add(build("@name", types.Int64, str64,
		entry{1, [][]byte{enc(str64, `say "hi"\now`)}}, entry{2, [][]byte{enc(str64, "two\nlines")}}), "pid")
	// count() by kernel stack: a label with newlines.
	src.add(build("@stk", &types.Stack{}, count, entry{uint64(1), counts(6)}), "kstack")
	// A tuple key (comm, pid).
	tup := types.NewTuple([]types.Type{comm, types.Int32})
	src.add(build("@t", tup, count, entry{[]any{"bash", 100}, counts(1)}, entry{[]any{"bash", 200}, counts(2)}), "comm", "pid")
	// Two addresses in one function: one series, counts added.
	src.add(build("@ks", &types.Symbol{}, count, entry{uint64(0x1010), counts(2)}, entry{uint64(0x1020), counts(3)}, entry{uint64(0x5000), counts(1)}), "ksym")
	// A hist whose key is named le: the label becomes key0.
	src.add(histSamples("@lat", types.Int64, &types.Agg{Kind: types.Hist},
		[2]any{1, 1}, [2]any{1, 2}), "le")
	// A gauge whose name collides with the histogram's _count series.
	src.add(build("@lat_count", nil, types.Int64, entry{nil, [][]byte{le64(9)}}))
	return src
}

// TestExposition checks the exposition of every kind of map, in the text
// format (linted by promtool) and in OpenMetrics, against goldens.
func TestExposition(t *testing.T) {
	for _, f := range []struct{ golden, accept, ctype string }{
		{"text", "", "text/plain; version=0.0.4"},
		{"openmetrics", "application/openmetrics-text; version=1.0.0; charset=utf-8", "application/openmetrics-text; version=1.0.0"},
	} {
		h := handler(t, everyKind(), &Options{Stats: fakeStats{}})
		body, ctype := scrape(t, h, f.accept)
		if !strings.HasPrefix(ctype, f.ctype) {
			t.Errorf("%s: content type %q", f.golden, ctype)
		}
		checkGolden(t, f.golden, body)
		if f.golden == "text" {
			promtool(t, body)
		} else if !strings.HasSuffix(body, "# EOF\n") {
			t.Error("OpenMetrics exposition without # EOF")
		}
	}
}

// promtool checks an exposition with `promtool check metrics` when it is
// installed (Debian's prometheus package); under CI=true it must be.
// allowed are lint problems that are accepted: the style of names a
// script chose ("gobpftrace_h metric names should not contain abbreviated
// units" for a map @h); anything else promtool reports fails the test.
func promtool(t testing.TB, body string, allowed ...string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not installed (apt-get install prometheus); CI=true forbids skipping")
		}
		t.Log("promtool not installed (apt-get install prometheus): exposition not linted")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err == nil {
		return
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 { // 3: lint problems only
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !slices.Contains(allowed, strings.TrimSpace(line)) {
			t.Errorf("promtool check metrics: %s", line)
		}
	}
}

func TestTruncation(t *testing.T) {
	src := newFakeSource()
	var es []entry
	for i := 1; i <= 25; i++ {
		es = append(es, entry{i, counts(int64(i * 10))})
	}
	src.add(build("@big", types.Int64, &types.Agg{Kind: types.Count}, es...), "pid")
	src.add(build("@small", types.Int64, &types.Agg{Kind: types.Count}, es[:3]...), "pid")
	body, _ := scrape(t, handler(t, src, &Options{MaxSeries: 10}), "")
	// The ten largest counts are kept, as print(@big, 10) shows them.
	var kept []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "gobpftrace_big_total{") {
			kept = append(kept, line)
		}
	}
	if len(kept) != 10 || kept[0] != `gobpftrace_big_total{pid="16"} 160` || kept[9] != `gobpftrace_big_total{pid="25"} 250` {
		t.Errorf("kept series:\n%s", strings.Join(kept, "\n"))
	}
	for _, want := range []string{
		`gobpftrace_metrics_truncated{map="@big"} 15`,
		`gobpftrace_small_total{pid="3"} 30`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("missing %s in\n%s", want, body)
		}
	}
	if strings.Contains(body, `map="@small"`) {
		t.Errorf("@small reported as truncated:\n%s", body)
	}
	promtool(t, body)
	// The default limit is DefaultMaxSeries; 0 and negative mean it.
	for _, n := range []int{0, -1} {
		if c := NewCollector(src, "", &Options{MaxSeries: n}); c.maxSeries != DefaultMaxSeries {
			t.Errorf("MaxSeries %d: limit %d", n, c.maxSeries)
		}
	}
}

func TestErrorsDoNotFailTheScrape(t *testing.T) {
	src := newFakeSource()
	count := &types.Agg{Kind: types.Count}
	src.add(build("@ok", nil, count, entry{nil, counts(1)}))
	src.add(build("@bad", nil, count, entry{nil, counts(1)}))
	src.add(build("@m", types.Int64, count, entry{1, counts(1)}), "pid")
	src.fail["@bad"] = true
	h := handler(t, src, nil)
	body, _ := scrape(t, h, "")
	want := "# HELP gobpftrace_metrics_errors_total Failures to export a map: unreadable, or changed type.\n" +
		"# TYPE gobpftrace_metrics_errors_total counter\n" +
		"gobpftrace_metrics_errors_total{map=\"@bad\"} 1\n" +
		"# HELP gobpftrace_ok_total bpftrace map @ok (count)\n" +
		"# TYPE gobpftrace_ok_total counter\n" +
		"gobpftrace_ok_total 1\n"
	if !strings.Contains(body, want) || !strings.Contains(body, `gobpftrace_m_total{pid="1"} 1`) {
		t.Errorf("first scrape:\n%s", body)
	}
	// @m is redefined as a hist between scrapes (an interactive session):
	// counted, and exported with its new type.
	src.infos[2].Value = &types.Agg{Kind: types.Hist}
	src.maps["@m"] = histSamples("@m", types.Int64, &types.Agg{Kind: types.Hist}, [2]any{1, 3})
	body, _ = scrape(t, h, "")
	for _, want := range []string{
		`gobpftrace_metrics_errors_total{map="@bad"} 2`,
		`gobpftrace_metrics_errors_total{map="@m"} 1`,
		`gobpftrace_m_bucket{pid="1",le="3"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("second scrape: missing %s in\n%s", want, body)
		}
	}
	// A map read with another type than listed is left out and counted.
	src.maps["@ok"] = build("@ok", nil, types.Int64, entry{nil, [][]byte{le64(1)}})
	body, _ = scrape(t, h, "")
	if strings.Contains(body, "gobpftrace_ok") || !strings.Contains(body, `gobpftrace_metrics_errors_total{map="@ok"} 1`) {
		t.Errorf("third scrape:\n%s", body)
	}
}

func TestSelfStatsErrors(t *testing.T) {
	// A failing Stats method leaves its metric out.
	body, _ := scrape(t, handler(t, newFakeSource(), &Options{Stats: fakeStats{fail: true}}), "")
	if strings.Contains(body, "lost_events") || !strings.Contains(body, "gobpftrace_probes_attached 4\n") {
		t.Errorf("scrape:\n%s", body)
	}
}

func TestPrefix(t *testing.T) {
	src := newFakeSource()
	src.add(build("@x", nil, types.Int64, entry{nil, [][]byte{le64(1)}}))
	for prefix, want := range map[string]string{
		"":        "x 1\n",
		"bt":      "bt_x 1\n",
		"my-app_": "my_app_x 1\n",
		"9x_":     "_9x_x 1\n",
	} {
		h := serveCollector(t, NewCollector(src, prefix, nil))
		if body, _ := scrape(t, h, ""); !strings.Contains(body, "\n"+want) {
			t.Errorf("prefix %q:\n%s", prefix, body)
		}
	}
}

func TestConcurrentScrapes(t *testing.T) {
	// Scrapes are serialized: parallel ones all see the same maps (and
	// the race detector sees no shared state written unlocked).
	h := handler(t, everyKind(), &Options{Stats: fakeStats{}})
	want, _ := scrape(t, h, "")
	bodies := make(chan string, 8)
	for range cap(bodies) {
		go func() {
			_, b, _ := get(h, "")
			bodies <- b
		}()
	}
	for range cap(bodies) {
		if got := <-bodies; got != want {
			t.Errorf("a parallel scrape differs:\n%s", got)
		}
	}
}

func TestHistogramBuckets(t *testing.T) {
	// The buckets from the one below the lowest with a count in any key
	// to the highest, shared by the keys; cumulative.
	src := newFakeSource()
	src.add(histSamples("@lat", comm, &types.Agg{Kind: types.Hist},
		[2]any{"a", 1500}, [2]any{"a", 3000}, [2]any{"b", 700}), "comm")
	// Only lhist's bucket of values from its max on: the +Inf bucket.
	src.add(histSamples("@over", nil, &types.Agg{Kind: types.LHist, Min: 0, Max: 100, Step: 10}, [2]any{nil, 250}))
	body, _ := scrape(t, handler(t, src, nil), "")
	var got []string
	for _, line := range strings.Split(body, "\n") {
		if strings.Contains(line, "_bucket{") {
			got = append(got, line)
		}
	}
	want := []string{
		`gobpftrace_lat_bucket{comm="a",le="511"} 0`,
		`gobpftrace_lat_bucket{comm="a",le="1023"} 0`,
		`gobpftrace_lat_bucket{comm="a",le="2047"} 1`,
		`gobpftrace_lat_bucket{comm="a",le="4095"} 2`,
		`gobpftrace_lat_bucket{comm="a",le="+Inf"} 2`,
		`gobpftrace_lat_bucket{comm="b",le="511"} 0`,
		`gobpftrace_lat_bucket{comm="b",le="1023"} 1`,
		`gobpftrace_lat_bucket{comm="b",le="2047"} 1`,
		`gobpftrace_lat_bucket{comm="b",le="4095"} 1`,
		`gobpftrace_lat_bucket{comm="b",le="+Inf"} 1`,
		`gobpftrace_over_bucket{le="99"} 0`,
		`gobpftrace_over_bucket{le="+Inf"} 1`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("buckets:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, sum := range []string{`gobpftrace_lat_sum{comm="a"} 3072`, `gobpftrace_lat_sum{comm="b"} 512`, `gobpftrace_over_sum 100`} {
		if !strings.Contains(body, "\n"+sum+"\n") {
			t.Errorf("missing %s", sum)
		}
	}
	promtool(t, body)
}
