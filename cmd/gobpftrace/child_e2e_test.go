package main

import (
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
