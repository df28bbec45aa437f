package main

// End-to-end tests: the real binary, built once in TestMain, run the way a
// user runs it; stdout, stderr and the exit status are compared (exactly
// where the output is deterministic, with patterns otherwise).
//
// Tests that need the kernel (loading programs, tracefs) skip when not run
// as root, unless CI=true: then they fail, so CI cannot pass by skipping.
// Every run gets its own process group; after the tool exits, the group
// (the tool and any -c child) must be empty, otherwise the leftovers are
// killed and the test fails. A BPF program lives only as long as the
// process holding it, so an empty group means nothing of ours stays loaded.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	// binDir holds the binary built by TestMain, named gobpftrace so
	// "#!/usr/bin/env gobpftrace" scripts find it through PATH.
	binDir  string
	binPath string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return m.Run() // go test -list: nothing runs, nothing to build
	}
	dir, err := os.MkdirTemp("", "gobpftrace-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// World-readable so the unprivileged-user tests can execute it.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binDir, binPath = dir, filepath.Join(dir, "gobpftrace")
	// -buildvcs=false: the checkout may belong to another user (git then
	// refuses to report its status), and the binary needs no VCS stamp.
	build := exec.Command(goTool(), "build", "-buildvcs=false", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building gobpftrace:", err)
		return 1
	}
	return m.Run()
}

// goTool returns the go command: $PATH first (the usual case), then the
// toolchain that built this test (sudo may have dropped PATH).
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(goruntime.GOROOT(), "bin", "go")
}

// ---------------------------------------------------------------- helpers

// inCI reports whether skipping kernel tests is forbidden.
func inCI() bool { return os.Getenv("CI") == "true" }

// needRoot skips (or, under CI=true, fails) a test that needs the kernel.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if inCI() {
		t.Fatal("this test loads BPF programs and needs root; CI=true forbids skipping it")
	}
	t.Skip("needs root (loads BPF programs); run the tests as root, or set CI=true to make this a failure")
}

// syncBuffer is a concurrency-safe output buffer that can wait for text.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the buffer contains s, or done is closed, or the
// timeout passes; it reports whether s was seen.
func (b *syncBuffer) waitFor(s string, done <-chan struct{}, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		if strings.Contains(b.String(), s) {
			return true
		}
		select {
		case <-b.changed:
		case <-done:
			return strings.Contains(b.String(), s)
		case <-deadline:
			return false
		}
	}
}

// invocation describes one run of the tool.
type invocation struct {
	path    string   // executable; binPath when empty
	args    []string // arguments
	env     []string // extra environment (KEY=VALUE)
	stdin   string
	timeout time.Duration // default 60s
	cred    *syscall.Credential
	// during, when set, runs while the tool runs; done is closed when the
	// tool has exited.
	during func(p *runningTool)
}

// runningTool is a started tool.
type runningTool struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
}

// toolResult is what a run produced.
type toolResult struct {
	stdout, stderr string
	code           int // -1 when killed by a signal
	elapsed        time.Duration
}

func (r toolResult) String() string {
	return fmt.Sprintf("exit status %d after %v\n--- stdout:\n%s--- stderr:\n%s---", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// toolEnv is the environment for the tool: ours without variables that
// change its behaviour.
func toolEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "BPFTRACE_") || strings.HasPrefix(kv, "__BPFTRACE_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return append(env, extra...)
}

// runTool runs the tool and checks the universal properties: it ended within
// the timeout, left no process behind and printed no Go panic or stack
// trace.
func runTool(t *testing.T, inv invocation) toolResult {
	t.Helper()
	path := inv.path
	if path == "" {
		path = binPath
	}
	timeout := inv.timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	cmd := exec.Command(path, inv.args...)
	cmd.Env = toolEnv(inv.env)
	cmd.Stdin = strings.NewReader(inv.stdin)
	p := &runningTool{cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: inv.cred}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	pgid := cmd.Process.Pid
	waitErr := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		close(p.done)
		waitErr <- err
	}()
	if inv.during != nil {
		inv.during(p)
	}
	var err error
	timedOut := false
	select {
	case err = <-waitErr:
	case <-time.After(timeout):
		timedOut = true
		syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-waitErr
	}
	r := toolResult{stdout: p.stdout.String(), stderr: p.stderr.String(), elapsed: time.Since(start)}
	r.code = cmd.ProcessState.ExitCode()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("waiting for %s: %v", path, err)
	}
	if timedOut {
		t.Fatalf("%s %q did not finish within %v (killed)\n%v", filepath.Base(path), inv.args, timeout, r)
	}
	if left := waitGroupEmpty(pgid, 3*time.Second); len(left) > 0 {
		syscall.Kill(-pgid, syscall.SIGKILL)
		t.Errorf("processes left behind by %q (killed): %v", inv.args, left)
	}
	checkNoPanic(t, r)
	return r
}

