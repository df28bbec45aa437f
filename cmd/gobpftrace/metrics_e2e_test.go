package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// httpGet fetches url with an optional Accept header, failing the test on
// a transport error.
func httpGet(t *testing.T, url, accept string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body), resp.Header
}

// waitHTTP waits until url answers 200.
func waitHTTP(t *testing.T, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within %v", url, timeout)
}

// promSample is one sample of a Prometheus instant query: its labels and
// value.
type promSample struct {
	labels map[string]string
	value  float64
}

// promQuery runs an instant query against the Prometheus server at base.
func promQuery(t *testing.T, base, query string) []promSample {
	t.Helper()
	code, body, _ := httpGet(t, base+"/api/v1/query?query="+url.QueryEscape(query), "")
	if code != 200 {
		t.Fatalf("query %s: HTTP %d: %s", query, code, body)
	}
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v: %s", query, err, body)
	}
	var out []promSample
	for _, s := range r.Data.Result {
		v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
		out = append(out, promSample{labels: s.Metric, value: v})
	}
	return out
}

// waitQuery polls query until ok accepts its result.
func waitQuery(t *testing.T, base, query string, timeout time.Duration, ok func([]promSample) bool) []promSample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got []promSample
	for time.Now().Before(deadline) {
		got = promQuery(t, base, query)
		if ok(got) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("query %s: %v after %v", query, got, timeout)
	return nil
}

// metricsWorkload is a child that, under a name of its own, makes exactly
// 7 getppid calls and 3 getpgid calls (of pids 100, 200 and 300), then
// waits to be killed.
const metricsWorkload = `#include <unistd.h>
#include <sys/prctl.h>
int main(void) {
	prctl(PR_SET_NAME, "mworker");
	for (int i = 0; i < 7; i++) getppid();
	for (int i = 1; i <= 3; i++) getpgid(i * 100);
	pause();
	return 0;
}
`

// TestMetricsPrometheus: a real Prometheus server (Debian's package)
// scrapes gobpftrace --metrics on 127.0.0.1 every second; through its
// query API the count() map is a counter per comm with the workload's
// exact count, the hist() a histogram whose buckets hold the 3 values,
// and max() a gauge; promtool accepts the scraped text; and the tracer
// still prints its maps at the end (scraping changes nothing).
func TestMetricsPrometheus(t *testing.T) {
	needRoot(t)
	promBin := needTool(t, "prometheus")
	promtool := needTool(t, "promtool")
	worker := compileC(t, metricsWorkload)
	port, promPort := freeTCPPort(t), freeTCPPort(t)
	metricsURL := "http://127.0.0.1:" + port + "/metrics"
	prog := `tracepoint:syscalls:sys_enter_getppid /comm == "mworker"/ { @calls[comm] = count(); }
tracepoint:syscalls:sys_enter_getpgid /comm == "mworker"/ { @pgid = hist(args.pid); @maxpgid = max(args.pid); }`
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
scrape_configs:
  - job_name: gobpftrace
    static_configs:
      - targets: ['127.0.0.1:%s']
`, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	promBase := "http://127.0.0.1:" + promPort
	r := runTool(t, invocation{
		args:    []string{"--metrics", "127.0.0.1:" + port, "-c", worker, "-e", prog},
		timeout: 90 * time.Second,
		during: func(p *runningTool) {
			defer p.cmd.Process.Signal(syscall.SIGTERM)
			waitHTTP(t, metricsURL, 20*time.Second)
			prom := exec.Command(promBin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
				"--web.listen-address=127.0.0.1:"+promPort)
			promLog, err := os.Create(filepath.Join(dir, "prometheus.log"))
			if err != nil {
				t.Fatal(err)
			}
			defer promLog.Close()
			prom.Stdout, prom.Stderr = promLog, promLog
			if err := prom.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				prom.Process.Signal(syscall.SIGTERM)
				prom.Wait()
			}()
			waitHTTP(t, promBase+"/-/ready", 30*time.Second)

			waitQuery(t, promBase, `gobpftrace_calls_total{comm="mworker"}`, 30*time.Second, func(s []promSample) bool {
				return len(s) == 1 && s[0].value == 7
			})
			waitQuery(t, promBase, `gobpftrace_pgid_bucket`, 30*time.Second, func(s []promSample) bool {
				// Cumulative buckets with hist()'s integer bounds
				// (le 127 is [64, 128)): 100, 200 and 300 each in
				// their power-of-two bucket.
				// (Scraped in OpenMetrics, the bounds are floats: "127.0".)
				want := map[float64]float64{63: 0, 127: 1, 255: 2, 511: 3, math.Inf(1): 3}
				seen := 0
				for _, x := range s {
					le, err := strconv.ParseFloat(x.labels["le"], 64)
					if err != nil {
						return false
					}
					if w, ok := want[le]; ok {
						if x.value != w {
							return false
						}
						seen++
					}
				}
				return seen == len(want)
			})
			waitQuery(t, promBase, `gobpftrace_maxpgid`, 30*time.Second, func(s []promSample) bool {
				return len(s) == 1 && s[0].value == 300
			})

			_, text, _ := httpGet(t, metricsURL, "")
			check := exec.Command(promtool, "check", "metrics")
			check.Stdin = strings.NewReader(text)
			if out, err := check.CombinedOutput(); err != nil {
				t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, text)
			}
		},
	})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@calls\[mworker\]: 7$`, `(?m)^@maxpgid: 300$`)
}

