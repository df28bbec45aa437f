//go:build linux

package runtime

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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
	if !strings.Contains(env, "FOO=bar") || strings.Contains(env, "GOBPFTRACE") {
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

// TestChildKillEscalates checks that a command ignoring SIGTERM is killed
// with SIGKILL KillGrace after Kill, so Wait never blocks for longer.
func TestChildKillEscalates(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	c, err := StartChild([]string{"/bin/sh", "-c", "trap '' TERM; touch " + ready + "; exec sleep 30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.Wait() })
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, ready)
	start := time.Now()
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(KillGrace + 5*time.Second):
		t.Fatal("child ignoring SIGTERM still alive long after the grace period")
	}
	if took := time.Since(start); took < KillGrace*9/10 {
		t.Errorf("child gone after %v, before the grace period %v", took, KillGrace)
	}
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("child status %v, want killed by SIGKILL", c.cmd.ProcessState)
	}
}

// TestChildExecFailure checks the stub's exit status 127 when the command
// cannot be executed after all (here: removed before Release).
func TestChildExecFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cmd")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := StartChild([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Kill(); c.Wait() })
	os.Remove(path)
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	c.Wait()
	if code := c.ExitCode(); code != 127 {
		t.Errorf("exit code %d, want 127", code)
	}
}

// TestChildBlockedOnGate checks that StartChild returns only once the
// child sleeps in read on its gate, having made no other system call since
// (its /proc/PID/syscall shows the read).
func TestChildBlockedOnGate(t *testing.T) {
	c, err := StartChild([]string{"/bin/true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Kill(); c.Wait() })
	data, err := os.ReadFile("/proc/" + strconv.Itoa(c.Pid()) + "/syscall")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(data)); len(f) < 2 || f[0] != strconv.Itoa(unix.SYS_READ) || f[1] != "0x3" {
		t.Errorf("child not blocked in read(3): /proc/PID/syscall = %q", data)
	}
}

// TestChildDiesWithParent checks the parent-death signal: when the process
// that started the child is killed with SIGKILL (no teardown at all), the
// child dies too, before and after Release.
func TestChildDiesWithParent(t *testing.T) {
	for _, mode := range []string{"stopped", "released"} {
		t.Run(mode, func(t *testing.T) {
			parent := exec.Command(os.Args[0], "-test.run=^TestChildParentHelper$")
			parent.Env = append(os.Environ(), "GOBPFTRACE_TEST_PARENT="+mode)
			out, err := parent.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := parent.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { parent.Process.Kill(); parent.Wait() })
			line, err := bufio.NewReader(out).ReadString('\n')
			pid, perr := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "child "))
			if err != nil || perr != nil {
				t.Fatalf("helper printed %q: %v", line, err)
			}
			fd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
				unix.Close(fd)
			})
			parent.Process.Kill()
			parent.Wait()
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if n, _ := unix.Poll(fds, 5000); n != 1 {
				t.Fatalf("child %d (%s) still alive 5s after its parent was killed", pid, mode)
			}
		})
	}
}

// TestChildParentHelper is the parent process of TestChildDiesWithParent;
// it is skipped in a normal run.
func TestChildParentHelper(t *testing.T) {
	mode := os.Getenv("GOBPFTRACE_TEST_PARENT")
	if mode == "" {
		t.Skip("helper process of TestChildDiesWithParent")
	}
	c, err := StartChild([]string{"sleep", "30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mode == "released" {
		c.Release()
	}
	fmt.Printf("child %d\n", c.Pid())
	time.Sleep(30 * time.Second)
}

// waitFile waits until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not created", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