// waitGroupEmpty waits until no process is in process group pgid and
// returns the pids still there after the timeout.
func waitGroupEmpty(pgid int, timeout time.Duration) []int {
	deadline := time.Now().Add(timeout)
	for {
		left := processGroup(pgid)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processGroup lists the live (non-zombie) processes in group pgid.
func processGroup(pgid int) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// checkNoPanic fails on Go panics, stack traces and internal errors.
func checkNoPanic(t *testing.T, r toolResult) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", "runtime error", "internal error", "[signal SIG"} {
		if strings.Contains(r.stderr, bad) || strings.Contains(r.stdout, bad) {
			t.Errorf("output contains %q:\n%v", bad, r)
			return
		}
	}
}

// gbt runs the tool with args and the default settings.
func gbt(t *testing.T, args ...string) toolResult {
	t.Helper()
	return runTool(t, invocation{args: args})
}

// expectRun compares a result exactly.
func expectRun(t *testing.T, r toolResult, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || r.stdout != stdout || r.stderr != stderr {
		t.Errorf("got:\n%v\nwant exit status %d\n--- stdout:\n%s--- stderr:\n%s---", r, code, stdout, stderr)
	}
}

// expectCode checks only the exit status.
func expectCode(t *testing.T, r toolResult, code int) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d\n%v", r.code, code, r)
	}
}

// matchAll fails unless text matches every (multi-line mode) pattern.
func matchAll(t *testing.T, what, text string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile("(?m)" + p).MatchString(text) {
			t.Errorf("%s does not match %q:\n%s", what, p, text)
		}
	}
}

// noMatch fails if text matches any pattern.
func noMatch(t *testing.T, what, text string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if regexp.MustCompile("(?m)" + p).MatchString(text) {
			t.Errorf("%s matches %q:\n%s", what, p, text)
		}
	}
}

// oneScreen fails if an error message is longer than a terminal screen.
func oneScreen(t *testing.T, r toolResult) {
	t.Helper()
	if n := strings.Count(r.stderr, "\n"); n > 24 || n == 0 {
		t.Errorf("error output has %d lines, want 1..24:\n%s", n, r.stderr)
	}
	for _, line := range strings.Split(r.stderr, "\n") {
		if len(line) > 400 {
			t.Errorf("error line of %d characters:\n%s", len(line), line)
		}
	}
}

// usageOneScreen is oneScreen for command-line errors, which print the
// usage after the error.
func usageOneScreen(t *testing.T, r toolResult) {
	t.Helper()
	if n := strings.Count(r.stderr, "\n"); n > 24 {
		t.Errorf("a command-line error prints %d lines; the ERROR line scrolls off a 24-line screen", n)
	}
	oneScreen(t, r)
}

// tempFile creates a file with the given content in a directory every user
// can read and returns its path.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// keepBusy makes syscalls (read, openat, getpid …) until done is closed, so
// system-wide probes fire even on an idle machine.
func keepBusy(done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		default:
		}
		for i := 0; i < 50; i++ {
			os.ReadFile("/proc/self/stat")
			syscall.Getpid()
		}
		time.Sleep(time.Millisecond)
	}
}

// whileBusy is an invocation.during that keeps the machine busy.
func whileBusy(p *runningTool) { go keepBusy(p.done) }

// selfComm is the comm of this test process (what the busy goroutine's
// syscalls are counted under).
func selfComm(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(data), "\n")
}

// nobody returns the credentials of an unprivileged user.
func nobody() *syscall.Credential {
	return &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}
}

// ---------------------------------------------------------- exact output

const (
	helloStdout   = "hello 42 x\n\n\n"
	attached1     = "Attached 1 probe\n"
	helloOneLiner = `BEGIN { printf("hello %d %s\n", 42, "x"); exit(); }`
)

