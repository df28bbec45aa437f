package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// TestErrorfWarnf: errorf and warnf print their text on stderr after the
// call's location, without the source line; --no-warnings silences warnf;
// in JSON they are errorf/warnf messages with the location. Neither
// changes the exit status.
func TestErrorfWarnf(t *testing.T) {
	needRoot(t)
	prog := `BEGIN { errorf("bad %d, %s", 10, "x"); warnf("careful %d\n", 2); exit(); }`
	r := gbt(t, "-e", prog)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:9-38: ERROR: bad 10, x\nstdin:1:40-64: WARNING: careful 2\n`)

	r = gbt(t, "--no-warnings", "-e", prog)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:9-38: ERROR: bad 10, x$`)
	noMatch(t, "stderr", r.stderr, `careful`)

	r = gbt(t, "-f", "json", "-e", prog)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^\{"type": "errorf", "msg": "bad 10, x", "filename": "stdin", "line": 1, "col": 9\}$`,
		`(?m)^\{"type": "warnf", "msg": "careful 2", "filename": "stdin", "line": 1, "col": 40\}$`)
}

// TestUsernameUsermode: username prints the user's name (root here),
// usermode is 1 in BEGIN and 0 in a syscall tracepoint, ctx casts to a
// struct pointer.
func TestUsernameUsermode(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `struct x { unsigned long nr; } BEGIN { printf("%s %d\n", username(), usermode); } tracepoint:syscalls:sys_enter_openat { printf("%d %d\n", usermode, ((struct x *)ctx).nr); exit(); }`, "-c", "/bin/cat /etc/hostname")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^root 1\n0 [0-9]+\n`)
}

// TestLenPercpuKaddr: len() counts a map's keys and refuses a scalar map
// at the call; percpu_kaddr() of a variable this kernel cannot resolve (no
// data symbols in kallsyms) is refused at its argument.
func TestLenPercpuKaddr(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `BEGIN { @[0] = 0; @[1] = 1; printf("map len: %d\n", len(@)); exit(); }`)
	if runtime.HaveKfunc("bpf_map_sum_elem_count") || runtime.HaveHelper(asm.FnForEachMapElem) {
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^map len: 2$`)
	} else {
		expectCode(t, r, exitScript)
	}
	r = gbt(t, "-e", `BEGIN { @ = 0; printf("map len: %d\n", len(@)); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:40-46: ERROR: call to len\(\) expects a map with explicit keys \(non-scalar map\)$`)

	r = gbt(t, "-e", `BEGIN { printf("%d\n", *percpu_kaddr("process_counts")); exit(); }`)
	if _, err := runtime.NewHost(nil).KernelSymbolAddr("process_counts"); err != nil {
		expectCode(t, r, exitScript)
		matchAll(t, "stderr", r.stderr, `^stdin:1:38-54: ERROR: percpu_kaddr\(\) needs the variable in the kernel's symbol table \(CONFIG_KALLSYMS_ALL\)`)
	} else {
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^-?[0-9]+$`)
	}
}

// TestPrintEmptyScalarMap: print() of a scalar map that has no value yet
// prints the zero value of its type (plain, aggregation, record).
func TestPrintEmptyScalarMap(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `BEGIN { print(@); print(@s); print(@r); exit(); } END { @ = 1; @s = stats(1); @r = (a=1, b=(2, "hi")); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^@: 0\n@s: \{ \.count = 0, \.average = 0, \.total = 0 \}\n@r: \{ \.a = 0, \.b = \(0, \) \}\n`, `^@: 1$`)
}

// TestStringFunctions: strstr, str_concat and strcap on a probe's strings.
func TestStringFunctions(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { $f = str(args.filename); if (strstr($f, "hostname") >= 0) { printf("%s %d %d\n", str_concat("open:", $f), strstr($f, "/hostname"), strcap(args.filename)); exit(); } }`, "-c", "/bin/cat /etc/hostname")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^open:/etc/hostname 4 13$`)
}

// TestFind: find() reads a map value into a variable in one lookup.
func TestFind(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `BEGIN { @map[2] = (1, "hello"); let $val; if (find(@map, 2, $val)) { print($val); } if (!find(@map, 3, $val)) { printf("no 3\n"); } clear(@map); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^\(1, hello\)\nno 3\n`)
}

// TestSignalThreadMemcmp: signal_thread() kills the traced child's thread
// from its own nanosleep; memcmp() compares values.
func TestSignalThreadMemcmp(t *testing.T) {
	needRoot(t)
	r := gbt(t, "--unsafe", "-e", `tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { printf("%d\n", memcmp("abc", comm, 2)); signal_thread("KILL"); }`, "-c", "/bin/sleep 30")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^-18$`)
}

// TestLenStack: len() of a stack counts its frames up to its limit
// (call.ustack len, call.kstack len): kstack(1) has one, a ustack(2) in a
// variable one or two (a process start has few frames), the whole user
// stack at least as many.
func TestLenStack(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-q", "-e", `tracepoint:raw_syscalls:sys_enter /pid == cpid/ { $u = ustack(2); printf("len %d %d %d\n", len(kstack(1)), len($u), len(ustack)); exit(); }`, "-c", "/bin/true")
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^len (\d+) (\d+) (\d+)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no len line:\n%v", r)
	}
	k, _ := strconv.Atoi(m[1])
	u, _ := strconv.Atoi(m[2])
	all, _ := strconv.Atoi(m[3])
	if k != 1 || u < 1 || u > 2 || all < u {
		t.Errorf("len(kstack(1)) %d, len(ustack(2)) %d, len(ustack) %d: want 1, 1 or 2, at least that", k, u, all)
	}
}
