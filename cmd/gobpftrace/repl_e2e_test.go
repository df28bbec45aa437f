package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// replSession drives `gobpftrace -i` through its stdin: send writes one
// input, expect waits for text on stdout or stderr.
type replSession struct {
	t *testing.T
	p *runningTool
}

func (s *replSession) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.p.in, line+"\n"); err != nil {
		s.t.Fatalf("writing %q: %v", line, err)
	}
}

func (s *replSession) expect(b *syncBuffer, text string) {
	s.t.Helper()
	if !b.waitFor(text, s.p.done, 20*time.Second) {
		s.t.Fatalf("no %q in the session's output:\n--- stdout:\n%s--- stderr:\n%s", text, s.p.stdout, s.p.stderr)
	}
}

// getpids runs a process named comm that calls getpid n times.
func getpids(t *testing.T, comm string, n int) {
	t.Helper()
	script := fmt.Sprintf(`import ctypes, os
ctypes.CDLL(None).prctl(15, b"%s", 0, 0, 0)
for i in range(%d): os.getpid()
`, comm, n)
	out, err := exec.Command(debianPython(t), "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("getpid caller: %v\n%s", err, out)
	}
}

// programIDs returns the ids of the BPF programs process pid holds.
func programIDs(t *testing.T, pid int) []ebpf.ProgramID {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []ebpf.ProgramID
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "prog_id:"); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					ids = append(ids, ebpf.ProgramID(n))
				}
			}
		}
	}
	return ids
}

// TestREPLPipedSession is the session, piped: counts from the
// first probe, a second probe sharing the session, detaching the first,
// the second's map, :quit printing every map; no program stays loaded.
func TestREPLPipedSession(t *testing.T) {
	needRoot(t)
	const comm = "gbtrepl"
	var ids []ebpf.ProgramID
	r := runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`tracepoint:syscalls:sys_enter_getpid { @calls[comm] = count(); }`)
		s.expect(p.stderr, "[1] attached 1 probe: tracepoint:syscalls:sys_enter_getpid")
		getpids(t, comm, 3)
		s.send(`print(@calls)`)
		s.expect(p.stdout, "@calls["+comm+"]: 3\n")
		s.send(`tracepoint:syscalls:sys_exit_getpid { @rets = count(); }`)
		s.expect(p.stderr, "[2] attached 1 probe: tracepoint:syscalls:sys_exit_getpid")
		ids = programIDs(t, p.cmd.Process.Pid)
		s.send(`:detach 1`)
		s.expect(p.stderr, "[1] detached")
		getpids(t, comm, 4)
		s.send(`:probes`)
		s.expect(p.stdout, "PROBES\n")
		s.send(`print(@calls)`)
		s.send(`printf("mark\n")`)
		s.expect(p.stdout, "mark\n")
		if n := strings.Count(p.stdout.String(), "@calls["+comm+"]: 3\n"); n != 2 {
			t.Errorf("@calls printed %d times with the first probe's count, want 2:\n%s", n, p.stdout)
		}
		s.send(`print(@rets)`)
		s.expect(p.stdout, "@rets: ")
		s.send(`:quit`)
		p.in.Close()
	}})
	expectCode(t, r, 0)
	// After :quit the maps are printed as at the end of a script: @calls
	// kept the first probe's 3, @rets counted while the second was
	// attached (at least this test's 4 calls).
	exit := r.stdout[strings.LastIndex(r.stdout, "\n\n\n")+3:]
	matchAll(t, "exit dump", exit, `(?m)^@calls\[`+comm+`\]: 3$`, `(?m)^@rets: ([4-9]|\d\d+)$`)
	matchAll(t, "stdout", r.stdout, `(?m)^ID +HITS +PROBES\n2 +\d+ +tracepoint:syscalls:sys_exit_getpid\n`)
	if len(ids) < 2 {
		t.Fatalf("the session held %d programs, want 2 or more", len(ids))
	}
	expectProgramsGone(t, ids)
}