// TestBeginExact runs BEGIN-only programs, whose output is deterministic
// (bpftrace 0.17 goldens, converted to the modern format).
func TestBeginExact(t *testing.T) {
	needRoot(t)
	t.Parallel()
	cases := []struct {
		name, prog, stdout, stderr string
		params                     []string
	}{
		{"hello", helloOneLiner, helloStdout, attached1, nil},
		{"hello_modern", `begin { printf("hello %d %s\n", 42, "x"); exit(); }`, helloStdout, attached1, nil},
		{"map_basic", `BEGIN { printf("hello %d %s\n", 42, "x"); @a = 1; @b[1,"x"] = 2; @c = count(); @s = sum(5); @s = sum(7); @av = avg(10); @av = avg(21); @mn = min(3); @mn = min(-2); @mx = max(9); @st = stats(10); @st = stats(20); exit(); }`,
			"hello 42 x\n\n\n@a: 1\n@av: 15\n@b[1, x]: 2\n@c: 1\n@mn: -2\n@mx: 9\n@s: 12\n@st: { .count = 2, .average = 15, .total = 30 }\n", attached1, nil},
		{"map_order", `BEGIN { @zeta = 1; @alpha = 2; @[1] = 3; @Mid = 4; @_u = 5; @beta[1] = 6; exit(); }`,
			"\n\n@[1]: 3\n@Mid: 4\n@_u: 5\n@alpha: 2\n@beta[1]: 6\n@zeta: 1\n", attached1, nil},
		{"end_probe", `BEGIN { @a = 1; @b[1] = 2; exit(); } END { printf("in END\n"); clear(@a); }`,
			"in END\n\n\n@b[1]: 2\n", "Attached 2 probes\n", nil},
		{"hist", `BEGIN { @h = hist(0); @h = hist(1); @h = hist(3); @h = hist(3); @h = hist(1000); exit(); }`,
			"\n\n@h:\n" +
				"[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
				"[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
				"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
				"[4, 8)                 0 |                                                    |\n" +
				"[8, 16)                0 |                                                    |\n" +
				"[16, 32)               0 |                                                    |\n" +
				"[32, 64)               0 |                                                    |\n" +
				"[64, 128)              0 |                                                    |\n" +
				"[128, 256)             0 |                                                    |\n" +
				"[256, 512)             0 |                                                    |\n" +
				"[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
				"\n", attached1, nil},
		{"printf_widths", `BEGIN { printf("[%s] [%10s] [%-10s] [%.3s] [%5d] [%-5d] [%05d] [%c] [%%]\n", "abc", "abc", "abc", "abcdef", 42, 42, 42, 65); exit(); }`,
			"[abc] [       abc] [abc       ] [abc] [   42] [42   ] [00042] [A] [%]\n\n\n", attached1, nil},
		{"empty_maps_print_nothing", `BEGIN { @h = hist(1); clear(@h); @m[1] = 1; delete(@m[1]); exit(); }`, "\n\n", attached1, nil},
		{"positional", `BEGIN { printf("I got %d, %s (%d args)\n", $1, str($2), $#); exit(); }`,
			"I got 42, hello (2 args)\n\n\n", attached1, []string{"42", "hello"}},
		{"positional_missing", `BEGIN { printf("[%s] %d\n", str($1), $#); exit(); }`, "[] 0\n\n\n", attached1, nil},
		{"positional_pointer_arith", `BEGIN { printf("%s\n", str($1 + 1)); exit(); }`, "ello\n\n\n", attached1, []string{"hello"}},
		{"hist_string_keys", `BEGIN { @lat["read"] = hist(10); @lat["read"] = hist(12); @lat["write"] = hist(1000); @lat["a"] = hist(64); @lat["a"] = hist(64); @lat["a"] = hist(64); exit(); }`,
			"\n\n@lat[write]:\n[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n" +
				"@lat[read]:\n[8, 16)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n" +
				"@lat[a]:\n[64, 128)              3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n", attached1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"-e", c.prog}, c.params...)
			expectRun(t, gbt(t, args...), 0, c.stdout, c.stderr)
		})
	}
}

// TestScriptSources runs the hello program from a file, from a shebang
// script found through PATH, and from stdin ("-").
func TestScriptSources(t *testing.T) {
	needRoot(t)
	t.Parallel()
	hello, err := filepath.Abs(filepath.Join(examplesDir, "hello.bt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("file", func(t *testing.T) {
		expectRun(t, gbt(t, hello), 0, helloStdout, attached1)
	})
	t.Run("shebang", func(t *testing.T) {
		expectRun(t, runTool(t, invocation{path: hello}), 0, helloStdout, attached1)
	})
	t.Run("stdin", func(t *testing.T) {
		expectRun(t, runTool(t, invocation{args: []string{"-"}, stdin: helloOneLiner}), 0, helloStdout, attached1)
	})
}

// ------------------------------------------------------------ one-liners

// TestOneLinerOpenat is the -c one-liner in both spellings: it must see the
// child open the file, and end when the child ends.
func TestOneLinerOpenat(t *testing.T) {
	needRoot(t)
	t.Parallel()
	file := tempFile(t, "e2e-open-target", "e2e content\n")
	for _, spelling := range []string{"args.filename", "args->filename"} {
		t.Run(spelling, func(t *testing.T) {
			t.Parallel()
			prog := `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("%s %s\n", comm, str(` + spelling + `)); }`
			r := gbt(t, "-e", prog, "-c", "/bin/cat "+file)
			expectCode(t, r, 0)
			matchAll(t, "stdout", r.stdout, "^cat "+regexp.QuoteMeta(file)+"$", "^e2e content$")
			if r.stderr != attached1 {
				t.Errorf("stderr %q, want %q", r.stderr, attached1)
			}
			t.Run("only_the_command", func(t *testing.T) {
				// Only the command's opens: every traced line is "cat PATH".
				// (The path can be empty when its page is not yet faulted
				// in: bpftrace shows the same.)
				var foreign []string
				for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
					if line != "" && line != "e2e content" && !strings.HasPrefix(line, "cat ") {
						foreign = append(foreign, line)
					}
				}
				if len(foreign) > 0 {
					t.Errorf("lines not from the command: %q", foreign)
				}
			})
		})
	}
}

