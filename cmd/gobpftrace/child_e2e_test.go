package main

import (
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strconv"
	"testing"
	"time"
)

// TestChildStubInvisible checks that a `pid == cpid` trace of a -c command
// sees only what the command does: the stub the child starts as makes no
// system call after the probes are attached except the return of its
// blocking read and the execve, so none of the calls a Go runtime makes
// (getpid, gettid, tgkill, nanosleep, futex, signal set-up …) nor the
// stub's fcntl may be counted.
func TestChildStubInvisible(t *testing.T) {
	needRoot(t)
	if goruntime.GOARCH != "amd64" {
		t.Skip("the machine-code stub is amd64 only; other architectures re-execute gobpftrace")
	}
	r := runTool(t, invocation{
		args:    []string{"-e", `tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[args.id] = count(); }`, "-c", "/bin/true"},
		timeout: 20 * time.Second,
	})
	expectCode(t, r, 0)
	counts := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^@\[(\d+)\]: (\d+)$`).FindAllStringSubmatch(r.stdout, -1) {
		id, _ := strconv.Atoi(m[1])
		counts[id] = m[2]
	}
	if counts[59] != "1" { // execve
		t.Errorf("execve counted %q times, want 1:\n%v", counts[59], r)
	}
	forbidden := map[int]string{
		13: "rt_sigaction", 14: "rt_sigprocmask", 24: "sched_yield", 35: "nanosleep",
		39: "getpid", 72: "fcntl", 131: "sigaltstack", 186: "gettid", 202: "futex",
		230: "clock_nanosleep", 234: "tgkill",
	}
	for id, name := range forbidden {
		if n, ok := counts[id]; ok {
			t.Errorf("%s (%d) counted %s times for the child: not a call /bin/true makes", name, id, n)
		}
	}
}

// gbtSplit runs the tool with its tracing output in a file (-o), so that
// nothing a -c child writes on the stdout they share can interleave with
// it: r.stdout is then the child's output alone, and the returned string
// is the tracer's.
func gbtSplit(t *testing.T, args ...string) (toolResult, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "trace.out")
	r := gbt(t, append([]string{"-o", out}, args...)...)
	data, err := os.ReadFile(out)
	if err != nil && r.code == 0 {
		t.Errorf("reading the -o file: %v", err)
	}
	return r, string(data)
}
