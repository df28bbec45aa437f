package main

import (
	"io"
	"strings"
	"testing"
)

// TestSyscallKstackWarnings: a kernel before 6.12 gets one warning per
// syscalls tracepoint probe that uses kstack (variable or call), at its
// first use; other probes, scripts without kstack, 6.12 and later and an
// unknown release get none, and the release is asked only when needed.
func TestSyscallKstackWarnings(t *testing.T) {
	needRoot(t)
	script := `tracepoint:syscalls:sys_enter_getpid { @u[ustack] = count(); @k[kstack(3)] = count(); @a[kstack] = count(); }
tracepoint:syscalls:sys_enter_getpid, tracepoint:syscalls:sys_exit_getpid { @[kstack] = count(); }
tracepoint:raw_syscalls:sys_enter, tracepoint:sched:sched_switch { @[kstack] = count(); }
tracepoint:syscalls:sys_exit_getppid { @u[ustack] = count(); }`
	c := newSession(&options{}, io.Discard, io.Discard).frontEnd("stdin", script)
	if c == nil {
		t.Fatal("the script does not check")
	}
	asked := 0
	release := func(r string) func() string { return func() string { asked++; return r } }
	ds := syscallKstackWarnings(c.info, release("5.10.0-46-amd64"))
	if asked != 1 {
		t.Errorf("release asked %d times, want once", asked)
	}
	if len(ds) != 2 {
		t.Fatalf("%d warnings, want 2 (one per syscalls probe with kstack): %v", len(ds), ds)
	}
	for i, want := range []string{"kstack(3)", "kstack]"} {
		got := script[ds[i].Span.Start:]
		if !strings.HasPrefix(got, strings.TrimSuffix(want, "]")) || ds[i].Span.Start > strings.Index(script, "\ntracepoint:raw") {
			t.Errorf("warning %d at %q, want the probe's first kstack %q", i, got[:min(len(got), 12)], want)
		}
		if !strings.Contains(ds[i].Msg, "before Linux 6.12 (this kernel is 5.10.0-46-amd64)") {
			t.Errorf("message %q", ds[i].Msg)
		}
	}
	if line := strings.Count(script[:ds[1].Span.Start], "\n") + 1; line != 2 {
		t.Errorf("second warning on line %d, want 2", line)
	}
	for _, r := range []string{"6.12.0-1-amd64", "6.18.0", ""} {
		if ds := syscallKstackWarnings(c.info, release(r)); len(ds) != 0 {
			t.Errorf("release %q: %d warnings, want none", r, len(ds))
		}
	}
	c = newSession(&options{}, io.Discard, io.Discard).frontEnd("stdin", `tracepoint:syscalls:sys_enter_getpid { @[ustack] = count(); }`)
	asked = 0
	if ds := syscallKstackWarnings(c.info, release("5.10.0")); len(ds) != 0 || asked != 0 {
		t.Errorf("no kstack: %d warnings, release asked %d times; want none", len(ds), asked)
	}
}