// TestOneLinerCount is @[comm] = count() stopped by an interval, in both
// interval spellings.
func TestOneLinerCount(t *testing.T) {
	needRoot(t)
	t.Parallel()
	for _, interval := range []string{"interval:s:1", "interval:1s", "interval:ms:500"} {
		t.Run(interval, func(t *testing.T) {
			t.Parallel()
			r := runTool(t, invocation{args: []string{"-e", `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } ` + interval + ` { exit(); }`}, during: whileBusy})
			expectCode(t, r, 0)
			if r.stderr != "Attached 2 probes\n" {
				t.Errorf("stderr %q", r.stderr)
			}
			if !strings.HasPrefix(r.stdout, "\n\n@[") {
				t.Errorf("stdout does not start with the map dump:\n%s", r.stdout)
			}
			matchAll(t, "stdout", r.stdout, `^@\[`+regexp.QuoteMeta(selfComm(t))+`\]: [1-9][0-9]*$`)
			// Sorted by value, ascending.
			var last int64 = -1
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				i := strings.LastIndex(line, "]: ")
				if !strings.HasPrefix(line, "@[") || i < 0 {
					t.Errorf("unexpected line %q", line)
					continue
				}
				n, err := strconv.ParseInt(line[i+3:], 10, 64)
				if err != nil || n < last {
					t.Errorf("line %q: not sorted by count", line)
				}
				last = n
			}
		})
	}
}

// histLine is one bucket of a power-of-two histogram.
const histLine = `^\[[0-9KMGTPE, ]+[\])] +[0-9]+ \|@*` + ` *\|$`

// TestOneLinerHist is hist(args->ret) of sys_exit_read stopped by an
// interval, in both dialects.
func TestOneLinerHist(t *testing.T) {
	needRoot(t)
	t.Parallel()
	for _, prog := range []string{
		`tracepoint:syscalls:sys_exit_read /args->ret > 0/ { @bytes = hist(args->ret); } interval:s:1 { exit(); }`,
		`tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @bytes = hist(args.ret); } interval:1s { exit(); }`,
	} {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			r := runTool(t, invocation{args: []string{"-e", prog}, during: whileBusy})
			expectCode(t, r, 0)
			if r.stderr != "Attached 2 probes\n" {
				t.Errorf("stderr %q", r.stderr)
			}
			if !strings.HasPrefix(r.stdout, "\n\n@bytes:\n") || !strings.HasSuffix(r.stdout, "|\n\n") {
				t.Errorf("stdout is not one histogram:\n%s", r.stdout)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")[1:]
			re := regexp.MustCompile(histLine)
			for _, l := range lines {
				if !re.MatchString(l) {
					t.Errorf("bad histogram line %q", l)
				}
			}
			// /proc/self/stat reads return a few hundred bytes.
			matchAll(t, "stdout", r.stdout, `^\[(64, 128|128, 256|256, 512|512, 1K)\) +[1-9]`)
		})
	}
}

// ---------------------------------------------------------------- examples

