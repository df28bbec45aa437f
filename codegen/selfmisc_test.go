//go:build linux

package codegen_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime"
)

// Enumerators print by name with %s and in maps; arithmetic on them gives
// plain integers.
func TestSelfEnums(t *testing.T) {
	expectRun(t, `enum Foo { ONE = 1, TWO = 2, OTHER = 99999 }; BEGIN { printf("%d %s %d %s %d %s\n", ONE, ONE, TWO, TWO, OTHER, OTHER); }`,
		"1 ONE 2 TWO 99999 OTHER\n\n\n")
	expectRun(t, `enum { A, B = 5, C }; BEGIN { @[B] = 11; @t = (A, C); @n[B + 1] = C - 1; $e = C; print($e); printf("%5s|%-3s|\n", A, B); }`,
		"C\n    A|B  |\n\n\n@[B]: 11\n@n[6]: 5\n@t: (A, C)\n")
}

// A ternary whose arms are statements (printf) is an if/else.
func TestSelfVoidTernary(t *testing.T) {
	expectRun(t, `BEGIN { 1 ? printf("yes\n") : printf("no\n"); 0 ? printf("yes\n") : printf("no\n"); }`,
		"yes\nno\n\n\n")
}

// `let $a;` reads as zero until assigned and takes the type of its later
// assignments.
func TestSelfLetWithoutValue(t *testing.T) {
	expectRun(t, `BEGIN { let $a; if ($a) { $a = 1; } @b = $a; let $s; printf("[%s]\n", $s); $s = "x"; }`,
		"[]\n\n\n@b: 0\n")
}

// A variable assigned in the branches of an if and read after it is one
// variable of the whole probe, as bpftrace 0.20 and earlier scripts expect
// (tcpconnect.bt): each branch's value reaches the read, and a branch that
// does not assign it leaves it zero. Strings widen to the longest value.
func TestSelfHoistedVariable(t *testing.T) {
	expectRun(t, `BEGIN { $a = 2; if ($a == 1) { $s = "one"; } else { $s = "two-longer"; $n = 7; } printf("%s %d\n", $s, $n); if ($a == 1) { $z = 3; } @z = $z; }`,
		"two-longer 7\n\n\n@z: 0\n")
}

// An if statement that ends a block expression, with a value in every
// branch, gives the block its value, nested at any depth (bpftrace's
// regression 'nested ternary operators').
func TestSelfNestedIfValue(t *testing.T) {
	expectRun(t, `BEGIN { let $x = 1; let $y = 0; let $z = 3; print(if ($x) { if ($y) { if ($z) { $x } else { $y } } else { $z } } else { 0 }); print({ if ($y) { 5 } else if ($z == 3) { 6 } else { 7 } }); }`,
		"3\n6\n\n\n")
}

// A block expression (a macro's expansion) whose value is an aggregation
// assigns the aggregation to the map (call.block expression with map
// assignment).
func TestSelfAggBlockValue(t *testing.T) {
	expectRun(t, `macro c() { count() } BEGIN { @x = c(); @x = c(); @ = { let $a = 100; avg($a) }; }`,
		"\n\n@: 100\n@x: 2\n")
}

// Probe names compare by the probe's id (macro.builtin wrapper probe).
func TestSelfProbeCompare(t *testing.T) {
	expectRun(t, `BEGIN { if (__builtin_probe == probe() && __builtin_probe == probe) { print(probe); } printf("%d\n", probe != probe); }`,
		"begin\n0\n\n\n")
}

// syscall_name() prints a system call number as its name, also as a map
// key; a number without one is "Unknown syscall".
func TestSelfSyscallName(t *testing.T) {
	expectRun(t, `BEGIN { $nr = 257; printf("%s %s|", syscall_name($nr), syscall_name(__NR_read)); print(syscall_name(9999)); @[syscall_name(1)] = count(); }`,
		"openat read|Unknown syscall\n\n\n@[write]: 1\n")
}

// Values too big for the stack live in the per-CPU scratch area: long
// strings in variables, tuples, map values and printf records.
func TestSelfScratchValues(t *testing.T) {
	long := strings.Repeat("ab", 150)
	expectRun(t, `config = { max_strlen = 400 } BEGIN { $s = "`+long+`"; $t = ($s, 7, $s); @v[1] = $s; printf("%d %s\n", $t.1, $t.2); if ($s == "`+long+`") { printf("equal\n"); } }`,
		"7 "+long+"\nequal\n\n\n@v[1]: "+long+"\n")
}