// scrapeWorkload makes 20 batches of argv[1]/20 getppid calls 20 ms
// apart, then exits.
const scrapeWorkload = `#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
	long n = atol(argv[1]) / 20;
	for (int b = 0; b < 20; b++) {
		for (long i = 0; i < n; i++) getppid();
		usleep(20000);
	}
	return 0;
}
`

// TestMetricsScrapeChangesNothing: scraping every 10 ms while a -c
// command makes 20 000 traced calls (over at least 400 ms) changes
// nothing the script prints: one printf line per call, the count, no
// lost event.
func TestMetricsScrapeChangesNothing(t *testing.T) {
	needRoot(t)
	worker := compileC(t, scrapeWorkload)
	port := freeTCPPort(t)
	url := "http://127.0.0.1:" + port + "/metrics"
	scrapes := 0
	r := runTool(t, invocation{
		args: []string{"-q", "--metrics", "127.0.0.1:" + port, "-c", worker + " 20000",
			"-e", `tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @calls = count(); printf("call %d\n", @calls); }`},
		during: func(p *runningTool) {
			for {
				select {
				case <-p.done:
					return
				case <-time.After(10 * time.Millisecond):
				}
				if resp, err := http.Get(url); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					scrapes++
				}
			}
		},
	})
	expectCode(t, r, 0)
	if n := strings.Count(r.stdout, "call "); n != 20000 {
		t.Errorf("%d call lines, want 20000", n)
	}
	matchAll(t, "stdout", r.stdout, `(?m)^call 20000$`, `(?m)^@calls: 20000$`)
	noMatch(t, "stderr", r.stderr, `(?i)lost`)
	if scrapes < 10 {
		t.Errorf("only %d scrapes while tracing: the test shows nothing", scrapes)
	}
	t.Logf("%d scrapes", scrapes)
}

// TestMetricsOnly: with --metrics-only nothing is printed but the
// metrics; SIGTERM ends tracing (END runs: its map is the last one
// scraped) with status 0. An address in use is an error before tracing.
func TestMetricsOnly(t *testing.T) {
	needRoot(t)
	port := freeTCPPort(t)
	url := "http://127.0.0.1:" + port + "/metrics"
	r := runTool(t, invocation{
		args: []string{"--metrics", "127.0.0.1:" + port, "--metrics-only", "--metrics-prefix", "mo_",
			"-e", `BEGIN { @begin = 1; printf("hello\n"); } interval:ms:10 { @ticks = count(); } END { printf("end\n"); }`},
		during: func(p *runningTool) {
			defer p.cmd.Process.Signal(syscall.SIGTERM)
			waitHTTP(t, url, 20*time.Second)
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				_, text, _ := httpGet(t, url, "")
				if strings.Contains(text, "\nmo_begin 1\n") && strings.Contains(text, "\nmo_ticks_total ") {
					// An address in use, while this one serves.
					busy := gbt(t, "--metrics", "127.0.0.1:"+port, "-e", `BEGIN { exit(); }`)
					expectCode(t, busy, exitScript)
					matchAll(t, "stderr", busy.stderr, `(?m)^ERROR: --metrics 127\.0\.0\.1:`+port+`: listen tcp 127\.0\.0\.1:`+port+`: bind: address already in use$`)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Errorf("the metrics never showed @begin and @ticks")
		},
	})
	expectCode(t, r, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("--metrics-only printed:\nstdout %q\nstderr %q", r.stdout, r.stderr)
	}
}

// TestREPLMetrics: in the interactive shell, :metrics ADDR serves the
// session's maps, a map added by a later input appears at the next
// scrape, a second :metrics is refused while one serves, :metrics off
// stops the server.
func TestREPLMetrics(t *testing.T) {
	needRoot(t)
	port := freeTCPPort(t)
	url := "http://127.0.0.1:" + port + "/metrics"
	r := runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`@first["a \"b\""] = 7`)
		s.send(`:metrics 127.0.0.1:` + port)
		s.expect(p.stderr, "metrics at http://127.0.0.1:"+port+"/metrics\n")
		_, text, _ := httpGet(t, url, "")
		if !strings.Contains(text, `gobpftrace_first{key0="a \"b\""} 7`) {
			t.Errorf("first scrape lacks @first:\n%s", text)
		}
		s.send(`@second[1, 2] = 5`)
		s.send(`print(@second)`)
		s.expect(p.stdout, "@second[1, 2]: 5\n")
		_, text, _ = httpGet(t, url, "")
		if !strings.Contains(text, `gobpftrace_second{key0="1",key1="2"} 5`) {
			t.Errorf("second scrape lacks @second:\n%s", text)
		}
		s.send(`:metrics 127.0.0.1:0`)
		s.expect(p.stderr, "ERROR: metrics are already served at 127.0.0.1:"+port)
		s.send(`:metrics off`)
		s.send(`print(@first)`)
		s.expect(p.stdout, "@first[a \"b\"]: 7\n")
		if _, err := http.Get(url); err == nil {
			t.Errorf(":metrics off: the server still answers")
		}
		s.send(`:quit`)
	}})
	expectCode(t, r, 0)
}