// TestExamplesRun runs the example scripts so that they end by themselves.
func TestExamplesRun(t *testing.T) {
	needRoot(t)
	t.Parallel()
	ex := func(name string) string {
		p, err := filepath.Abs(filepath.Join(examplesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	file := tempFile(t, "e2e-example-target", "example content\n")
	t.Run("hello", func(t *testing.T) {
		t.Parallel()
		expectRun(t, gbt(t, ex("hello.bt")), 0, helloStdout, attached1)
	})
	t.Run("opensnoop", func(t *testing.T) {
		t.Parallel()
		r := gbt(t, ex("opensnoop.bt"), "-c", "/bin/cat "+file)
		expectCode(t, r, 0)
		if r.stderr != "Attached 4 probes\n" {
			t.Errorf("stderr %q", r.stderr)
		}
		matchAll(t, "stdout", r.stdout,
			// Not \A: cat's own output may come first.
			`^Tracing openat syscalls\.\.\. Hit Ctrl-C to end\.\nPID     COMM               FD ERR PATH$`,
			`^[0-9]+ +cat +[0-9]+ +0 `+regexp.QuoteMeta(file)+`$`,
			`^example content$`)
		if strings.Contains(r.stdout, "@filename") {
			t.Errorf("@filename printed although END clears it:\n%s", r.stdout)
		}
	})
	t.Run("opensnoop_enoent", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(filepath.Dir(file), "does-not-exist")
		r := gbt(t, ex("opensnoop.bt"), "-c", "/bin/cat "+missing)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^[0-9]+ +cat +-1 +2 `+regexp.QuoteMeta(missing)+`$`)
	})
	t.Run("syscount", func(t *testing.T) {
		t.Parallel()
		// Two and a half seconds: an interval tick is skipped by the kernel
		// when it interrupts another BPF program on its CPU (the
		// bpf_prog_active recursion guard), which happens under the load
		// of the parallel tests; one printed tick is enough.
		r := gbt(t, ex("syscount.bt"), "-c", "/bin/sleep 2.5")
		expectCode(t, r, 0)
		if r.stderr != "Attached 4 probes\n" {
			t.Errorf("stderr %q", r.stderr)
		}
		matchAll(t, "stdout", r.stdout,
			`\ACounting syscalls by process name\.\.\. Hit Ctrl-C to end\.\n`,
			`^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\n@syscalls\[`,
			`^@syscalls\[[^\]]+\]: [1-9][0-9]*$`)
		// END clears the map: no dump after the final blank lines.
		noMatch(t, "stdout", r.stdout, `^@syscalls\[.*\n\n\n@syscalls`)
	})
	t.Run("readlatency", func(t *testing.T) {
		t.Parallel()
		r := runTool(t, invocation{args: []string{ex("readlatency.bt"), "-c", "/bin/sleep 0.5"}, during: whileBusy})
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout,
			`\ATracing read latency \(us\)\.\.\. Hit Ctrl-C to end\.\n`,
			`^@usecs:$`, histLine)
		noMatch(t, "stdout", r.stdout, `^@start`)
	})
}

// ------------------------------------------------------------ bad input

// TestErrorsExact checks rendered diagnostics byte for byte. (Root: like
// bpftrace, the tool checks privileges before it reads the script.)
func TestErrorsExact(t *testing.T) {
	needRoot(t)
	t.Parallel()
	cases := []struct{ name, prog, stderr string }{
		{"unknown_function", `BEGIN { foo(1); }`,
			"stdin:1:9-12: ERROR: Unknown function: foo\nBEGIN { foo(1); }\n        ~~~\n"},
		{"printf_too_few", `BEGIN { printf("%d %d\n", 1); exit(); }`,
			"stdin:1:9-29: ERROR: printf: Not enough arguments for format string (1 supplied, 2 expected)\n" +
				"BEGIN { printf(\"%d %d\\n\", 1); exit(); }\n        ~~~~~~~~~~~~~~~~~~~~\n"},
		{"printf_too_many", `BEGIN { printf("%d\n", 1, 2); exit(); }`,
			"stdin:1:9-29: ERROR: printf: Too many arguments for format string (2 supplied, 1 expected)\n" +
				"BEGIN { printf(\"%d\\n\", 1, 2); exit(); }\n        ~~~~~~~~~~~~~~~~~~~~\n"},
		{"printf_type", `BEGIN { printf("%d\n", "str"); exit(); }`,
			"stdin:1:9-30: ERROR: printf: %d specifier expects a value of type integer (string supplied)\n" +
				"BEGIN { printf(\"%d\\n\", \"str\"); exit(); }\n        ~~~~~~~~~~~~~~~~~~~~~\n"},
		{"syntax", `BEGIN { if (1) printf("x\n"); }`,
			"stdin:1:16-22: ERROR: syntax error, unexpected call, expecting {\nBEGIN { if (1) printf(\"x\\n\"); }\n               ~~~~~~\n"},
		{"unterminated_string", `BEGIN { printf("abc); }`,
			"stdin:1:16-24: ERROR: unterminated string\nBEGIN { printf(\"abc); }\n               ~~~~~~~~\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := gbt(t, "-e", c.prog)
			expectRun(t, r, 1, "", c.stderr)
		})
	}
	t.Run("file_position", func(t *testing.T) {
		t.Parallel()
		path := tempFile(t, "bad.bt", "#!/usr/bin/env gobpftrace\n// comment\nBEGIN\n{\n\tfoo(1);\n}\n")
		r := gbt(t, path)
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `^`+regexp.QuoteMeta(path)+`:5:2-5: ERROR: Unknown function: foo$`, "^ foo\\(1\\);$")
	})
	t.Run("all_errors_reported", func(t *testing.T) {
		t.Parallel()
		r := gbt(t, "-e", `BEGIN { foo(1); bar(2); }`)
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `^stdin:1:9-12: ERROR: Unknown function: foo$`, `^stdin:1:17-20: ERROR: Unknown function: bar$`)
	})
}

// TestErrorsKernel covers bad input whose diagnosis needs the machine.
func TestErrorsKernel(t *testing.T) {
	needRoot(t)
	t.Parallel()
	cases := []struct {
		name, prog string
		patterns   []string
	}{
		{"unknown_tracepoint", `tracepoint:nope:nada { exit(); }`,
			[]string{`^stdin:1:1-21: ERROR: .*nope:nada`, `^tracepoint:nope:nada \{ exit\(\); \}$`, `^~{20}$`}},
		{"unknown_probe_type", `nosuchprobe:foo { exit(); }`,
			[]string{`^stdin:1:1-\d+: ERROR: .*nosuchprobe`}},
		{"unknown_field", `tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args.nofield)); }`,
			[]string{`^stdin:1:\d+-\d+: ERROR: .*'nofield'`, `~~~~`}},
		{"unknown_field_arrow", `tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args->nofield)); }`,
			[]string{`^stdin:1:\d+-\d+: ERROR: .*'nofield'`, `~~~~`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := gbt(t, "-e", c.prog)
			expectCode(t, r, 1)
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			matchAll(t, "stderr", r.stderr, c.patterns...)
			oneScreen(t, r)
		})
	}
}

// TestErrorStackOverflow: a tuple too big for the 512-byte BPF stack is a
// positioned compile error, not a verifier rejection.
func TestErrorStackOverflow(t *testing.T) {
	needRoot(t)
	t.Parallel()
	var elems []string
	for i := 1; i <= 70; i++ {
		elems = append(elems, strconv.Itoa(i))
	}
	prog := `BEGIN { $t = (` + strings.Join(elems, ",") + `); print($t); exit(); }`
	r := gbt(t, "-e", prog)
	expectCode(t, r, 1)
	// The span is in the statement ($t or the tuple), not the probe.
	matchAll(t, "stderr", r.stderr, `^stdin:1:(9|1[0-9])-\d+: ERROR: .*stack`)
	oneScreen(t, r)
}

// TestErrorsUsage covers command-line and environment errors.
func TestErrorsUsage(t *testing.T) {
	t.Parallel()
	usageLine := `^USAGE:`
	t.Run("bad_long_option", func(t *testing.T) {
		t.Parallel()
		r := gbt(t, "--bogus", "-e", helloOneLiner)
		expectCode(t, r, 2)
		if r.stdout != "" {
			t.Errorf("stdout %q", r.stdout)
		}
		matchAll(t, "stderr", r.stderr, `\AERROR: unknown option: --bogus\n`, usageLine)
		usageOneScreen(t, r)
	})
	for _, c := range []struct {
		name string
		args []string
		msg  string
	}{
		{"bad_short_option", []string{"-Z", "-e", helloOneLiner}, `^ERROR: .*-Z`},
		{"missing_value", []string{"-e"}, `^ERROR: .*-e`},
		{"bad_format", []string{"-f", "yaml", "-e", helloOneLiner}, `^ERROR: .*yaml`},
		{"bad_pid", []string{"-p", "abc", "-e", helloOneLiner}, `^ERROR: .*abc`},
		{"bad_dump_stage", []string{"-d", "nonsense", "-e", helloOneLiner}, `^ERROR: .*nonsense`},
		{"no_program", nil, `^ERROR: `},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := gbt(t, c.args...)
			expectCode(t, r, 2)
			matchAll(t, "stderr", r.stderr, `\A`+strings.TrimPrefix(c.msg, "^"), usageLine)
			usageOneScreen(t, r)
		})
	}
	t.Run("missing_script", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "missing.bt")
		r := gbt(t, path)
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `^ERROR: .*`+regexp.QuoteMeta(path)+`.*(?i:no such file or directory)$`)
		oneScreen(t, r)
	})
	t.Run("script_is_directory", func(t *testing.T) {
		t.Parallel()
		r := gbt(t, t.TempDir())
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `^ERROR: .*directory`)
		oneScreen(t, r)
	})
	t.Run("unreadable_script", func(t *testing.T) {
		t.Parallel()
		if os.Geteuid() != 0 {
			t.Skip("needs root to switch to an unprivileged user")
		}
		path := tempFile(t, "secret.bt", helloOneLiner)
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runTool(t, invocation{args: []string{path}, cred: nobody()})
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `^ERROR: .*`+regexp.QuoteMeta(path)+`.*(?i:permission denied)$`)
		oneScreen(t, r)
	})
}