// With on_stack_limit = 0 every value larger than a scalar lives in the
// scratch area; programs behave the same.
func TestSelfOnStackLimitZero(t *testing.T) {
	script := `config = { on_stack_limit = 0 } BEGIN { $x = "XXXX"; $y = $x; print($y); print((1, (2, "XXXX"))); @h[$x] = hist(5); @c[$y, 1] = count(); if (@c[$x, 1] > 0) { printf("%s %d\n", $x, @c[$x, 1]); } $i = 0; while ($i < 3) { $i++; } print($i); }`
	if !percpuReads(t, script, "@c[$x, 1]", "@c[$x, 1] >") {
		// The rest of the script, without the read of a per-CPU map.
		expectRun(t, script[:strings.Index(script, "if (")]+`$i = 0; while ($i < 3) { $i++; } print($i); }`,
			"XXXX\n(1, (2, XXXX))\n3\n\n\n@c[XXXX, 1]: 1\n@h[XXXX]:\n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n")
		return
	}
	expectRun(t, script,
		"XXXX\n(1, (2, XXXX))\nXXXX 1\n3\n\n\n@c[XXXX, 1]: 1\n@h[XXXX]:\n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n")
}

// Kernel types from BTF: curtask, field walks through pointers and
// embedded structs, casts, kernel enumerators.
func TestSelfBTFFields(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF")
	}
	comm := ourComm(t)
	expectRun(t, `BEGIN { $t = curtask; printf("%d %d %s %d\n", $t->pid == tid, curtask.tgid == pid, $t->comm, curtask->real_parent->pid > 0); $p = (struct task_struct *)curtask; printf("%s\n", $p->group_leader->comm); }`,
		fmt.Sprintf("1 1 %s 1\n%s\n\n\n", comm, comm))
	// TASK_COMM_LEN is an enumerator in the kernel's BTF from Linux 5.17
	// on (a macro before); where the host has no value for it, it is an
	// unknown identifier at its use.
	script := `BEGIN { printf("%d %d\n", TASK_COMM_LEN, sizeof(curtask->comm)); }`
	if _, _, ok := liveHost.KernelEnumValue("TASK_COMM_LEN"); ok {
		expectRun(t, script, "16 16\n\n\n")
		return
	}
	src := diag.NewSource("stdin", script)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatal(src.Render(pd))
	}
	_, cd := check.Check(src, prog, &check.Config{Host: liveHost, StrLen: runtime.DefaultMaxStrlen()})
	errs := cd.Errors()
	at := strings.Index(script, "TASK_COMM_LEN")
	if len(errs) != 1 || errs[0].Span.Start != at || errs[0].Span.End != at+len("TASK_COMM_LEN") ||
		!strings.Contains(errs[0].Msg, "Unknown identifier: 'TASK_COMM_LEN'") {
		t.Errorf("without a kernel value for TASK_COMM_LEN, want one error at it:\n%s", src.Render(cd))
	}
}

// has_key() tests for a key without reading the value; strerror() prints
// an error number as text (golden cat_strerror_cgroup, strerror part).
func TestSelfHasKeyStrerror(t *testing.T) {
	expectRun(t, `BEGIN { @start[1] = 5; @s["a", 2] = 1; printf("%d %d %d\n", has_key(@start, 1), has_key(@start, 2), has_key(@s, ("a", 2))); if (!has_key(@start, 3)) { printf("no 3\n"); } printf("%s|", strerror(2)); print(strerror(13)); clear(@s); clear(@start); }`,
		"1 0 1\nno 3\nNo such file or directory|Permission denied\n\n\n")
}

// ppid and pcomm are curtask->real_parent->tgid and ->comm.
func TestSelfPpidPcomm(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF")
	}
	parent, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", os.Getppid()))
	if err != nil {
		t.Fatal(err)
	}
	expectRun(t, `BEGIN { printf("%d %s\n", ppid, pcomm); }`,
		fmt.Sprintf("%d %s\n\n\n", os.Getppid(), strings.TrimSpace(string(parent))))
}
