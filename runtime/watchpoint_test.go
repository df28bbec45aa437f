//go:build linux

package runtime

import (
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWatchpointAttr: the perf attributes of watchpoints: the bp_type bits
// of each mode letter, the watched length, and an execution breakpoint
// watching one instruction word whatever length was written.
func TestWatchpointAttr(t *testing.T) {
	for _, c := range []struct {
		mode        string
		length      uint64
		bpType      uint32
		bpLen       uint64
		expectError bool
	}{
		{"w", 4, hwBreakpointW, 4, false},
		{"rw", 1, hwBreakpointR | hwBreakpointW, 1, false},
		{"r", 2, hwBreakpointR, 2, false},
		{"x", 1, hwBreakpointX, 8, false},
		{"q", 8, 0, 0, true},
	} {
		attr, err := watchpointAttr(0x10000000, c.length, c.mode)
		if c.expectError {
			if err == nil {
				t.Errorf("mode %q: no error", c.mode)
			}
			continue
		}
		if err != nil {
			t.Fatalf("mode %q: %v", c.mode, err)
		}
		if attr.Type != unix.PERF_TYPE_BREAKPOINT || attr.Bp_type != c.bpType || attr.Ext1 != 0x10000000 || attr.Ext2 != c.bpLen || attr.Sample != 1 {
			t.Errorf("mode %q length %d: %+v, want bp_type %d bp_len %d", c.mode, c.length, attr, c.bpType, c.bpLen)
		}
	}
}

// TestProcessThreads lists this process's threads: its main thread (the
// pid) among them.
func TestProcessThreads(t *testing.T) {
	tids, err := processThreads(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tids, os.Getpid()) || !slices.IsSorted(tids) {
		t.Errorf("threads %v: want sorted, with the main thread %d", tids, os.Getpid())
	}
	if _, err := processThreads(-5); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
