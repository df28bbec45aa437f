package output

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The results of --mode bench and --mode test, as bpftrace HEAD's
// TextOutput and JsonOutput write them.

// Column names and widths of the benchmark table.
const (
	benchName     = "Benchmark"
	benchTime     = "Time(ns)"
	benchIters    = "Iterations"
	benchMinName  = 40
	benchTimeCols = 15
)

// benchNameWidth is the width of the name column: the longest name, at
// least 40 characters, and a space.
func benchNameWidth(names []string) int {
	w := max(benchMinName, len(benchName))
	for _, n := range names {
		w = max(w, len(n))
	}
	return w + 1
}

// AppendBenchHeader appends the header of the benchmark table of the
// benchmarks names:
//
//	Benchmark                                Time(ns)       Iterations
//	------------------------------------------------------------------
func AppendBenchHeader(dst []byte, names []string) []byte {
	w := benchNameWidth(names)
	dst = fmt.Appendf(dst, "%-*s%-*s%s\n", w, benchName, benchTimeCols, benchTime, benchIters)
	dst = append(dst, strings.Repeat("-", w+benchTimeCols+len(benchIters))...)
	return append(dst, '\n')
}

// AppendBenchRow appends one benchmark's line of the table: its name, the
// average time of one run in ns and the number of runs.
func AppendBenchRow(dst []byte, names []string, name string, avg time.Duration, iters int) []byte {
	return fmt.Appendf(dst, "%-*s%-*d%d\n", benchNameWidth(names), name, benchTimeCols, avg.Nanoseconds(), iters)
}

// AppendJSONBenchmark appends a benchmark's result:
//
//	{"type": "benchmark_result", "data": {"a": {"average": 12, "iters": 100000}}}
func AppendJSONBenchmark(dst []byte, name string, avg time.Duration, iters int) []byte {
	dst = append(dst, `{"type": "benchmark_result", "data": {`...)
	dst = appendJSONString(dst, name)
	dst = append(dst, `: {"average": `...)
	dst = strconv.AppendInt(dst, avg.Nanoseconds(), 10)
	dst = append(dst, `, "iters": `...)
	dst = strconv.AppendInt(dst, int64(iters), 10)
	return append(dst, "}}}\n"...)
}

// ANSI colours of the test report.
const (
	green = "\033[32m"
	red   = "\033[31m"
	reset = "\033[0m"
)

// TestResult is the outcome of one test probe.
type TestResult struct {
	Name     string
	Passed   bool
	Duration time.Duration
	// Output is what the test printed; the report shows it for a test
	// that failed.
	Output string
}

// plural is "test" or "tests".
func plural(n int) string {
	if n == 1 {
		return "test"
	}
	return "tests"
}

// AppendTestRun appends the report of the index-th of total tests, as
// gtest-style lines: "[==========] Running N tests." before the first,
// "[ RUN      ] name" and "[       OK ] name (D)" or, after the test's
// output, "[  FAILED  ] name (D)"; after the last, the summary of all
// results (which holds the results so far).
func AppendTestRun(dst []byte, results []TestResult, total int) []byte {
	index := len(results) - 1
	r := results[index]
	if index == 0 {
		dst = fmt.Appendf(dst, "%s[==========]%s Running %d %s.\n", green, reset, total, plural(total))
	}
	dst = fmt.Appendf(dst, "%s[ RUN      ]%s %s\n", green, reset, r.Name)
	if r.Passed {
		dst = fmt.Appendf(dst, "%s[       OK ]%s %s", green, reset, r.Name)
	} else {
		for _, line := range strings.Split(r.Output, "\n") {
			if line != "" {
				dst = append(dst, line...)
				dst = append(dst, '\n')
			}
		}
		dst = fmt.Appendf(dst, "%s[  FAILED  ]%s %s", red, reset, r.Name)
	}
	dst = fmt.Appendf(dst, " (%s)\n", durationText(r.Duration))
	if index < total-1 {
		return dst
	}
	passed := 0
	for _, r := range results {
		if r.Passed {
			passed++
		}
	}
	dst = fmt.Appendf(dst, "%s[==========]%s %d %s ran.\n", green, reset, total, plural(total))
	dst = fmt.Appendf(dst, "%s[  PASSED  ]%s %d %s.\n", green, reset, passed, plural(passed))
	if failed := total - passed; failed > 0 {
		dst = fmt.Appendf(dst, "%s[  FAILED  ]%s %d %s, listed below:\n", red, reset, failed, plural(failed))
		for _, r := range results {
			if !r.Passed {
				dst = fmt.Appendf(dst, "%s[  FAILED  ]%s %s\n", red, reset, r.Name)
			}
		}
	}
	return dst
}

// durationText is a duration in its largest unit of at least 1, rounded
// down: "17 μs".
func durationText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	case d >= time.Millisecond:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + " ms"
	case d >= time.Microsecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + " μs"
	}
	return strconv.FormatInt(int64(d), 10) + " ns"
}

// AppendJSONTest appends a test's result:
//
//	{"type": "test_result", "data": {"ok": {"duration": 120, "passed": true, "output": ""}}}
func AppendJSONTest(dst []byte, r TestResult) []byte {
	dst = append(dst, `{"type": "test_result", "data": {`...)
	dst = appendJSONString(dst, r.Name)
	dst = append(dst, `: {"duration": `...)
	dst = strconv.AppendInt(dst, r.Duration.Nanoseconds(), 10)
	dst = append(dst, `, "passed": `...)
	dst = strconv.AppendBool(dst, r.Passed)
	dst = append(dst, `, "output": `...)
	dst = appendJSONString(dst, r.Output)
	return append(dst, "}}}\n"...)
}
