package main

import (
	"strings"
	"testing"
	"time"
)

// TestLostEventsReport overflows the ring buffer on purpose: BEGIN's
// system() holds the printer until the -c command has exited, after it made
// 200k traced system calls whose records (about 100 bytes each) are far
// more than the ring holds, so the loss does not depend on timing. In text
// mode the "Lost N events" line goes to stderr, out of the trace; in JSON
// mode the lost_events message is part of the output.
func TestLostEventsReport(t *testing.T) {
	needRoot(t)
	prog := `BEGIN { system("while kill -0 %d 2>/dev/null; do sleep 0.05; done", cpid); } tracepoint:raw_syscalls:sys_enter /pid == cpid/ { printf("%d %s %s %s %s\n", args.id, comm, comm, comm, comm); }`
	child := "dd if=/dev/zero of=/dev/null bs=1 count=100000 status=none"
	r := runTool(t, invocation{args: []string{"--unsafe", "-e", prog, "-c", child}, timeout: 60 * time.Second})
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^Lost [1-9]\d* events$`)
	noMatch(t, "stdout", r.stdout, `Lost`)

	r = runTool(t, invocation{args: []string{"--unsafe", "-f", "json", "-e", prog, "-c", child}, timeout: 60 * time.Second})
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, `"type": "lost_events"`) {
		t.Errorf("no lost_events message in the JSON output; stderr:\n%s", r.stderr)
	}
	noMatch(t, "stderr", r.stderr, `Lost`)
}
