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
	"errors"
	"flag"
	"fmt"
	"io"
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
	if prebuilt := os.Getenv("GOBPFTRACE_E2E_BIN"); prebuilt != "" {
		// A binary built on the host (cmd/kernels' guests cannot build).
		binDir, binPath = filepath.Dir(prebuilt), prebuilt
		return m.Run()
	}
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

// needTool returns the path of the program name, which the test runs;
// without it the test is skipped, or fails under CI=true (.ci/run
// installs what the tests need).
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if inCI() {
		t.Fatalf("needs %s: %v; CI=true forbids skipping", name, err)
	}
	t.Skipf("needs %s: %v", name, err)
	return ""
}

// compileProgram builds the C or C++ source file src with the compiler cc
// and flags into a program in a temporary directory and returns its path.
func compileProgram(t *testing.T, cc, src string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prog")
	args := append(append([]string{}, flags...), "-o", bin, src)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(cc), err, out)
	}
	return bin
}

// compileC writes the C program source to a temporary file and builds it
// with gcc and flags (skipped without gcc, a failure under CI=true).
func compileC(t *testing.T, source string, flags ...string) string {
	t.Helper()
	cc := needTool(t, "gcc")
	src := filepath.Join(t.TempDir(), "prog.c")
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	return compileProgram(t, cc, src, flags...)
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
	// feed gives during the tool's stdin (runningTool.in) instead of
	// stdin, for interactive sessions.
	feed bool
}

// runningTool is a started tool.
type runningTool struct {
	cmd    *exec.Cmd
	in     io.WriteCloser // the tool's stdin, with invocation.feed
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
	p := &runningTool{cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	if inv.feed {
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.in = in
	} else {
		cmd.Stdin = strings.NewReader(inv.stdin)
	}
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
