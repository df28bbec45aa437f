package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// skipWithoutIterators skips a test whose run r failed because the kernel
// has no BPF task iterators; in a guest that is a failure.
func skipWithoutIterators(t *testing.T, r toolResult) {
	t.Helper()
	if !strings.Contains(r.stderr, "creating iterator") && !strings.Contains(r.stderr, "not available for your kernel version") {
		return
	}
	if inGuest() {
		t.Fatalf("GOBPFTRACE_GUEST=1: this kernel must run task iterators:\n%s", r)
	}
	t.Skipf("this kernel has no BPF task iterators:\n%s", r.stderr)
}

// TestIterTaskListsProcesses: iter:task visits every task once and the
// script ends by itself: this test process is listed with its comm, BEGIN
// runs before and END after the iteration.
func TestIterTaskListsProcesses(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `BEGIN { printf("begin\n"); } iter:task { printf("task %d %s\n", ctx.task->tgid, ctx.task.comm); @n = count(); } END { printf("end\n"); }`)
	skipWithoutIterators(t, r)
	expectCode(t, r, 0)
	me := fmt.Sprintf("task %d %s\n", os.Getpid(), selfComm(t))
	if !strings.Contains(r.stdout, me) {
		t.Errorf("this process (%q) is not listed:\n%s", me, r)
	}
	lines := strings.Count(r.stdout, "\ntask ")
	procs, _ := os.ReadDir("/proc")
	nprocs := 0
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err == nil {
			nprocs++
		}
	}
	if lines < nprocs/2 {
		t.Errorf("iter:task listed %d tasks; /proc has %d processes:\n%s", lines, nprocs, r)
	}
	if !strings.HasPrefix(r.stdout, "begin\n") || !regexp.MustCompile(`\ntask .*\nend\n\n+@n: \d+\n\z`).MatchString(r.stdout) {
		t.Errorf("want BEGIN's line first and END's after the tasks:\n%s", r)
	}
	if want := fmt.Sprintf("@n: %d\n", lines); !strings.HasSuffix(r.stdout, want) {
		t.Errorf("want %q (one program run per task printed):\n%s", want, r)
	}
}

// TestIterTaskFile: iter:task_file visits each open file with its task
// and descriptor: a file this test holds open is seen at its fd.
func TestIterTaskFile(t *testing.T) {
	needRoot(t)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := gbt(t, "-e", `iter:task_file /ctx.task.tgid == $1/ { printf("fd %d flags %d\n", ctx.fd, ctx->file->f_flags); }`, strconv.Itoa(os.Getpid()))
	skipWithoutIterators(t, r)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, fmt.Sprintf(`(?m)^fd %d flags \d+$`, f.Fd()))
}

// TestIterMixedRefused: an iterator can only be combined with BEGIN and
// END, as in bpftrace.
func TestIterMixedRefused(t *testing.T) {
	r := gbt(t, "-e", `iter:task { } tracepoint:syscalls:sys_enter_openat { }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:15-51: ERROR: iter probes cannot be mixed with other probes \(only BEGIN and END\)`)
}
