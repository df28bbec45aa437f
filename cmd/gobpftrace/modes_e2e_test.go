package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestModeBench: --mode bench runs BEGIN, then times each bench: probe
// (its output discarded), prints the table, then END and the maps; no
// other probe is attached and nothing is announced.
func TestModeBench(t *testing.T) {
	needRoot(t)
	r := gbt(t, "--mode", "bench", "-e", `BEGIN { printf("begin\n"); }
		bench:a { @a = count(); printf("discarded\n"); }
		bench:second { @b = count(); }
		tracepoint:syscalls:sys_enter_getpid { @never = 1; }
		END { printf("end\n"); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`\Abegin\nBenchmark {32}Time\(ns\) {7}Iterations\n-{66}\n`,
		`(?m)^a {40}[1-9]\d* +[1-9]\d*\nsecond {35}[1-9]\d* +[1-9]\d*\nend\n`,
		`(?m)^@a: [1-9]\d*$`, `(?m)^@b: [1-9]\d*$`)
	noMatch(t, "stdout", r.stdout, `discarded`, `@never`)
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}

	r = gbt(t, "-q", "-f", "json", "--bench", "-e", `bench:a { @a++; }`)
	expectCode(t, r, 0)
	line, _, _ := strings.Cut(r.stdout, "\n")
	var msg struct {
		Type string
		Data map[string]struct{ Average, Iters int64 }
	}
	if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.Type != "benchmark_result" || msg.Data["a"].Iters < 2 || msg.Data["a"].Average < 1 {
		t.Errorf("first JSON line %q: %+v, %v", line, msg, err)
	}

	// Without --mode nothing runs them.
	r = gbt(t, "-e", `bench:a { }`)
	expectRun(t, r, 1, "", "ERROR: No probes attached; use --bench to run benchmark probes.\n")
}

// TestModeTest: --test runs each test: probe once; one that calls exit(N)
// or errorf() fails, its output shown; the exit status is 1.
func TestModeTest(t *testing.T) {
	needRoot(t)
	r := gbt(t, "--test", "-e", `test:ok { @t = 1; printf("hidden\n"); }
		test:exits { printf("shown %d\n", 7); exit(3); }
		test:errs { errorf("oops"); }
		test:after { @after = 1; }`)
	expectCode(t, r, 1)
	matchAll(t, "stdout", r.stdout,
		`\A\x1b\[32m\[==========\]\x1b\[0m Running 4 tests\.\n`,
		`(?m)^\x1b\[32m\[       OK \]\x1b\[0m ok \(\d+ (ns|μs|ms)\)$`,
		`(?m)^shown 7\n\x1b\[31m\[  FAILED  \]\x1b\[0m exits `,
		`(?m)^oops\n\x1b\[31m\[  FAILED  \]\x1b\[0m errs `,
		`(?m)^\x1b\[32m\[       OK \]\x1b\[0m after `,
		`(?m)^\x1b\[32m\[  PASSED  \]\x1b\[0m 2 tests\.\n\x1b\[31m\[  FAILED  \]\x1b\[0m 2 tests, listed below:\n.*exits\n.*errs\n`,
		`(?m)^@after: 1$`, `(?m)^@t: 1$`)
	noMatch(t, "stdout", r.stdout, `hidden`)

	r = gbt(t, "-f", "json", "--test", "-e", `test:ok { }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^\{"type": "test_result", "data": \{"ok": \{"duration": \d+, "passed": true, "output": ""\}\}\}\n`)
}
