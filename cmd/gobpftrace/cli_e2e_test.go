package main

// End-to-end checks of the drop-in command line: bounded script input,
// environment validation, exit codes, long options, -B, -I/--include and
// --no-warnings.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUnboundedScriptInput: a script path that is a device or a FIFO, or
// stdin that never ends, is refused at once with one line, never read
// whole.
func TestUnboundedScriptInput(t *testing.T) {
	t.Parallel()
	r := runTool(t, invocation{args: []string{"/dev/zero"}, timeout: 10 * time.Second})
	expectRun(t, r, exitScript, "", "ERROR: failed to open file '/dev/zero': Not a regular file\n")
	if r.elapsed > time.Second {
		t.Errorf("refusing /dev/zero took %v", r.elapsed)
	}

	fifo := filepath.Join(t.TempDir(), "script.bt")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r = runTool(t, invocation{args: []string{fifo}, timeout: 10 * time.Second})
	expectRun(t, r, exitScript, "", fmt.Sprintf("ERROR: failed to open file '%s': Not a regular file\n", fifo))

	big := tempFile(t, "big.bt", "//"+strings.Repeat("x", 4<<20)+"\n")
	r = gbt(t, big)
	expectRun(t, r, exitScript, "", fmt.Sprintf("ERROR: failed to open file '%s': Larger than the 4 MiB limit\n", big))

	r = runTool(t, invocation{args: []string{"-"}, stdin: strings.Repeat("x", 4<<20+1)})
	expectRun(t, r, exitScript, "", "ERROR: failed to read the script from stdin: larger than the 4 MiB limit\n")
}

// TestEnvValidation: a BPFTRACE_* variable with a bad value is an error
// naming it and its range, never ignored or wrapped.
func TestEnvValidation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ env, msg string }{
		{"BPFTRACE_MAX_MAP_KEYS=abc", `environment variable BPFTRACE_MAX_MAP_KEYS="abc": want an integer in 1..4294967295`},
		{"BPFTRACE_MAX_MAP_KEYS=4294967306", `environment variable BPFTRACE_MAX_MAP_KEYS="4294967306": want an integer in 1..4294967295`},
		{"BPFTRACE_MAP_KEYS_MAX=0", `environment variable BPFTRACE_MAP_KEYS_MAX="0": want an integer in 1..4294967295`},
		{"BPFTRACE_MAX_STRLEN=", `environment variable BPFTRACE_MAX_STRLEN="": want an integer in 1..16384`},
		{"BPFTRACE_MAX_STRLEN=20000", `environment variable BPFTRACE_MAX_STRLEN="20000": want an integer in 1..16384`},
		{"BPFTRACE_STRLEN=-5", `environment variable BPFTRACE_STRLEN="-5": want an integer in 1..16384`},
		{"BPFTRACE_BTF=/nonexistent/vmlinux", `environment variable BPFTRACE_BTF="/nonexistent/vmlinux": no such file or directory`},
	} {
		r := runTool(t, invocation{args: []string{"-e", helloOneLiner}, env: []string{c.env}})
		expectRun(t, r, exitUsage, "", "ERROR: "+c.msg+"\n")
	}
}

// TestExitCodes: errors before tracing exit 1, failures to attach 255, and
// a script's exit(N) with N; a constant N of 255 or more is an error.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	r := gbt(t, "-e", `BEGIN { exit(255); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:14-17: ERROR: exit code 255 is out of range: want 0\.\.254`)
	r = gbt(t, "--no-such-option")
	expectCode(t, r, 1)
	needRoot(t)
	r = gbt(t, "-q", "-e", `BEGIN { exit(3); }`)
	expectRun(t, r, 3, "\n\n", "")
	r = gbt(t, "-q", "-e", `BEGIN { exit(254); }`)
	expectRun(t, r, 254, "\n\n", "")
	if kprobesMissing() {
		r = gbt(t, "-e", `kprobe:tcp_set_state { exit(3); }`)
		expectCode(t, r, 255)
	}
}

