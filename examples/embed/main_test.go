//go:build linux

package main

import (
	"bytes"
	"os"
	"regexp"
	"testing"
	"time"
)

// TestRun: the embedding program counts its own system calls among the
// others (run as root; skipped otherwise, a failure under CI=true).
func TestRun(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: the tests must run as root")
		}
		t.Skip("needs root (loads BPF programs)")
	}
	done := make(chan struct{})
	go func() {
		// Some system calls of a known process while it counts.
		for {
			select {
			case <-done:
				return
			default:
				os.Getppid()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	defer close(done)
	var out bytes.Buffer
	if err := run(&out, 300*time.Millisecond, 1000); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^embed\.test\s+[1-9]\d*$`).Match(out.Bytes()) {
		t.Errorf("no count of this process (embed.test) in:\n%s", out.String())
	}
}