// TestREPLStatementsAndErrors: expressions print their value, statements
// run once, errors are positioned and the session goes on; a probe that
// cannot attach leaves the others untouched; maps keep their types.
func TestREPLStatementsAndErrors(t *testing.T) {
	needRoot(t)
	r := runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`1 + 2`)
		s.expect(p.stdout, "3\n")
		s.send(`@limit = 10; printf("limit %d\n", @limit)`)
		s.expect(p.stdout, "limit 10\n")
		s.send(`@limit = "text"`)
		s.expect(p.stderr, "Type mismatch for @limit")
		s.send(`printf("%d\n", nosuchvar)`)
		s.expect(p.stderr, "repl:1:16-25: ERROR:")
		s.send(`interval:ms:100 {`)
		s.send(`  @ticks = count();`)
		s.send(`}`)
		s.expect(p.stderr, "[1] attached 1 probe: interval:ms:100")
		// :maps below lists @ticks with its entry: wait until the
		// interval has fired (the commands in between may take less
		// than its 100 ms).
		for i := 0; !regexp.MustCompile(`(?m)^ticks [1-9]`).MatchString(p.stdout.String()); i++ {
			if i == 100 {
				t.Fatalf("interval:ms:100 did not fire in 10 s:\n%s", p.stdout)
			}
			s.send(`printf("ticks %d\n", @ticks)`)
			time.Sleep(100 * time.Millisecond)
		}
		s.send(`kprobe:no_such_function_xyz { }`)
		s.expect(p.stderr, "no_such_function_xyz")
		// Without kprobes (this machine) attaching fails; the interval
		// probe stays attached either way.
		s.send(`kprobe:vfs_read { @k = count(); }`)
		s.expect(p.stderr, "kprobe:vfs_read")
		s.send(`self:signal:SIGUSR1 { print(1); }`)
		s.expect(p.stderr, "ERROR: self probes do not run in the interactive shell\n")
		s.send(`:nosuch`)
		s.expect(p.stderr, "unknown command :nosuch")
		s.send(`:help`)
		s.expect(p.stdout, ":detach, :d N|all")
		s.send(`:probes`)
		s.expect(p.stdout, "interval:ms:100")
		s.send(`:maps`)
		s.expect(p.stdout, "MAP ")
		s.send(`:asm 1`)
		s.expect(p.stdout, "interval:ms:100 (")
		s.send(`:type 'struct sock'`)
		s.expect(p.stdout, "struct sock_common __sk_common;")
		s.send(`:args tracepoint:syscalls:sys_enter_openat`)
		s.expect(p.stdout, "const char * filename")
		s.send(`:list tracepoint:sched:sched_switc*`)
		s.expect(p.stdout, "tracepoint:sched:sched_switch\n")
		// Ctrl-C (SIGINT) never ends the session.
		p.cmd.Process.Signal(syscall.SIGINT)
		s.send(`2 + 2`)
		s.expect(p.stdout, "4\n")
		s.send(`:quit`)
	}})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@limit: 10$`, `(?m)^@ticks: \d+$`, `(?m)^@ticks +- +count +1$`, `(?m)^@limit +- +int64 +1$`,
		// The interval probe stayed attached whether or not the kprobe
		// could attach.
		`(?m)^1 +\d+ +interval:ms:100$`)
}

// TestREPLTerminate: SIGTERM, SIGHUP and SIGQUIT end a session like
// :quit (END runs, maps are printed, exit status 0, no goroutine dump).
func TestREPLTerminate(t *testing.T) {
	needRoot(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
				s := &replSession{t: t, p: p}
				s.send(`END { printf("end ran\n"); }`)
				s.send(`@kept = 42`)
				s.send(`print(@kept)`)
				s.expect(p.stdout, "@kept: 42\n")
				p.cmd.Process.Signal(sig)
			}})
			expectCode(t, r, 0)
			matchAll(t, "stdout", r.stdout, `(?m)^end ran$`, `(?m)\n\n\n@kept: 42\n$`)
		})
	}
}

// TestREPLSaveLoad: :save writes a runnable script of the session, which
// gobpftrace runs as a script and :load runs inside a session.
func TestREPLSaveLoad(t *testing.T) {
	needRoot(t)
	file := filepath.Join(t.TempDir(), "session.bt")
	r := runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`let @big = lruhash(100);`)
		s.expect(p.stderr, "declared @big")
		s.send(`@start = 7`)
		s.send(`interval:ms:50 { @n = count(); if (@n > 2) { exit(); } }`)
		s.expect(p.stderr, "[1] attached")
		s.send(`:save ` + file)
		s.expect(p.stderr, "saved 1 probe to "+file)
		s.send(`:quit`)
	}})
	expectCode(t, r, 0)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	matchAll(t, "saved script", string(b), `(?m)^let @big = lruhash\(100\);$`, `(?m)^BEGIN \{\n\t@start = 7;\n\}$`, `(?m)^interval:ms:50 \{ @n = count\(\); if \(@n > 2\) \{ exit\(\); \} \}$`)
	r = gbt(t, file)
	expectCode(t, r, 0)
	// exit() ends the script, but the timer may fire once more before the
	// probe is detached on a busy machine.
	matchAll(t, "stdout", r.stdout, `(?m)^@n: [34]$`, `(?m)^@start: 7$`)
	r = runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`:load ` + file)
		s.expect(p.stderr, "exited and detached")
		s.send(`:quit`)
	}})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@start: 7$`)
}