// TestLongOptions: bpftrace's long spellings work.
func TestLongOptions(t *testing.T) {
	t.Parallel()
	r := gbt(t, "--debug", "ast", "-e", helloOneLiner)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^\(program`)
	needRoot(t)
	r = gbt(t, "--quiet", "-e", helloOneLiner)
	expectRun(t, r, 0, helloStdout, "")
	r = gbt(t, "--verbose", "-e", helloOneLiner)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^Program ID: \d+ `)
	r = gbt(t, "--list", "tracepoint:syscalls:sys_enter_openat")
	expectRun(t, r, 0, "tracepoint:syscalls:sys_enter_openat\n", "")
	r = gbt(t, "--list", "--verbose", "tracepoint:syscalls:sys_enter_openat")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^tracepoint:syscalls:sys_enter_openat$`, `^    const char \* filename$`)
}

// TestNoWarnings: --no-warnings drops compile-time warnings.
func TestNoWarnings(t *testing.T) {
	t.Parallel()
	prog := `let @unused = hash(10); BEGIN { exit(); }`
	r := gbt(t, "-d", "types", "-e", prog)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `WARNING: Unused map: @unused`)
	r = gbt(t, "--no-warnings", "-d", "types", "-e", prog)
	expectCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("--no-warnings printed %q", r.stderr)
	}
}

// TestBufferModes: -B full holds output until tracing ends, -B line holds
// a partial line; by default output appears as events are read.
func TestBufferModes(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := gbt(t, "-B", "lines", "-e", helloOneLiner)
	expectCode(t, r, exitUsage)
	matchAll(t, "stderr", r.stderr, `^ERROR: -B must be either 'line', 'full', or 'none'`)

	for _, c := range []struct {
		mode, prog, seen string
		early            bool // output is visible while tracing
	}{
		{"", `interval:ms:50 { printf("tick\n"); }`, "tick\n", true},
		{"none", `interval:ms:50 { printf("tick\n"); }`, "tick\n", true},
		{"line", `interval:ms:50 { printf("tick\n"); }`, "tick\n", true},
		{"full", `interval:ms:50 { printf("tick\n"); }`, "tick\n", false},
		{"none", `interval:ms:50 { printf("x"); }`, "x", true},
		{"line", `interval:ms:50 { printf("x"); }`, "x", false},
	} {
		t.Run(c.mode+"/"+strings.TrimSpace(c.seen), func(t *testing.T) {
			args := []string{"-q", "-e", c.prog}
			if c.mode != "" {
				args = append([]string{"-B", c.mode}, args...)
			}
			early := false
			r := runTool(t, invocation{args: args, during: func(p *runningTool) {
				early = p.stdout.waitFor(c.seen, p.done, 1500*time.Millisecond)
				p.cmd.Process.Signal(syscall.SIGINT)
			}})
			expectCode(t, r, 0)
			if early != c.early {
				t.Errorf("output visible while tracing: %v, want %v", early, c.early)
			}
			if !strings.Contains(r.stdout, c.seen) {
				t.Errorf("output at the end %q lacks %q", r.stdout, c.seen)
			}
		})
	}
}

// TestIncludeOptions: -I adds to the search path, --include pre-includes
// a header, quoted includes start in the script's directory, and an
// include that leaves the search path is a positioned error.
func TestIncludeOptions(t *testing.T) {
	t.Parallel()
	inc := t.TempDir()
	if err := os.WriteFile(filepath.Join(inc, "vals.h"), []byte("#define VAL 42\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := `BEGIN { printf("%d\n", VAL); exit(); }`
	r := gbt(t, "-d", "types", "-e", "#include <vals.h>\n"+prog)
	expectCode(t, r, exitScript) // VAL is unknown without -I

	r = gbt(t, "-d", "types", "-e", "#include <../../../../../../../dev/zero>\n"+prog)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-\d+: ERROR: #include <\.\./.*dev/zero>: the name leaves the include search path$`)
	r = gbt(t, "-d", "types", "-e", "#include \"/etc/hostname\"\n"+prog)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-\d+: ERROR: #include "/etc/hostname": absolute header paths are not searched`)

	needRoot(t)
	r = gbt(t, "-q", "-I", inc, "-e", "#include <vals.h>\n"+prog)
	expectRun(t, r, 0, "42\n\n\n", "")
	r = gbt(t, "-q", "-I", inc, "--include", "vals.h", "-e", prog)
	expectRun(t, r, 0, "42\n\n\n", "")
	script := filepath.Join(inc, "script.bt")
	if err := os.WriteFile(script, []byte("#include \"vals.h\"\n"+prog), 0o644); err != nil {
		t.Fatal(err)
	}
	r = gbt(t, "-q", script) // run from another directory
	expectRun(t, r, 0, "42\n\n\n", "")
	if regexp.MustCompile(`ERROR`).MatchString(r.stderr) {
		t.Error(r)
	}
}
