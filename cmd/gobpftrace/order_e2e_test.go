package main

import (
	"regexp"
	"testing"
)

// Probes on one hook fire in script order, whatever order the kernel runs
// programs of that kind in (runtime's reverseAttachKinds). The -c child
// calls getpid once through libc (or sleeps once, for the kernel's
// hrtimer_nanosleep, which every guest kernel has in BTF).

// checkOrder runs two probes on one hook: the first prints "first", the
// second " second" and ends the trace.
func checkOrder(t *testing.T, first, second, filter, child string) {
	t.Helper()
	prog := first + ` /` + filter + `/ { printf("first"); } ` + second + ` /` + filter + `/ { printf(" second\n"); exit(); }`
	script := tempFile(t, "child.py", child)
	r, out := gbtSplit(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	if !regexp.MustCompile(`(?m)^(first)+ second$`).MatchString(out) {
		t.Errorf("%s: want the first probe's output before the second's:\n%s\n%v", prog, out, r)
	}
}

// TestProbeOrderSameHook: tracepoints (run in attach order by the kernel)
// and uprobes and uretprobes (run last-attached first) on one hook fire in
// script order.
func TestProbeOrderSameHook(t *testing.T) {
	needRoot(t)
	for _, c := range []struct{ first, second, filter string }{
		{"tracepoint:syscalls:sys_enter_getpid", "tracepoint:syscalls:sys_enter_getpid", "pid == cpid"},
		{"uprobe:libc:getpid", "uprobe:libc:getpid", "pid == cpid"},
		{"uretprobe:libc:getpid", "uretprobe:libc:getpid", "pid == cpid"},
	} {
		t.Run(c.first, func(t *testing.T) { checkOrder(t, c.first, c.second, c.filter, "import os\nos.getpid()\n") })
	}
}

// TestGuestProbeOrderKprobe: the same for kprobes and fentry, in guests.
func TestGuestProbeOrderKprobe(t *testing.T) {
	needKprobes(t)
	for _, c := range []struct{ first, second, filter string }{
		{"kprobe:hrtimer_nanosleep", "kprobe:hrtimer_nanosleep", "pid == cpid"},
		{"fentry:hrtimer_nanosleep", "fentry:hrtimer_nanosleep", "pid == cpid"},
	} {
		t.Run(c.first, func(t *testing.T) { checkOrder(t, c.first, c.second, c.filter, "import time\ntime.sleep(0.001)\n") })
	}
}