// TestErrorCommandNotFound: -c with a command that does not exist.
func TestErrorCommandNotFound(t *testing.T) {
	needRoot(t)
	t.Parallel()
	for _, cmd := range []string{"/nonexistent/e2e-cmd", "e2e-no-such-command-in-path"} {
		t.Run(filepath.Base(cmd), func(t *testing.T) {
			t.Parallel()
			r := gbt(t, "-e", `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("x\n"); }`, "-c", cmd)
			if r.code == 0 {
				t.Errorf("exit status 0\n%v", r)
			}
			matchAll(t, "stderr", r.stderr, `^ERROR: .*`+regexp.QuoteMeta(cmd))
			oneScreen(t, r)
			t.Run("status", func(t *testing.T) {
				expectCode(t, r, 1)
			})
		})
	}
}

// TestErrorUnprivileged runs as user nobody: a clear message, no panic.
func TestErrorUnprivileged(t *testing.T) {
	t.Parallel()
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = nobody()
	}
	cases := []struct {
		name string
		args []string
	}{
		{"begin", []string{"-e", helloOneLiner}},
		{"tracepoint", []string{"-e", `tracepoint:syscalls:sys_enter_openat { printf("x\n"); exit(); }`}},
		{"list", []string{"-l", "tracepoint:syscalls:sys_enter_openat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runTool(t, invocation{args: c.args, cred: cred})
			if r.code == 0 {
				t.Fatalf("unprivileged run succeeded:\n%v", r)
			}
			matchAll(t, "stderr", r.stderr, `ERROR: `)
			oneScreen(t, r)
			matchAll(t, "stderr", r.stderr, `\AERROR: .*needs root`)
			expectCode(t, r, 1)
		})
	}
}

