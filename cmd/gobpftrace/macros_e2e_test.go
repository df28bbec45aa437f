package main

import (
	"os"
	"testing"
)

// TestMacros: user macros (hygienic, by $var, @map and expression),
// block and if expressions and the standard library written in the
// language, through the built binary.
func TestMacros(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-q", "-e", `
macro add1(x) { x + 1 }
macro inc($v) { $v += 1; $v }
macro bump(@m) { @m[1] += 10; }
macro twice(x) { x; x; }
BEGIN {
	$y = 5; $a = 1;
	$b = inc($a);
	@m[1] = 1; bump(@m);
	twice({ printf("hi ") });
	printf("\n%d %d %d %d\n", add1($a), $b, $y, @m[1]);
	print(if $a > 1 { "big" } else { "small" });
	print(signal_name(15));
	print(strlen("hello"));
	print(is_err(-22));
	print(cpu() == cpu);
	print(0 ?: 3);
	clear(@m);
	exit();
}`)
	expectRun(t, r, 0, "hi hi \n3 2 5 11\nbig\nTerminated\n5\ntrue\ntrue\n3\n\n\n", "")

	// errorf and warnf in a macro body name the calls they were expanded
	// from, innermost first, as bpftrace (call.errorf_macro_expansion).
	r = gbt(t, "-e", `macro bad() { errorf("Something bad"); } macro outer() { bad() } BEGIN { outer(); assert(0, "no"); exit(); }`)
	expectCode(t, r, 1) // assert's exit(1)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:15-38: ERROR: Something bad\nstdin:1:58-63: ERROR: expanded from\n.*\n +~~~~~\nstdin:1:74-81: ERROR: expanded from\n`,
		`(?m)^stdlib/base\.bt:6:5-37: ERROR: assert failed: no\nstdin:1:83-98: ERROR: expanded from\n`)

	// An error inside an expansion names the standard library file and
	// the call site.
	r = gbt(t, "-e", `BEGIN { print(ppid(1)); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^stdlib/base\.bt:[0-9]+:[0-9]+-[0-9]+: ERROR: Can not access field 'real_parent'`,
		`^HINT: in the expansion of macro ppid\(\) at stdin:1:15$`)
	r = gbt(t, "-e", `macro r(x) { r(x) } BEGIN { r(1); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^stdin:1:14-18: ERROR: Recursive macro call detected. Call chain: r > r$`)
}

// TestUpstreamGethostlatency runs bpftrace's tools/gethostlatency.bt (a
// macro and uprobes on libc) over a name lookup.
func TestUpstreamGethostlatency(t *testing.T) {
	needRoot(t)
	const tool = "/var/tmp/bpftrace-src/tools/gethostlatency.bt"
	if _, err := os.Stat(tool); err != nil {
		t.Skipf("bpftrace's tools are not on this machine (%v)", err)
	}
	if _, err := os.Stat("/usr/bin/getent"); err != nil {
		t.Skipf("no getent: %v", err)
	}
	r, out := gbtSplit(t, tool, "-c", "/usr/bin/getent ahosts localhost")
	expectCode(t, r, 0)
	matchAll(t, "-o output", out, `^TIME +PID +COMM +LATms +HOST$`,
		`^[0-9:]{8} +[0-9]+ +getent +[0-9]+ localhost$`)
}

// TestUpstreamOpensnoop runs bpftrace's tools/opensnoop.bt (macros, for
// loops over the cwd's dentries, string indexing) over a cat of a
// relative path. A line of the tool is several events, which may
// interleave with other processes' events: the patterns match pieces.
func TestUpstreamOpensnoop(t *testing.T) {
	needRoot(t)
	const tool = "/var/tmp/bpftrace-src/tools/opensnoop.bt"
	if _, err := os.Stat(tool); err != nil {
		t.Skipf("bpftrace's tools are not on this machine (%v)", err)
	}
	script := tempFile(t, "e2e-opensnoop.sh", "#!/bin/sh\ncd /etc && exec /bin/cat hostname >/dev/null\n")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	r, out := gbtSplit(t, tool, "-c", script)
	expectCode(t, r, 0)
	matchAll(t, "-o output", out, `^Tracing open syscalls\.\.\. Hit Ctrl-C to end\.$`, `^PID +COMM +FD +ERR +PATH$`,
		`[0-9]+ +cat +3 +0 /etc/ld\.so\.cache`, `(?s) cat +3 +0 /etc.*/hostname`)
}
