//go:build linux

package engine

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/runtime/internal/kerneltest"
)

// TestTargets: a command starts stopped (its pid is known, it has not
// run) and runs on Release until it exits, which Done tells; a -p process
// that does not exist is a TargetError; a run without targets has no
// Done channel.
func TestTargets(t *testing.T) {
	kerneltest.RequireRoot(t)
	out := t.TempDir() + "/ran"
	tg, err := StartTargets(&TargetOptions{Command: "/usr/bin/touch " + out})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if tg.Cpid() == 0 || tg.Child() == nil {
		t.Fatalf("cpid %d", tg.Cpid())
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the command ran before Release")
	}
	if warns, err := tg.Release(nil); err != nil || len(warns) != 0 {
		t.Fatalf("Release: %v %v", warns, err)
	}
	select {
	case <-tg.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not end")
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the command did not run: %v", err)
	}

	_, err = StartTargets(&TargetOptions{Pid: 1<<22 + 1})
	var te *TargetError
	if !errors.As(err, &te) {
		t.Errorf("-p of no process: %v, want a TargetError", err)
	}
	none, err := StartTargets(&TargetOptions{})
	if err != nil || none.Done() != nil || none.Cpid() != 0 {
		t.Errorf("no targets: %v, done %v, cpid %d", err, none.Done(), none.Cpid())
	}
}
