package engine

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime/internal/kerneltest"
)

// checked parses and checks script against the running kernel.
func checked(t *testing.T, script string) *Script {
	t.Helper()
	s, err := Parse("stdin", script)
	if err == nil {
		err = s.Check(&Options{})
	}
	if err != nil {
		t.Fatalf("the script does not check:\n%v", err)
	}
	return s
}

// TestSyscallKstackWarnings: a kernel before 6.12 gets one warning per
// syscalls tracepoint probe that uses kstack (variable or call), at its
// first use; other probes, scripts without kstack, 6.12 and later and an
// unknown release get none, and the release is asked only when needed.
func TestSyscallKstackWarnings(t *testing.T) {
	kerneltest.RequireRoot(t)
	script := `tracepoint:syscalls:sys_enter_getpid { @u[ustack] = count(); @k[kstack(3)] = count(); @a[kstack] = count(); }
tracepoint:syscalls:sys_enter_getpid, tracepoint:syscalls:sys_exit_getpid { @[kstack] = count(); }
tracepoint:raw_syscalls:sys_enter, tracepoint:sched:sched_switch { @[kstack] = count(); }
tracepoint:syscalls:sys_exit_getppid { @u[ustack] = count(); }`
	c := checked(t, script)
	asked := 0
	release := func(r string) func() string { return func() string { asked++; return r } }
	ds := syscallKstackWarnings(c.Info, release("5.10.0-46-amd64"))
	if asked != 1 {
		t.Errorf("release asked %d times, want once", asked)
	}
	if len(ds) != 2 {
		t.Fatalf("%d warnings, want 2 (one per syscalls probe with kstack): %v", len(ds), ds)
	}
	// The first probe's first kstack is kstack(3) on line 1; the second
	// probe's is on line 2.
	for i, want := range []struct {
		text string
		line int
	}{{"kstack(3)", 1}, {"kstack]", 2}} {
		got := script[ds[i].Span.Start:]
		if line := strings.Count(script[:ds[i].Span.Start], "\n") + 1; !strings.HasPrefix(got, want.text) || line != want.line {
			t.Errorf("warning %d on line %d at %q, want line %d at %q", i, line, got[:min(len(got), 12)], want.line, want.text)
		}
		if !strings.Contains(ds[i].Msg, "before Linux 6.12 (this kernel is 5.10.0-46-amd64)") {
			t.Errorf("message %q", ds[i].Msg)
		}
	}
	for _, r := range []string{"6.12.0-1-amd64", "6.18.0", ""} {
		if ds := syscallKstackWarnings(c.Info, release(r)); len(ds) != 0 {
			t.Errorf("release %q: %d warnings, want none", r, len(ds))
		}
	}
	c = checked(t, `tracepoint:syscalls:sys_enter_getpid { @[ustack] = count(); }`)
	asked = 0
	if ds := syscallKstackWarnings(c.Info, release("5.10.0")); len(ds) != 0 || asked != 0 {
		t.Errorf("no kstack: %d warnings, release asked %d times; want none", len(ds), asked)
	}
}
