package main

import (
	"regexp"
	"strconv"
	"testing"
)

// TestPidNamespace runs gobpftrace in a PID namespace of its own, as in a
// container: pid and tid are the ids that namespace sees (BEGIN runs on
// the main thread, so both are 1), pid(init) and tid(init) those of the
// initial namespace, `pid == cpid` finds the -c child, and its user stack
// is symbolized.
func TestPidNamespace(t *testing.T) {
	needRoot(t)
	unshare := needTool(t, "unshare")
	ns := func(args ...string) []string {
		return append([]string{"--fork", "--pid", "--mount-proc", binPath}, args...)
	}
	r := runTool(t, invocation{path: unshare, args: ns("-e", `BEGIN { printf("%d, %d, %d, %d, %d, %d\n", pid, pid(curr_ns), pid(init), tid, tid(curr_ns), tid(init)); exit(); }`)})
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^1, 1, (\d+), 1, 1, (\d+)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("want pid and tid 1 in the namespace:\n%v", r)
	}
	if init, _ := strconv.Atoi(m[1]); init <= 1 || m[1] != m[2] {
		t.Errorf("pid(init) %s, tid(init) %s: want the same id, not 1", m[1], m[2])
	}
	python := debianPython(t)
	script := tempFile(t, "gp.py", "import os\nfor i in range(3): os.getpid()\n")
	r = runTool(t, invocation{path: unshare, args: ns("-q", "-e", `tracepoint:syscalls:sys_enter_getpid /pid == cpid/ { @n = count(); }`, "-c", python+" "+script)})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@n: 3$`)
	// User stacks are resolved through the namespace's /proc (the child
	// lingers so its mappings are there when the stack is printed).
	lingering := tempFile(t, "gp_sleep.py", "import os, time\nos.getpid()\ntime.sleep(10)\n")
	r = runTool(t, invocation{path: unshare, args: ns("-q", "-e", `uprobe:libc:getpid /pid == cpid/ { print(ustack(1)); exit(); }`, "-c", python+" "+lingering)})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^\s+_*getpid\+0$`)
}