// ---------------------------------------------------------------- options

// TestNotifyProbesAttached: with __BPFTRACE_NOTIFY_PROBES_ATTACHED set (as
// bpftrace's runtime test suite does), the marker line comes on stdout once
// the probes are attached, before any output of the program.
func TestNotifyProbesAttached(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := runTool(t, invocation{args: []string{"-e", helloOneLiner}, env: []string{"__BPFTRACE_NOTIFY_PROBES_ATTACHED=1"}})
	expectRun(t, r, 0, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n"+helloStdout, attached1)
	t.Run("unset", func(t *testing.T) {
		r := gbt(t, "-e", helloOneLiner)
		if strings.Contains(r.stdout, "__BPFTRACE_NOTIFY_PROBES_ATTACHED") {
			t.Errorf("marker printed without the variable:\n%v", r)
		}
	})
	t.Run("empty_value", func(t *testing.T) {
		r := runTool(t, invocation{args: []string{"-e", helloOneLiner}, env: []string{"__BPFTRACE_NOTIFY_PROBES_ATTACHED="}})
		if !strings.HasPrefix(r.stdout, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n") {
			t.Errorf("marker missing with an empty value:\n%v", r)
		}
	})
}

// TestQuiet: -q drops the "Attached" line and nothing else.
func TestQuiet(t *testing.T) {
	needRoot(t)
	t.Parallel()
	expectRun(t, gbt(t, "-q", "-e", `BEGIN { printf("hi\n"); @x = 1; exit(); }`), 0, "hi\n\n\n@x: 1\n", "")
}

// TestOutputFile: -o FILE receives the tracing output.
func TestOutputFile(t *testing.T) {
	needRoot(t)
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.txt")
	r := gbt(t, "-o", path, "-e", `BEGIN { printf("hi\n"); @x = 1; exit(); }`)
	expectCode(t, r, 0)
	if strings.TrimSpace(r.stdout) != "" {
		t.Errorf("stdout %q, want nothing (output goes to the file)", r.stdout)
	}
	if r.stderr != attached1 {
		t.Errorf("stderr %q", r.stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); !strings.HasPrefix(got, "hi\n") || !strings.HasSuffix(got, "\n@x: 1\n") {
		t.Errorf("file contents %q", got)
	}
	t.Run("unwritable", func(t *testing.T) {
		r := gbt(t, "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "out.txt"), "-e", helloOneLiner)
		if r.code == 0 {
			t.Errorf("exit status 0 for an unwritable -o file\n%v", r)
		}
		matchAll(t, "stderr", r.stderr, `^ERROR: .*out\.txt`)
	})
}

// TestJSON: -f json prints one JSON object per line.
func TestJSON(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := gbt(t, "-f", "json", "-e", `BEGIN { printf("hello %d\n", 5); @x = 1; @c["a"] = count(); @h = hist(5); exit(); }`)
	expectCode(t, r, 0)
	var types []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if line == "" {
			continue
		}
		var msg struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Errorf("not JSON: %q: %v", line, err)
			continue
		}
		types = append(types, msg.Type)
		if msg.Type == "attached_probes" {
			var d struct{ Probes int }
			if err := json.Unmarshal(msg.Data, &d); err != nil || d.Probes != 1 {
				t.Errorf("attached_probes data %s, want probes 1", msg.Data)
			}
		}
	}
	if got, want := strings.Join(types, ","), "attached_probes,printf,map,hist,map"; got != want {
		t.Errorf("message types %s, want %s\n%v", got, want, r)
	}
	matchAll(t, "stdout", r.stdout,
		`^\{"type": "printf", "data": "hello 5\\n"\}$`,
		`^\{"type": "map", "data": \{"@c": \{"a": 1\}\}\}$`,
		`^\{"type": "map", "data": \{"@x": 1\}\}$`,
		`^\{"type": "hist", "data": \{"@h": \[\{"min": 4, "max": 7, "count": 1\}\]\}\}$`)
	if strings.Contains(r.stderr, "Attached") {
		t.Errorf("text attach line in JSON mode: %q", r.stderr)
	}
}

// TestDryRun loads through the verifier and attaches nothing.
func TestDryRun(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := gbt(t, "--dry-run", "-e", helloOneLiner)
	expectCode(t, r, 0)
	if r.stdout != "" {
		t.Errorf("stdout %q: BEGIN must not run in a dry run", r.stdout)
	}
	noMatch(t, "stderr", r.stderr, `^Attached`)
	r = gbt(t, "--dry-run", "-e", `tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args.filename)); }`)
	expectCode(t, r, 0)
}

// TestDump: -d stages print and exit without loading anything, so they
// work without root.
func TestDump(t *testing.T) {
	t.Parallel()
	t.Run("ast", func(t *testing.T) {
		r := gbt(t, "-d", "ast", "-e", helloOneLiner)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^\(program \(probe \(attach "BEGIN"\)`, `printf`)
		if r.stderr != "" {
			t.Errorf("stderr %q", r.stderr)
		}
	})
	t.Run("types", func(t *testing.T) {
		r := gbt(t, "-d", "types", "-e", `BEGIN { @x[1] = 2; $a = 3; @s = "str"; exit(); }`)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^(?i:begin)$`, `^    \$a: int64$`, `^@x\[int64\]: int64$`, `^@s: `)
	})
	t.Run("asm", func(t *testing.T) {
		r := gbt(t, "-d", "asm", "-e", helloOneLiner)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^(?i:begin) \(.*[0-9]+ instructions\)$`, `; line 1: `, `Exit$`)
	})
	t.Run("all", func(t *testing.T) {
		r := gbt(t, "-d", "all", "-e", helloOneLiner)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^\(program`, `^maps$`, `Exit$`)
	})
}

// TestHelpVersion: -h / --help and --version / -V.
func TestHelpVersion(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"-h", "--help"} {
		r := gbt(t, flag)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^USAGE:$`, `^    -e 'program' `, `^    -l \[pattern\]`, `^    --dry-run`)
		if r.stderr != "" {
			t.Errorf("%s: stderr %q", flag, r.stderr)
		}
	}
	for _, flag := range []string{"--version", "-V"} {
		r := gbt(t, flag)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `\Agobpftrace v[0-9]+\.[0-9]+\.[0-9]+.*\n\z`)
	}
}

// TestList: -l and -lv on syscall tracepoints.
func TestList(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := gbt(t, "-l", "tracepoint:syscalls:sys_enter_open*")
	expectCode(t, r, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "tracepoint:syscalls:sys_enter_open") {
			t.Errorf("line %q does not match the pattern", l)
		}
	}
	matchAll(t, "stdout", r.stdout, `^tracepoint:syscalls:sys_enter_openat$`)
	if !sortedStrings(lines) {
		t.Errorf("not sorted:\n%s", r.stdout)
	}

	r = gbt(t, "-lv", "tracepoint:syscalls:sys_enter_openat")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `\Atracepoint:syscalls:sys_enter_openat\n`, `^    const char \* filename$`, `^    int flags$`)

	r = gbt(t, "-l", "tracepoint:e2e_no_such_category:*")
	expectCode(t, r, 0)
	if r.stdout != "" {
		t.Errorf("stdout %q for a pattern matching nothing", r.stdout)
	}
}

func sortedStrings(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] > s[i] {
			return false
		}
	}
	return true
}

// TestSIGINT: a script that would run for a long time is stopped by
// SIGINT; END runs, the maps are printed and the exit status is 0.
func TestSIGINT(t *testing.T) {
	needRoot(t)
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			prog := `tracepoint:raw_syscalls:sys_enter { @c = count(); @n[pid] = count(); } interval:s:100 { printf("tick\n"); } END { printf("end\n"); clear(@n); }`
			r := runTool(t, invocation{
				args:    []string{"-e", prog},
				env:     []string{"__BPFTRACE_NOTIFY_PROBES_ATTACHED=1"},
				timeout: 30 * time.Second,
				during: func(p *runningTool) {
					if !p.stdout.waitFor("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n", p.done, 20*time.Second) {
						return // the run reports what happened
					}
					go keepBusy(p.done)
					time.Sleep(200 * time.Millisecond)
					p.cmd.Process.Signal(sig)
				},
			})
			expectCode(t, r, 0)
			matchAll(t, "stdout", r.stdout, `\A__BPFTRACE_NOTIFY_PROBES_ATTACHED\nend\n\n\n@c: [1-9][0-9]*\n\z`)
			if r.stderr != "Attached 3 probes\n" {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}
}

// TestChildExitEndsTrace: with -c, tracing ends when the command exits,
// even though no probe calls exit().
func TestChildExitEndsTrace(t *testing.T) {
	needRoot(t)
	t.Parallel()
	start := time.Now()
	r := gbt(t, "-e", `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @opens = count(); }`, "-c", "/bin/sleep 0.3")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `\A\n\n@opens: [1-9][0-9]*\n\z`)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("tracing went on for %v after a 0.3 s command", d)
	}
}

// TestBeginRunsFirst: BEGIN runs before the other probes are attached, so
// its output comes first (as in bpftrace).
func TestBeginRunsFirst(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := runTool(t, invocation{args: []string{"-e", `BEGIN { printf("first\n"); } tracepoint:raw_syscalls:sys_enter { printf("tp\n"); } interval:ms:200 { exit(); }`}, during: whileBusy})
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "first\ntp\n") {
		t.Errorf("BEGIN output is not first:\n%.200s", r.stdout)
	}
}
