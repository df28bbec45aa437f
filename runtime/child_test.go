//go:build linux

package runtime

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSplitCommand(t *testing.T) {
	got := SplitCommand("  /bin/echo  a\tb c ")
	if want := []string{"/bin/echo", "a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestChildStartsStopped(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pid")
	c, err := StartChild([]string{"sh", "-c", "echo $$ > " + out + "; exit 3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Kill(); c.Wait() })
	time.Sleep(100 * time.Millisecond)
	if _, err := os.Stat(out); err == nil {
		t.Fatal("child ran before Release")
	}
	if c.ExitCode() != -1 {
		t.Error("ExitCode before exit")
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err == nil {
		t.Error("second Release: no error")
	}
	c.Wait()
	if code := c.ExitCode(); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); pid != c.Pid() {
		t.Errorf("command ran as pid %d, Pid() = %d", pid, c.Pid())
	}
}

func TestChildKillBeforeRelease(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ran")
	c, err := StartChild([]string{"/bin/sh", "-c", "touch " + out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("shim did not exit after Kill")
	}
	if code := c.ExitCode(); code != 126 {
		t.Errorf("exit code %d, want 126", code)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("command ran although killed before Release")
	}
}

func TestChildKillAfterRelease(t *testing.T) {
	c, err := StartChild([]string{"sleep", "30"}, []string{"PATH=/usr/bin:/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("child did not exit after SIGTERM")
	}
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child status %v, want killed by SIGTERM", c.cmd.ProcessState)
	}
	if err := c.Kill(); err != nil {
		t.Errorf("Kill after exit: %v", err)
	}
}

func TestChildEnvironment(t *testing.T) {
	out := filepath.Join(t.TempDir(), "env")
	c, err := StartChild([]string{"/bin/sh", "-c", "env > " + out}, []string{"FOO=bar", "PATH=/usr/bin:/bin"})
	if err != nil {
		t.Fatal(err)
	}
	c.Release()
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	env := string(data)
	if !strings.Contains(env, "FOO=bar") || strings.Contains(env, childEnvFD) || strings.Contains(env, childEnvPath) {
		t.Errorf("child environment:\n%s", env)
	}
}

func TestChildNotFound(t *testing.T) {
	if _, err := StartChild([]string{"no-such-command-xyz"}, nil); err == nil {
		t.Fatal("no error")
	}
	if _, err := StartChild(nil, nil); err == nil {
		t.Fatal("empty command: no error")
	}
}

func TestSignals(t *testing.T) {
	ctx, stop := Signals(context.Background())
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT not delivered")
	}
}
