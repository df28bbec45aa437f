package main

// End-to-end checks of diagnostics for bad input of every kind.

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

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
	// 5000 int64 values (cast: a literal takes its smallest type): 40 000
	// bytes, more than the stack and the 32 KiB per-CPU scratch area
	// together can hold.
	for i := 1; i <= 5000; i++ {
		elems = append(elems, "(int64)"+strconv.Itoa(i))
	}
	prog := `BEGIN { $t = (` + strings.Join(elems, ",") + `); print($t); exit(); }`
	r := gbt(t, "-e", prog)
	expectCode(t, r, 1)
	// The span is in the statement ($t or the tuple), not the probe.
	matchAll(t, "stderr", r.stderr, `^stdin:1:(9|1[0-9])-\d+: ERROR: .*(stack|scratch)`)
	oneScreen(t, r)
}

// TestErrorsUsage covers command-line and environment errors.
func TestErrorsUsage(t *testing.T) {
	t.Parallel()
	usageLine := `^USAGE:`
	t.Run("bad_long_option", func(t *testing.T) {
		t.Parallel()
		r := gbt(t, "--bogus", "-e", helloOneLiner)
		expectCode(t, r, exitUsage)
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
			expectCode(t, r, exitUsage)
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
