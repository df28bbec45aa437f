package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// TestWithProgress: an operation slower than the delay shows its counter
// on a terminal, rewritten in place and erased at the end; a fast one, or
// output that is not a terminal, shows nothing.
func TestWithProgress(t *testing.T) {
	var p runtime.Progress
	var b bytes.Buffer
	withProgress(&b, true, "Detaching probes", &p, 10*time.Millisecond, func() { time.Sleep(250 * time.Millisecond) })
	out := b.String()
	if !strings.HasPrefix(out, "\rDetaching probes: 0/0") || !strings.HasSuffix(out, "\r\033[K") || strings.Count(out, "\rDetaching probes: ") < 2 {
		t.Errorf("slow, terminal: %q", out)
	}
	b.Reset()
	withProgress(&b, true, "Detaching probes", &p, time.Second, func() {})
	withProgress(&b, false, "Detaching probes", &p, 0, func() { time.Sleep(20 * time.Millisecond) })
	if b.Len() != 0 {
		t.Errorf("fast or not a terminal: %q", b.String())
	}
}
