package main

// End-to-end checks of command-line options and signals.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
	// A zeroed histogram is an empty one (bpftrace's outputs/hist_zero.json).
	r = gbt(t, "-f", "json", "-e", `BEGIN { @hist = hist(2); zero(@hist); @h = lhist(2, 0, 100, 10); zero(@h); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^\{"type": "hist", "data": \{"@hist": \[\]\}\}$`, `(?m)^\{"type": "hist", "data": \{"@h": \[\]\}\}$`)
}

// TestDryRun: --dry-run is bpftrace's: load and attach every probe, then
// stop, printing nothing (BEGIN does not run). --verify-only loads through
// the verifier and attaches nothing.
func TestDryRun(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := gbt(t, "--dry-run", "-e", helloOneLiner)
	expectRun(t, r, 0, "", "")
	r = gbt(t, "--dry-run", "-e", `tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args.filename)); }`)
	expectRun(t, r, 0, "", "")
	r = gbt(t, "--verify-only", "-e", helloOneLiner)
	expectRun(t, r, 0, "", "1 programs loaded and verified (--verify-only: nothing attached)\n")
	if kprobesMissing() {
		// Attaching is part of a dry run: a probe this kernel cannot attach
		// fails it, with the failure status.
		r = gbt(t, "--dry-run", "-e", "kprobe:tcp_set_state { @ = count(); }")
		expectCode(t, r, exitRuntime)
		matchAll(t, "stderr", r.stderr, `^stdin:1:1-21: ERROR: cannot attach kprobe:tcp_set_state`)
		r = gbt(t, "--verify-only", "-e", "kprobe:tcp_set_state { @ = count(); }")
		expectCode(t, r, 0)
	}
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
		matchAll(t, "stdout", r.stdout, `^(?i:begin)$`, `^    \$a: int8$`, `^@x\[int8\]: int8$`, `^@s: `)
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
		matchAll(t, "stdout", r.stdout, `^USAGE:$`, `^    -e 'program' `, `^    -l, --list \[pattern\]`, `^    --dry-run`)
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

// TestPidExit: with -p, tracing ends when the process exits; a process
// that does not exist is an error.
func TestPidExit(t *testing.T) {
	needRoot(t)
	sleeper := exec.Command("sleep", "0.5")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	go sleeper.Wait()
	start := time.Now()
	r := gbt(t, "-q", "-p", strconv.Itoa(sleeper.Process.Pid), "-e", "interval:ms:100 { @ticks = count(); }")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@ticks: \d+$`)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to notice the exit", d)
	}

	r = gbt(t, "-p", "4000000", "-e", "BEGIN { exit(); }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^ERROR: watching process 4000000: no such process`)
}

// TestStrTruncation: a string read by str() that fills its capacity
// (BPFTRACE_MAX_STRLEN) prints with the ".." trailer; shorter ones print
// whole.
func TestStrTruncation(t *testing.T) {
	needRoot(t)
	prog := `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("P: %s|%s\n", str(args.filename), str(args.filename, 3)); exit(); }`
	r := runTool(t, invocation{args: []string{"-q", "-e", prog, "-c", "/bin/true"}, env: []string{"BPFTRACE_MAX_STRLEN=5"}})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^P: /bin/\.\.\|/b$`)
	r = runTool(t, invocation{args: []string{"-q", "-e", prog, "-c", "/bin/true"}, env: []string{"BPFTRACE_MAX_STRLEN=64"}})
	matchAll(t, "stdout", r.stdout, `(?m)^P: /bin/true\|/b$`)
}

// TestProbeFilter: --probe-filter loads and attaches only the probes whose
// names match the regular expression anywhere, BEGIN and END always; a
// filter that leaves nothing is "No probes to attach", and a bad regular
// expression a usage error.
func TestProbeFilter(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "open.sh", "#!/bin/sh\ncat /etc/hostname >/dev/null\n")
	prog := `BEGIN { printf("begin\n"); }
		tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @open = count(); }
		tracepoint:syscalls:sys_enter_execve /pid == cpid/ { @exec = count(); }
		tracepoint:syscalls:sys_enter_read /pid == cpid/ { @read = count(); }
		END { printf("end\n"); }`
	r := gbt(t, "--probe-filter", "_(openat|read)$", "-e", prog, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^begin\n`, `(?m)^end$`, `(?m)^@open: [1-9]\d*$`, `(?m)^@read: [1-9]\d*$`)
	noMatch(t, "stdout", r.stdout, `@exec`)
	matchAll(t, "stderr", r.stderr, `^Attached 4 probes\n`)

	r = gbt(t, "--probe-filter", "nothing_matches", "-e", `interval:s:1 { exit(); }`)
	expectRun(t, r, 1, "No probes to attach\n", "")
	r = gbt(t, "--probe-filter", "[bad", "-e", `BEGIN { exit(); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^ERROR: Invalid --probe-filter regex '\[bad': `)
}
