package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCat prints files whose paths are formatted from probe values, in
// text and JSON, and reports a missing file without stopping the trace.
func TestCat(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `BEGIN { cat("/proc/sys/kernel/ostype"); cat("/proc/%d/comm", pid); cat("/no/such/%s", "file"); printf("after\n"); exit(); }`)
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "Linux\ngobpftrace\nafter\n") {
		t.Errorf("stdout:\n%s", r)
	}
	matchAll(t, "stderr", r.stderr, `(?m)^ERROR: failed to open file '/no/such/file' \(No such file or directory\)$`)

	r = gbt(t, "-f", "json", "-e", `BEGIN { cat("/proc/sys/kernel/ostype"); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^\{"type": "cat", "data": "Linux\\n"\}$`)
}

// TestSystem runs formatted shell commands with --unsafe (their output
// in order with the script's, JSON "syscall" messages), and refuses them
// without it.
func TestSystem(t *testing.T) {
	needRoot(t)
	r := gbt(t, "--unsafe", "-e", `BEGIN { printf("before\n"); system("echo hello %d %s", 5, "x"); system("exit 3"); printf("after\n"); exit(); }`)
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "before\nhello 5 x\nafter\n") {
		t.Errorf("stdout:\n%s", r)
	}
	r = gbt(t, "-f", "json", "--unsafe", "-e", `BEGIN { system("echo sys"); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^\{"type": "syscall", "data": "sys\\n"\}$`)

	r = gbt(t, "-e", `BEGIN { system("echo hi"); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:9-26: ERROR: system\(\) is an unsafe function being used in safe mode$`)
}

// TestSignal kills the traced child from its own nanosleep: the trace
// ends long before the sleep would have.
func TestSignal(t *testing.T) {
	needRoot(t)
	start := time.Now()
	r := gbt(t, "--unsafe", "-e", `tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { printf("signal %d\n", pid); signal("KILL"); }`, "-c", "/bin/sleep 30")
	expectCode(t, r, 0)
	m := strings.Fields(r.stdout)
	if len(m) < 2 || m[0] != "signal" {
		t.Fatalf("no signal line:\n%s", r)
	}
	if _, err := strconv.Atoi(m[1]); err != nil {
		t.Fatalf("bad pid in %q", r.stdout)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the child was not killed: the trace took %v", d)
	}
}
