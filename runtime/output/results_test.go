package output

import (
	"strings"
	"testing"
	"time"
)

// TestBenchTable: the benchmark table as bpftrace prints it: the name
// column as wide as the longest name, at least 40, plus a space; Time(ns)
// 15 wide; a rule as long as the header.
func TestBenchTable(t *testing.T) {
	names := []string{"a", "b"}
	got := string(AppendBenchRow(AppendBenchHeader(nil, names), names, "a", 12*time.Nanosecond, 160000))
	want := "Benchmark                                Time(ns)       Iterations\n" +
		strings.Repeat("-", 66) + "\n" +
		"a                                        12             160000\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	long := []string{strings.Repeat("x", 45)}
	got = string(AppendBenchRow(AppendBenchHeader(nil, long), long, long[0], 7, 3))
	want = "Benchmark" + strings.Repeat(" ", 37) + "Time(ns)       Iterations\n" + strings.Repeat("-", 71) + "\n" +
		long[0] + " 7              3\n"
	if got != want {
		t.Errorf("long name: got\n%s\nwant\n%s", got, want)
	}
	if got := string(AppendJSONBenchmark(nil, `q"`, 34*time.Nanosecond, 40000)); got != `{"type": "benchmark_result", "data": {"q\"": {"average": 34, "iters": 40000}}}`+"\n" {
		t.Errorf("JSON: %s", got)
	}
}

// TestTestReport: the gtest-style report: the header before the first
// test, a failing test's output before its FAILED line, and the summary
// with the failed tests after the last.
func TestTestReport(t *testing.T) {
	results := []TestResult{{Name: "ok", Passed: true, Duration: 3 * time.Microsecond, Output: "hidden\n"}}
	got := string(AppendTestRun(nil, results, 2))
	want := green + "[==========]" + reset + " Running 2 tests.\n" +
		green + "[ RUN      ]" + reset + " ok\n" +
		green + "[       OK ]" + reset + " ok (3 μs)\n"
	if got != want {
		t.Errorf("first test: got %q, want %q", got, want)
	}
	results = append(results, TestResult{Name: "bad", Duration: 1500 * time.Millisecond, Output: "line 1\n\nline 2\n"})
	got = string(AppendTestRun(nil, results, 2))
	want = green + "[ RUN      ]" + reset + " bad\nline 1\nline 2\n" +
		red + "[  FAILED  ]" + reset + " bad (1 s)\n" +
		green + "[==========]" + reset + " 2 tests ran.\n" +
		green + "[  PASSED  ]" + reset + " 1 test.\n" +
		red + "[  FAILED  ]" + reset + " 1 test, listed below:\n" +
		red + "[  FAILED  ]" + reset + " bad\n"
	if got != want {
		t.Errorf("last test: got %q, want %q", got, want)
	}
	if got := string(AppendJSONTest(nil, results[1])); got != `{"type": "test_result", "data": {"bad": {"duration": 1500000000, "passed": false, "output": "line 1\n\nline 2\n"}}}`+"\n" {
		t.Errorf("JSON: %s", got)
	}
	for d, want := range map[time.Duration]string{12: "12 ns", 2500 * time.Nanosecond: "2 μs", 3 * time.Millisecond: "3 ms"} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%v) = %q, want %q", d, got, want)
		}
	}
}