// TestREPLAttachFailurePrintsBEGIN: when a unit's probe cannot attach
// (a sampling rate above the kernel's maximum), the BEGIN that already
// ran still has its output printed, and the session goes on.
func TestREPLAttachFailurePrintsBEGIN(t *testing.T) {
	needRoot(t)
	r := runTool(t, invocation{args: []string{"-i"}, feed: true, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`BEGIN { printf("begin ran\n"); } profile:hz:2000000000 { @u = count(); }`)
		s.expect(p.stderr, "cannot attach profile:hz:2000000000")
		s.send(`printf("mark\n")`)
		s.expect(p.stdout, "mark\n")
		s.send(`:quit`)
	}})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^begin ran\nmark$`)
}

// TestREPLLongInput: a piped line over 1 MiB is reported with its line
// number and skipped, and the session goes on; an input spread over
// 100,000 lines is scanned once, not once per line (0.6 s; rescanning it
// took 28 s).
func TestREPLLongInput(t *testing.T) {
	needRoot(t)
	var in strings.Builder
	in.WriteString("printf(\"before\\n\")\n")
	in.WriteString("// " + strings.Repeat("x", 1<<20) + "\n")
	in.WriteString("printf(\"after\\n\")\nBEGIN {\n")
	for i := 0; i < 100000; i++ {
		in.WriteString("  // a comment line\n")
	}
	in.WriteString("  printf(\"long block\\n\");\n}\n")
	r := runTool(t, invocation{args: []string{"-i"}, stdin: in.String(), timeout: 15 * time.Second})
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `(?m)^ERROR: stdin:2: line longer than 1 MiB, skipped$`)
	matchAll(t, "stdout", r.stdout, `(?m)^before\nafter\nlong block$`)
}

// TestREPLLoadItself: a file that :loads itself is refused once the
// nesting is too deep, and the session goes on.
func TestREPLLoadItself(t *testing.T) {
	needRoot(t)
	file := filepath.Join(t.TempDir(), "self.bt")
	if err := os.WriteFile(file, []byte(":load "+file+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runTool(t, invocation{args: []string{"-i"}, stdin: ":load " + file + "\n20 + 22\n", timeout: 20 * time.Second})
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `(?m)\A^ERROR: :load nested more than 7 deep\n\z`)
	matchAll(t, "stdout", r.stdout, `(?m)^42$`)
}

// TestREPLOutputError: a session whose output cannot be written (a full
// device, a closed pipe) reports the first error once and ends, running
// END, with a failure status; the inputs after the failure are not run.
func TestREPLOutputError(t *testing.T) {
	needRoot(t)
	const in = "END { system(\"echo end ran >&2\"); }\n1 + 2\ninterval:s:1 { }\n"
	for _, c := range []struct {
		name, want string
		stdout     func(t *testing.T) *os.File
	}{
		{"full", "No space left on device", func(t *testing.T) *os.File {
			f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"closed pipe", "Broken pipe", func(t *testing.T) *os.File {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			pr.Close()
			return pw
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := c.stdout(t)
			defer out.Close()
			cmd := exec.Command(binPath, "--unsafe", "-i")
			cmd.Env = toolEnv(nil)
			stderr := newSyncBuffer()
			cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(in), out, stderr
			cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != exitRuntime {
				t.Errorf("exit status %d, want %d\n%s", code, exitRuntime, stderr)
			}
			if got, want := stderr.String(), "[1] attached 0 probes: end\nend ran\nERROR: writing output to /dev/stdout: "+c.want+"\n"; got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// sleepers returns the pids of processes running exactly `sleep secs`.
func sleepers(secs string) []int {
	want := "sleep\x00" + secs + "\x00"
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && string(b) == want {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitSleepers waits until some process runs `sleep secs` (running is
// true) or none does.
func waitSleepers(t *testing.T, secs string, running bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for (len(sleepers(secs)) > 0) != running {
		if time.Now().After(deadline) {
			t.Fatalf("sleep %s: running %v, want %v", secs, !running, running)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestREPLBlockingActions: a system() that blocks never holds the session:
// :detach interrupts the detached probe's command, Ctrl-C (SIGINT) the
// command of the statement being run, and SIGTERM ends the session (END
// runs) while a command runs. No command is left behind.
func TestREPLBlockingActions(t *testing.T) {
	needRoot(t)
	r := runTool(t, invocation{args: []string{"--unsafe", "-i"}, feed: true, timeout: 30 * time.Second, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`END { printf("end ran\n"); }`)
		s.send(`interval:ms:100 { system("sleep 31.25"); }`)
		s.expect(p.stderr, "[2] attached 1 probe: interval:ms:100")
		waitSleepers(t, "31.25", true)
		s.send(`:detach 2`)
		s.expect(p.stderr, "[2] detached")
		waitSleepers(t, "31.25", false)

		s.send(`system("sleep 31.5; echo not interrupted")`)
		waitSleepers(t, "31.5", true)
		p.cmd.Process.Signal(syscall.SIGINT)
		s.send(`printf("after Ctrl-C\n")`)
		s.expect(p.stdout, "after Ctrl-C\n")
		waitSleepers(t, "31.5", false)

		s.send(`system("sleep 31.75")`)
		waitSleepers(t, "31.75", true)
		p.cmd.Process.Signal(syscall.SIGTERM)
	}})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^after Ctrl-C\nend ran\n`)
	if strings.Contains(r.stdout, "not interrupted") {
		t.Errorf("the interrupted command ran on:\n%s", r.stdout)
	}
	waitSleepers(t, "31.75", false)
}

