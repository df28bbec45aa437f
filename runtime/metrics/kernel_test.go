//go:build linux

package metrics

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/internal/kerneltest"
)

// load compiles and loads a script.
func load(t testing.TB, text string, opts *codegen.Options) *runtime.Loaded {
	t.Helper()
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatal(src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: runtime.NewHost(nil), StrLen: runtime.DefaultMaxStrlen()})
	if cd.HasErrors() {
		t.Fatal(src.Render(cd))
	}
	obj, gd := codegen.Compile(info, opts)
	if gd.HasErrors() {
		t.Fatal(src.Render(gd))
	}
	l, err := runtime.Load(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLoadedScrape(t *testing.T) {
	kerneltest.RequireRoot(t)
	l := load(t, `let @p = percpuhash(16); BEGIN { @p[1] = 5; @c["a"] = count(); @c["b\"q"] = count(); @c[comm] = count(); @h = hist(5); @s = stats(7); @x[pid, "k"] = 3; exit(); }`, nil)
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	src := NewLoadedSource(l, nil)
	c := NewCollector(src, DefaultPrefix, &Options{Stats: src})
	h := serveCollector(t, c)
	body, _ := scrape(t, h, "")
	comm, _ := os.ReadFile("/proc/self/comm")
	for _, want := range []string{
		`gobpftrace_c_total{key0="a"} 1`,
		`gobpftrace_c_total{key0="b\"q"} 1`,
		`gobpftrace_c_total{key0="` + strings.TrimSpace(string(comm)) + `"} 1`,
		`gobpftrace_h_bucket{le="3"} 0`,
		`gobpftrace_h_bucket{le="7"} 1`,
		`gobpftrace_h_bucket{le="+Inf"} 1`,
		`gobpftrace_h_sum 4`,
		`gobpftrace_h_count 1`,
		`gobpftrace_s_sum 7`,
		`gobpftrace_s_count 1`,
		`gobpftrace_lost_events_total 0`,
		`gobpftrace_probes_attached 1`,
		`gobpftrace_p{key0="1"} 5`, // per-CPU copies merged
	} {
		if !strings.Contains(body, "\n"+want+"\n") {
			t.Errorf("missing %s", want)
		}
	}
	if !strings.Contains(body, "\ngobpftrace_x{key1=\"k\",pid=\"") {
		t.Errorf("missing the tuple-keyed @x")
	}
	if strings.Contains(body, "metrics_errors") {
		t.Errorf("errors reported")
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("scrape:\n%s", body)
	}
	// The script's names are short: promtool only finds them too short.
	promtool(t, body,
		"gobpftrace_h metric names should not contain abbreviated units",
		"gobpftrace_s metric names should not contain abbreviated units")
}

func TestLoadedProgramStats(t *testing.T) {
	kerneltest.RequireRoot(t)
	l := load(t, `BEGIN { @c = count(); }`, nil)
	src := NewLoadedSource(l, nil)
	// Without the kernel's statistics there are no program metrics.
	if on, _ := os.ReadFile(bpfStatsFile); strings.TrimSpace(string(on)) == "0" {
		if progs, err := src.Programs(); err != nil || progs != nil {
			t.Errorf("statistics off: %v, %v", progs, err)
		}
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		t.Skipf("BPF_ENABLE_STATS: %v", err)
	}
	defer stats.Close()
	for range 3 {
		if err := l.RunOnce(l.Programs[0]); err != nil {
			t.Fatal(err)
		}
	}
	c := NewCollector(src, DefaultPrefix, &Options{Stats: src})
	h := serveCollector(t, c)
	body, _ := scrape(t, h, "")
	labels := `{probe="` + l.Programs[0].Probe + `",program="` + l.Programs[0].Name + `"}`
	runs := "gobpftrace_program_runs_total" + labels + " 3"
	if !strings.Contains(body, "\n"+runs+"\n") || !strings.Contains(body, "\ngobpftrace_program_run_seconds_total"+labels+" ") {
		t.Errorf("missing %s or its run time in\n%s", runs, body)
	}
}

// BenchmarkScrapeKernel scrapes a real per-CPU count map of 10,000 keys
// filled from user space.
func BenchmarkScrapeKernel(b *testing.B) {
	kerneltest.RequireRoot(b)
	const n = 10000
	l := load(b, `BEGIN { @c[(uint64)1] = count(); }`, &codegen.Options{MaxMapKeys: n})
	m := l.Map("@c")
	ncpu := l.NumCPU()
	keys := make([]uint64, n)
	values := make([]uint64, n*ncpu)
	for i := range keys {
		keys[i] = uint64(i)
		values[i*ncpu] = uint64(i + 1)
	}
	if _, err := m.BatchUpdate(keys, values, nil); err != nil {
		for i := range keys { // no batch updates: one at a time
			v := make([]byte, 8*ncpu)
			binary.NativeEndian.PutUint64(v, values[i*ncpu])
			if err := m.Update(keys[i], v, 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	src := NewLoadedSource(l, nil)
	c := NewCollector(src, DefaultPrefix, &Options{Stats: src})
	h := serveCollector(b, c)
	body, _ := scrape(b, h, "")
	if got := strings.Count(body, "\ngobpftrace_c_total{"); got != n {
		b.Fatalf("%d series, want %d", got, n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		scrapeDiscard(b, c, "")
	}
}
