package main

// End-to-end tests of how gobpftrace ends: on signals, when its output
// cannot be written, and what becomes of the -c child then. The child's
// pid is printed by the script (cpid) and checked by pid, never by name.

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// firstLine waits for the first complete line of the tool's stdout.
func firstLine(t *testing.T, p *runningTool) string {
	t.Helper()
	if !p.stdout.waitFor("\n", p.done, 20*time.Second) {
		t.Errorf("no output line; stderr:\n%s", p.stderr.String())
		return ""
	}
	line, _, _ := strings.Cut(p.stdout.String(), "\n")
	return line
}

// watchProcess returns a pidfd of pid (a process the tool started); at the
// end of the test the process is killed if still there and the pidfd
// closed.
func watchProcess(t *testing.T, pid int) int {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd of %d: %v", pid, err)
	}
	t.Cleanup(func() {
		unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		unix.Close(fd)
	})
	return fd
}

// processGone waits up to timeout for the process behind pidfd to exit.
func processGone(fd int, timeout time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Poll(fds, int(timeout/time.Millisecond))
	return n == 1
}

// childScript starts a -c child and prints its pid once, then keeps
// tracing; END and a map show whether teardown ran.
const childScript = `BEGIN { @start = 1; printf("%d\n", cpid); } interval:ms:20 { @ticks = count(); } END { printf("end\n"); }`

// TestSignalsEndCleanly checks that SIGINT, SIGTERM, SIGHUP and SIGQUIT
// all end tracing the same way: END runs, the maps are printed, no Go
// goroutine dump, exit status 0, and the -c child is gone.
func TestSignalsEndCleanly(t *testing.T) {
	needRoot(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			var childFD int
			r := runTool(t, invocation{
				args:    []string{"-e", childScript, "-c", "sleep 30"},
				timeout: 20 * time.Second,
				during: func(p *runningTool) {
					pid, err := strconv.Atoi(firstLine(t, p))
					if err != nil {
						p.cmd.Process.Kill()
						return
					}
					childFD = watchProcess(t, pid)
					p.cmd.Process.Signal(sig)
				},
			})
			expectCode(t, r, 0)
			matchAll(t, "stdout", r.stdout, `^end$`, `^@start: 1$`)
			if childFD != 0 && !processGone(childFD, 0) {
				t.Error("the -c child outlived gobpftrace")
			}
		})
	}
}

// TestSigkillKillsChild checks the parent-death signal: when gobpftrace is
// killed outright, its -c child dies too.
func TestSigkillKillsChild(t *testing.T) {
	needRoot(t)
	var childFD int
	runTool(t, invocation{
		args:    []string{"-e", childScript, "-c", "sleep 30"},
		timeout: 20 * time.Second,
		during: func(p *runningTool) {
			pid, err := strconv.Atoi(firstLine(t, p))
			if err == nil {
				childFD = watchProcess(t, pid)
			}
			p.cmd.Process.Kill()
		},
	})
	if childFD != 0 && !processGone(childFD, 3*time.Second) {
		t.Error("the -c child survived gobpftrace's SIGKILL")
	}
}

