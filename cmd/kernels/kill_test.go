package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needGuest skips unless qemu and a fetched 6.1 kernel are on this
// machine (make vm or make kernels fetches it; tests do not download).
func needGuest(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (make vm installs it)")
	}
	if m, _ := filepath.Glob(filepath.Join(defaultCache(), "root", "linux-image-6.1.0-*-amd64_*", ".unpacked")); len(m) == 0 {
		t.Skip("no Linux 6.1 in " + defaultCache() + " (make vm KERNEL=6.1 CMD=true fetches it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("the runner's cache belongs to root")
	}
}

// qemuChild waits for a qemu process whose parent is pid and returns its
// pid.
func qemuChild(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, s := range stats {
			b, err := os.ReadFile(s)
			if err != nil {
				continue
			}
			// pid (comm) state ppid …
			i := bytes.LastIndexByte(b, ')')
			if i < 0 || !bytes.Contains(b[:i], []byte("(qemu-system-x86")) {
				continue
			}
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(pid) {
				child, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
				return child
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the runner started no qemu within 60s")
	return 0
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && len(b) > i+2 && b[i+2] != 'Z'
}

func waitGone(t *testing.T, what string, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL) // do not leave it behind
			t.Fatalf("%s: qemu (pid %d) still runs 5s later", what, pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNoGuestOutlivesRunner starts the runner's vm command and ends the
// runner mid-boot in each way it can end: SIGKILL (nothing of the runner
// runs), SIGTERM, and its own timeout. Each time its qemu is gone.
func TestNoGuestOutlivesRunner(t *testing.T) {
	needGuest(t)
	bin := filepath.Join(t.TempDir(), "kernels")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the runner: %v\n%s", err, out)
	}
	start := func(timeout string) *exec.Cmd {
		cmd := exec.Command(bin, "vm", "-kernel", "6.1", "-timeout", timeout, "--", "sleep", "600")
		cmd.Dir = "../.." // the runner builds ./cmd/kernels/guestinit
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		cmd := start("5m")
		q := qemuChild(t, cmd.Process.Pid)
		time.Sleep(500 * time.Millisecond) // mid-boot
		cmd.Process.Signal(sig)
		cmd.Wait()
		waitGone(t, sig.String(), q)
	}
	cmd := start("4s")
	q := qemuChild(t, cmd.Process.Pid)
	t0 := time.Now()
	err := cmd.Wait()
	if err == nil {
		t.Error("the runner succeeded although its guest timed out")
	}
	if d := time.Since(t0); d > 30*time.Second {
		t.Errorf("the runner's 4s timeout took %v", d)
	}
	waitGone(t, "timeout", q)
}