// TestREPLSaveToFIFO: :save to a FIFO nobody reads is an error, not a
// session that hangs.
func TestREPLSaveToFIFO(t *testing.T) {
	needRoot(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runTool(t, invocation{args: []string{"-i"}, stdin: ":save " + fifo + "\n20 + 22\n", timeout: 20 * time.Second})
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `(?m)\A^ERROR: open `+regexp.QuoteMeta(fifo)+`: no such device or address\n\z`)
	matchAll(t, "stdout", r.stdout, `(?m)^42$`)
}

// TestREPLSecondSignal: once the session ends, an END that blocks does not
// hold it: a Ctrl-C (SIGINT) kills it at once.
func TestREPLSecondSignal(t *testing.T) {
	needRoot(t)
	var took time.Duration
	r := runTool(t, invocation{args: []string{"--unsafe", "-i"}, feed: true, timeout: 20 * time.Second, during: func(p *runningTool) {
		s := &replSession{t: t, p: p}
		s.send(`END { system("sleep 3.25"); }`)
		s.expect(p.stderr, "[1] attached")
		s.send(`:quit`)
		waitSleepers(t, "3.25", true)
		p.cmd.Process.Signal(syscall.SIGINT)
		// The END command keeps stderr open until it ends: wait for the
		// process itself, which is a zombie once dead.
		start := time.Now()
		stat := fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid)
		for time.Since(start) < 3*time.Second {
			if b, err := os.ReadFile(stat); err != nil || strings.Contains(string(b), ") Z ") {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		took = time.Since(start)
	}})
	if r.code != -1 || took > time.Second {
		t.Errorf("after :quit and SIGINT: exit status %d, dead after %v; want death by the signal at once", r.code, took)
	}
	// The END command ends on its own.
	waitSleepers(t, "3.25", false)
}