// TestClosedPipe is `gobpftrace … -c 'sleep 30' | head -2`: when the
// reader of stdout goes away, gobpftrace reports the broken pipe once,
// tears down, kills its child and exits non-zero.
func TestClosedPipe(t *testing.T) {
	needRoot(t)
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	cmd := exec.Command(binPath, "-e", `interval:ms:10 { printf("%d\n", cpid); }`, "-c", "sleep 30")
	cmd.Env = toolEnv(nil)
	stderr := newSyncBuffer()
	cmd.Stdout, cmd.Stderr = wr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	pgid := cmd.Process.Pid
	t.Cleanup(func() {
		if left := waitGroupEmpty(pgid, 3*time.Second); len(left) > 0 {
			syscall.Kill(-pgid, syscall.SIGKILL)
			t.Errorf("processes left behind (killed): %v", left)
		}
	})
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()

	// head -2
	sc := bufio.NewScanner(rd)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	rd.Close()
	if len(lines) < 2 {
		cmd.Process.Kill()
		<-waitErr
		t.Fatalf("got %q before EOF; stderr:\n%s", lines, stderr.String())
	}
	pid, err := strconv.Atoi(lines[0])
	if err != nil {
		t.Fatalf("first line %q is not the child's pid", lines[0])
	}
	childFD, perr := unix.PidfdOpen(pid, 0)
	select {
	case <-waitErr:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-waitErr
		t.Fatalf("gobpftrace still running 15s after its stdout was closed; stderr:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code <= 0 {
		t.Errorf("exit status %d (%v), want non-zero", code, cmd.ProcessState)
	}
	if n := strings.Count(stderr.String(), "ERROR:"); n != 1 || !strings.Contains(stderr.String(), "Broken pipe") {
		t.Errorf("want exactly one broken-pipe error; stderr:\n%s", stderr.String())
	}
	checkNoPanic(t, toolResult{stderr: stderr.String()})
	if perr == nil {
		defer unix.Close(childFD)
		if !processGone(childFD, 0) {
			t.Error("the -c child outlived gobpftrace")
		}
	}
}

// TestOutputFull checks that a write error on the output (here ENOSPC) is
// reported exactly once and makes the exit status non-zero, for -o and for
// stdout.
func TestOutputFull(t *testing.T) {
	needRoot(t)
	const script = `BEGIN { printf("x\n"); exit(); } END { printf("end\n"); }`
	r := gbt(t, "-o", "/dev/full", "-e", script)
	expectRun(t, r, exitRuntime, "", "Attached 2 probes\nERROR: writing output to /dev/full: No space left on device\n")

	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	cmd := exec.Command(binPath, "-e", script)
	cmd.Env = toolEnv(nil)
	stderr := newSyncBuffer()
	cmd.Stdout, cmd.Stderr = full, stderr
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitRuntime {
		t.Errorf("stdout on /dev/full: exit status %d, want %d", code, exitRuntime)
	}
	if got, want := stderr.String(), "Attached 2 probes\nERROR: writing output to /dev/stdout: No space left on device\n"; got != want {
		t.Errorf("stdout on /dev/full: stderr\n%s\nwant\n%s", got, want)
	}
}

// TestChildIgnoringSIGTERM checks that a -c child that ignores SIGTERM is
// killed after the grace period instead of outliving gobpftrace. The
// script exits once the command sleeps, i.e. after it set up the ignore.
func TestChildIgnoringSIGTERM(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "stubborn.sh", "#!/bin/sh\ntrap '' TERM\nexec sleep 30\n")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runTool(t, invocation{
		args: []string{"-e", `BEGIN { printf("%d\n", cpid); }
tracepoint:raw_syscalls:sys_enter /pid == cpid && (args.id == 35 || args.id == 230)/ { exit(); }`,
			"-c", script},
		timeout: 20 * time.Second,
	})
	expectCode(t, r, 0)
	if r.elapsed < 900*time.Millisecond {
		t.Errorf("ended after %v: the child cannot have had its grace period", r.elapsed)
	}
	// runTool checked that no process of the group (the child) is left.
}

// TestSigusr1PrintsMaps checks that SIGUSR1 prints every map as at exit
// and that tracing goes on afterwards.
func TestSigusr1PrintsMaps(t *testing.T) {
	needRoot(t)
	r := runTool(t, invocation{
		args:    []string{"-e", `BEGIN { @a = 42; } interval:ms:20 { @n = count(); printf("tick\n"); }`},
		timeout: 20 * time.Second,
		during: func(p *runningTool) {
			if !p.stdout.waitFor("tick\n", p.done, 20*time.Second) {
				return
			}
			p.cmd.Process.Signal(syscall.SIGUSR1)
			if !p.stdout.waitFor("@a: 42\n", p.done, 10*time.Second) {
				t.Error("no map dump after SIGUSR1")
			}
			// Tracing continues: more ticks after the dump.
			_, after, _ := strings.Cut(p.stdout.String(), "@a: 42\n")
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(after, "tick\n") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
				_, after, _ = strings.Cut(p.stdout.String(), "@a: 42\n")
			}
			if !strings.Contains(after, "tick\n") {
				t.Error("no events after the SIGUSR1 dump")
			}
			p.cmd.Process.Signal(syscall.SIGINT)
		},
	})
	expectCode(t, r, 0)
	if n := strings.Count(r.stdout, "@a: 42\n"); n != 2 {
		t.Errorf("@a printed %d times, want 2 (SIGUSR1 and exit):\n%s", n, r.stdout)
	}
}

// TestSigintDuringSystem checks that SIGINT ends tracing promptly while a
// system() command blocks the printer, and that the command is stopped:
// while tracing, and in a BEGIN-only script (where the wait for events is
// already over when the command runs).
func TestSigintDuringSystem(t *testing.T) {
	needRoot(t)
	const begin = `BEGIN { system("echo pid $$ >&2; exec sleep 5"); }`
	for name, script := range map[string]string{"tracing": begin + " interval:s:100 { }", "BEGIN only": begin} {
		t.Run(name, func(t *testing.T) {
			var sent time.Time
			var cmdFD int
			r := runTool(t, invocation{
				args:    []string{"--unsafe", "-e", script},
				timeout: 20 * time.Second,
				during: func(p *runningTool) {
					pid := stderrPid(p)
					if pid > 0 {
						cmdFD = watchProcess(t, pid)
					}
					sent = time.Now()
					p.cmd.Process.Signal(syscall.SIGINT)
				},
			})
			expectCode(t, r, 0)
			if took := time.Since(sent); took > 2*time.Second {
				t.Errorf("gobpftrace took %v to end after SIGINT", took)
			}
			if cmdFD == 0 {
				t.Errorf("the system() command did not print its pid:\n%v", r)
			} else if !processGone(cmdFD, 0) {
				t.Error("the system() command outlived gobpftrace")
			}
		})
	}
}

