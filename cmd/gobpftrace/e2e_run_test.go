package main

// End-to-end runs of the one-liners, scripts and examples (see e2e_test.go
// for the harness).

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
			// -o: cat's output (stdout) and the trace do not mix.
			r, out := gbtSplit(t, "-e", prog, "-c", "/bin/cat "+file)
			expectCode(t, r, 0)
			matchAll(t, "-o output", out, "^cat "+regexp.QuoteMeta(file)+"$")
			if r.stdout != "e2e content\n" {
				t.Errorf("the command printed %q, want its file", r.stdout)
			}
			if r.stderr != attached1 {
				t.Errorf("stderr %q, want %q", r.stderr, attached1)
			}
			t.Run("only_the_command", func(t *testing.T) {
				// Only the command's opens: every traced line is "cat PATH".
				// (The path can be empty when its page is not yet faulted
				// in: bpftrace shows the same.)
				var foreign []string
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if line != "" && !strings.HasPrefix(line, "cat ") {
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
		r, out := gbtSplit(t, ex("opensnoop.bt"), "-c", "/bin/cat "+file)
		expectCode(t, r, 0)
		if r.stderr != "Attached 4 probes\n" {
			t.Errorf("stderr %q", r.stderr)
		}
		if r.stdout != "example content\n" {
			t.Errorf("the command printed %q, want its file", r.stdout)
		}
		matchAll(t, "-o output", out,
			`\ATracing openat syscalls\.\.\. Hit Ctrl-C to end\.\nPID     COMM               FD ERR PATH$`,
			`^[0-9]+ +cat +[0-9]+ +0 `+regexp.QuoteMeta(file)+`$`)
		if strings.Contains(out, "@filename") {
			t.Errorf("@filename printed although END clears it:\n%s", out)
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
		// Four and a half seconds: an interval tick is skipped by the
		// kernel when it interrupts another BPF program on its CPU (the
		// bpf_prog_active recursion guard), which happens under the load
		// of the parallel tests (two ticks in a row were, once); one
		// printed tick of four is enough.
		r := gbt(t, ex("syscount.bt"), "-c", "/bin/sleep 4.5")
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