// stderrPid waits for a "pid N" line on the tool's stderr and returns N
// (0 if none comes).
func stderrPid(p *runningTool) int {
	if !p.stderr.waitFor("pid ", p.done, 20*time.Second) {
		return 0
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, rest, _ := strings.Cut(p.stderr.String(), "pid ")
		if line, ok := strings.CutSuffix(strings.SplitAfterN(rest, "\n", 2)[0], "\n"); ok {
			pid, _ := strconv.Atoi(line)
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0
}

// TestSigintDuringCat checks that SIGINT ends tracing promptly while cat()
// waits for data from a pipe that never comes.
func TestSigintDuringCat(t *testing.T) {
	needRoot(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A writer that never writes: cat() neither sees EOF nor data.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var sent time.Time
	r := runTool(t, invocation{
		args:    []string{"-e", `BEGIN { cat("` + fifo + `"); } interval:s:100 { }`},
		timeout: 20 * time.Second,
		during: func(p *runningTool) {
			p.stderr.waitFor("Attached", p.done, 20*time.Second)
			time.Sleep(100 * time.Millisecond) // the printer is in cat()
			sent = time.Now()
			p.cmd.Process.Signal(syscall.SIGINT)
		},
	})
	expectCode(t, r, 0)
	if took := time.Since(sent); took > 2*time.Second {
		t.Errorf("gobpftrace took %v to end after SIGINT", took)
	}
}

// TestSigquitWhileLoading sends SIGQUIT as soon as the first BPF program
// of gobpftrace exists, while it loads the others (one per system call):
// it must stop before anything runs, quietly, with status 0, without Go's
// goroutine dump and without leaving anything behind.
func TestSigquitWhileLoading(t *testing.T) {
	needRoot(t)
	r := runTool(t, invocation{
		args:    []string{"-e", `tracepoint:syscalls:sys_enter_* { @[probe] = count(); } END { printf("end\n"); }`, "-c", "sleep 30"},
		timeout: 30 * time.Second,
		during: func(p *runningTool) {
			fdDir := "/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/fd"
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) && !hasBPFProg(fdDir) {
				select {
				case <-p.done:
					return
				default:
				}
				time.Sleep(200 * time.Microsecond)
			}
			p.cmd.Process.Signal(syscall.SIGQUIT)
		},
	})
	expectRun(t, r, 0, "", "")
}

// hasBPFProg reports whether a process (its /proc/PID/fd) holds a BPF
// program.
func hasBPFProg(fdDir string) bool {
	ents, _ := os.ReadDir(fdDir)
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && target == "anon_inode:bpf-prog" {
			return true
		}
	}
	return false
}

// TestSelfSignalProbes checks self:signal:SIGUSR1: each SIGUSR1 runs the
// script's signal probes in script order in the tracer (probe names them),
// and then the maps are not dumped (only at exit); exit() in one ends
// tracing.
func TestSelfSignalProbes(t *testing.T) {
	needRoot(t)
	const script = `BEGIN { printf("ready\n"); }
		self:signal:SIGUSR1 { printf("first"); }
		self:signal:SIGUSR1 { @n += 1; printf(" second %s %d\n", probe, @n); if (@n == 2) { exit(); } }`
	r := runTool(t, invocation{
		args:    []string{"-e", script},
		timeout: 20 * time.Second,
		during: func(p *runningTool) {
			for _, want := range []string{"ready\n", "first second self:signal:SIGUSR1 1\n"} {
				if !p.stdout.waitFor(want, p.done, 10*time.Second) {
					t.Errorf("no %q; stderr:\n%s", want, p.stderr.String())
					p.cmd.Process.Kill()
					return
				}
				p.cmd.Process.Signal(syscall.SIGUSR1)
			}
		},
	})
	expectCode(t, r, 0)
	want := "ready\nfirst second self:signal:SIGUSR1 1\nfirst second self:signal:SIGUSR1 2\n\n\n@n: 2\n"
	if r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	matchAll(t, "stderr", r.stderr, `^Attached 3 probes\n`)
}
