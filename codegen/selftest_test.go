//go:build linux

package codegen_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
)

// Self tests: BEGIN/END programs run in the kernel with BPF_PROG_TEST_RUN
// and their printed output is compared with the exact text bpftrace
// prints (the 0.17 goldens where they apply, adjusted to the modern
// output format).

// expectRun runs script and compares its whole stdout.
func expectRun(t *testing.T, script, want string, params ...string) {
	t.Helper()
	expect(t, script, runBegin(t, script, params...), want)
}

// expectGolden runs the program of a golden run and compares its stdout
// with the golden output after the replacements (old, new pairs).
func expectGolden(t *testing.T, name string, replacements ...string) {
	t.Helper()
	prog, params := goldenProgram(t, name)
	want := strings.NewReplacer(replacements...).Replace(golden(t, name))
	expect(t, name, runBegin(t, prog, params...), want)
}

// ourComm is the comm of the test process, which is what comm reads in a
// program run with BPF_PROG_TEST_RUN.
func ourComm(t *testing.T) string {
	data, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(data), "\n")
}

func TestSelfArithmetic(t *testing.T) {
	cases := []struct{ expr, want string }{
		// C semantics for signed division and remainder (0.17 divided
		// unsigned; see printf_int_trunc).
		{"-7 / 2", "-3"}, {"-7 % 2", "-1"}, {"7 / -2", "-3"}, {"7 % -2", "1"},
		{"-7 / -2", "3"}, {"-7 % -2", "-1"}, {"7 / 2", "3"}, {"7 % 2", "1"},
		{"1 + 2 * 3 - 4", "3"}, {"(1 + 2) * 3", "9"}, {"10 - 20", "-10"},
		{"1 << 40", "1099511627776"}, {"-16 >> 2", "-4"}, {"256 >> 4", "16"},
		{"0xf0 | 0x0f", "255"}, {"0xff & 0x0f", "15"}, {"0xff ^ 0x0f", "240"}, {"~0", "-1"},
		{"(uint64)-1 / (uint64)2", "9223372036854775807"},
		{"(uint64)-16 >> (uint64)60", "15"},
		{"(uint64)0xffffffffffffffff", "18446744073709551615"},
		{"1 < 2", "true"}, {"2 < 1", "false"}, {"-1 < 1", "true"}, {"-2 <= -2", "true"},
		{"3 != 3", "false"}, {"(uint64)-1 > (uint64)0", "true"}, {"(uint8)200 > (uint8)100", "true"},
		{"1 && 0", "false"}, {"1 || 0", "true"}, {"!0", "true"}, {"!5", "false"},
	}
	// Constant operands are folded by the checker; the same expressions on
	// variables are computed by the generated code.
	var consts, want strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&consts, "print(%s); ", c.expr)
		fmt.Fprintf(&want, "%s\n", c.want)
	}
	expectRun(t, "BEGIN { "+consts.String()+"}", want.String()+"\n\n")

	varCases := []struct{ script, want string }{
		{`$a = -7; $b = 2; printf("%d %d\n", $a / $b, $a % $b);`, "-3 -1\n"},
		{`$a = 7; $b = -2; printf("%d %d\n", $a / $b, $a % $b);`, "-3 1\n"},
		{`$a = -7; $b = -2; printf("%d %d\n", $a / $b, $a % $b);`, "3 -1\n"},
		{`$a = 7; $b = 2; printf("%d %d\n", $a / $b, $a % $b);`, "3 1\n"},
		{`$a = (uint64)-1; $b = (uint64)2; printf("%lu %lu\n", $a / $b, $a % $b);`, "9223372036854775807 1\n"},
		{`$a = 1; $b = 40; printf("%ld %ld\n", $a << $b, -$a << $b);`, "1099511627776 -1099511627776\n"},
		{`$a = -16; $b = 2; printf("%ld\n", $a >> $b);`, "-4\n"},
		{`$a = (uint64)-16; $b = (uint64)60; printf("%lu\n", $a >> $b);`, "15\n"},
		{`$a = 0xf0; $b = 0x3c; printf("%x %x %x %x\n", $a | $b, $a & $b, $a ^ $b, ~$a & 0xff);`, "fc 30 cc f\n"},
		{`$a = -1; $b = 1; printf("%d %d %d %d\n", $a < $b, $a > $b, $a <= $a, $a >= $b);`, "1 0 1 0\n"},
		{`$a = (uint64)-1; $b = (uint64)1; printf("%d %d\n", $a > $b, $a < $b);`, "1 0\n"},
		{`$a = 5; $b = 0; printf("%d %d %d\n", $a && $b, $a || $b, !$a);`, "0 1 0\n"},
		{`$a = 3; $b = 4; printf("%d\n", $a * $b - $a * 2 + $b / 2);`, "8\n"},
		{`$a = 9223372036854775807; printf("%ld\n", $a + 1);`, "-9223372036854775808\n"},
	}
	for _, c := range varCases {
		expectRun(t, "BEGIN { "+c.script+" }", c.want+"\n\n")
	}
}

func TestSelfCasts(t *testing.T) {
	expectRun(t, `BEGIN { $x = 1<<16; printf("%d %d %d %d\n", (uint16)$x, $x, (int8)255, (uint8)-1); }`,
		"0 65536 -1 255\n\n\n")
	expectRun(t, `BEGIN { $y = 255; $z = -1; $w = 0x18000; printf("%d %d %d %d %d\n", (int8)$y, (uint8)$z, (int16)$w, (uint16)$w, (uint16)(1<<16)); }`,
		"-1 255 -32768 32768 0\n\n\n")
	expectRun(t, `BEGIN { $a = -1; printf("%ld %lu %ld %lu\n", (int32)$a, (uint32)$a, (int64)(uint32)$a, (uint64)$a); }`,
		"-1 4294967295 4294967295 18446744073709551615\n\n\n")
	expectRun(t, `BEGIN { print((uint8)300); print((int8)-129); print(sizeof(uint32)); print(sizeof(comm)); }`,
		"44\n127\n4\n16\n\n\n")
	expectRun(t, `BEGIN { let $x: uint8 = 255; $x++; let $y: int8; $y = 200; printf("%d %d\n", $x, $y); }`,
		"0 -56\n\n\n")
}

func TestSelfPrintfRules(t *testing.T) {
	// 64-bit arguments: %d and %x without l print the low 32 bits.
	expectGolden(t, "printf_ints")
	// 0.17 divided signed operands as unsigned; C semantics here.
	expectGolden(t, "printf_int_trunc", "0 1099511627776 -4 1", "0 1099511627776 -3 -1")
	expectGolden(t, "printf_widths")
	expectGolden(t, "printf_escapes")
	expectGolden(t, "printf_literals")
	// 0.17 printed "%%" literally in a printf without arguments.
	expectGolden(t, "printf_noargs_percent", "100%% done", "100% done")
	expectRun(t, `BEGIN { printf("%hhd %hd %d %ld\n", 257, 65537, 4294967297, 4294967297); printf("%c%c%c|%-4d|%4s|\n", 72, 105, 33, 7, "ab"); }`,
		"1 1 1 4294967297\nHi!|7   |  ab|\n\n\n")
}

func TestSelfControlFlow(t *testing.T) {
	expectGolden(t, "lang_ifelse_ternary")
	expectGolden(t, "lang_while")
	expectGolden(t, "lang_unroll")
	expectRun(t, `BEGIN { $i = 0; $n = 0; while ($i < 5) { $j = 0; while ($j < 5) { $j++; if ($j == 3) { break; } $n++; } $i++; } printf("%d %d\n", $i, $n); }`,
		"5 10\n\n\n")
	expectRun(t, `BEGIN { $i = 0; while ($i < 100) { $i++; @c = count(); } printf("%d\n", $i); }`,
		"100\n\n\n@c: 100\n")
	expectRun(t, `BEGIN { unroll(100) { @u++; } }`, "\n\n@u: 100\n")
	expectRun(t, `BEGIN { $x = 3; if ($x == 1) { print(1); } else if ($x == 2) { print(2); } else if ($x == 3) { print(3); } else { print(4); } if ($x > 5) { print(5); } }`,
		"3\n\n\n")
	expectRun(t, `BEGIN { $a = 1; $b = 0; if ($a && !$b) { print("and"); } if ($b || $a) { print("or"); } if (!($a && $b)) { print("not"); } }`,
		"and\nor\nnot\n\n\n")
	// return ends the probe.
	expectRun(t, `BEGIN { print(1); if (pid > 0) { return; } print(2); }`, "1\n\n\n")
}

func TestSelfTernary(t *testing.T) {
	expectRun(t, `BEGIN { $x = 5; $s = $x > 3 ? "big" : "small"; $t = $x > 10 ? "huge" : "not huge"; printf("%s|%s|%d\n", $s, $t, $x < 0 ? -1 : 1); }`,
		"big|not huge|1\n\n\n")
	expectRun(t, `BEGIN { print(pid > 0 ? (1, "a") : (2, "bb")); print(pid == 0 ? comm : "abc"); }`,
		"(1, a)\nabc\n\n\n")
}

func TestSelfIncDecCompound(t *testing.T) {
	expectGolden(t, "lang_incdec_compound")
	expectRun(t, `BEGIN { $x = 5; $y = $x++ + $x++; printf("%d %d\n", $x, $y); @a = 1; $z = @a++; $w = ++@a; printf("%d %d %d\n", $z, $w, @a); }`,
		"7 11\n1 3 3\n\n\n@a: 3\n")
	expectRun(t, `BEGIN { @x = 10; @x /= 3; @y = -7; @y /= 2; @z = -7; @z %= 2; @u = 0; @u -= 1; @w = 3; @w <<= 2; @k[1] += 5; @k[1] *= 3; }`,
		"\n\n@k[1]: 15\n@u: -1\n@w: 12\n@x: 3\n@y: -3\n@z: -1\n")
}

func TestSelfStrings(t *testing.T) {
	comm := ourComm(t)
	expectRun(t, `BEGIN { $s = "hello"; if ($s == "hello") { printf("eq\n"); } if (comm != "foo") { printf("ne\n"); } if ($s != "hello") { printf("bad\n"); } if ($s == "hell") { printf("bad\n"); } if ($s == "hellx") { printf("bad\n"); } }`,
		"eq\nne\n\n\n")
	expectRun(t, `BEGIN { $a = "abc"; $b = "abcd"; $c = "abc"; printf("%d %d %d %d\n", $a == $b, $a == $c, $a != $b, $a != $c); printf("%d %d\n", "x" == "x", "x" == "y"); }`,
		"0 1 1 0\n1 0\n\n\n")
	expectRun(t, fmt.Sprintf(`BEGIN { printf("%%d %%d %%s\n", comm == "%s", comm != "%s", comm); $c = comm; printf("%%d\n", $c == comm); }`, comm, comm),
		fmt.Sprintf("1 0 %s\n1\n\n\n", comm))
	expectRun(t, `BEGIN { $s = "a"; $s = "abcdef"; printf("%s\n", $s); @s["k"] = "a"; @s["k2"] = "longer"; }`,
		"abcdef\n\n\n@s[k]: a\n@s[k2]: longer\n")
	expectRun(t, `BEGIN { $x = comm; $y = $x; @m[$x] = $y; print(@m[$x]); }`,
		fmt.Sprintf("%s\n\n\n@m[%s]: %s\n", comm, comm, comm))
}

func TestSelfTuples(t *testing.T) {
	// Modern bpftrace prints booleans as true/false.
	expectGolden(t, "tuple", "@tk[1]: (1, x, 3)", "@tk[1]: (true, x, 3)")
	expectRun(t, `BEGIN { @t[1] = (1, comm); $t = @t[1]; print($t.0); @m[(1, 2)] = 3; @m[3, 4] = 5; printf("%d %d\n", @m[1, 2], @m[(3, 4)]); delete(@m, (1, 2)); }`,
		"1\n3 5\n\n\n@m[3, 4]: 5\n@t[1]: (1, "+ourComm(t)+")\n")
}

func TestSelfMaps(t *testing.T) {
	// Modern output has no blank line after avg and stats maps, and
	// prints stats as a record.
	expectGolden(t, "map_basic", "@av: 15\n\n", "@av: 15\n",
		"count 2, average 15, total 30\n\n", "{ .count = 2, .average = 15, .total = 30 }\n")
	expectGolden(t, "map_types",
		"@avg[a]: 15\n\n", "@avg[a]: 15\n",
		"count 2, average 15, total 30", "{ .count = 2, .average = 15, .total = 30 }",
		"count 1, average 100, total 100\n\n", "{ .count = 1, .average = 100, .total = 100 }\n",
		"@comm[bpftrace]", "@comm["+ourComm(t)+"]",
		// Modern bpftrace names the special probes in lower case.
		"@probe[BEGIN]", "@probe[begin]")
	expectGolden(t, "map_order")
	// Reading a missing key yields 0.
	expectRun(t, `BEGIN { $x = 0; @m[1] = 5; if (@m[1] == 5) { $x = 1; } if (@m[2]) { $x = 2; } printf("%d %d\n", $x, @m[2]); }`,
		"1 0\n\n\n@m[1]: 5\n")
	expectRun(t, `BEGIN { @x[comm] = stats(1); @y[comm, 1] = min(2); @z[(1, "a")] = max(3); @n = min(-5); @n = min(7); @p = max(-5); @p = max(-7); @q = sum(-3); @q = sum(1); }`,
		fmt.Sprintf("\n\n@n: -5\n@p: -5\n@q: -2\n@x[%[1]s]: { .count = 1, .average = 1, .total = 1 }\n@y[%[1]s, 1]: 2\n@z[1, a]: 3\n", ourComm(t)))
}

func TestSelfHistograms(t *testing.T) {
	// 0.17 truncated hist values to 32 bits: 5000000000 belongs in [4G, 8G).
	// Modern headers have no trailing space.
	expectGolden(t, "hist",
		"@h: \n", "@h:\n",
		"[2G, 4G)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n",
		"[2G, 4G)               0 |                                                    |\n[4G, 8G)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n")
	expectGolden(t, "lhist", ": \n", ":\n")
	expectGolden(t, "lhist_km_keys", ": \n", ":\n")
	expectGolden(t, "hist_keys", ": \n", ":\n")
	// Maps without entries print nothing.
	expectRun(t, `BEGIN { @h = hist(1); clear(@h); @l = lhist(1,0,10,1); clear(@l); @s = stats(1); clear(@s); exit(); }`, "\n\n")
	bar := func(n int) string { return strings.Repeat("@", n) + strings.Repeat(" ", 52-n) }
	expectRun(t, `BEGIN { @l = lhist(-7, -10, 10, 5); @l = lhist(-10, -10, 10, 5); @l = lhist(9, -10, 10, 5); @l = lhist(10, -10, 10, 5); @l = lhist(-11, -10, 10, 5); }`,
		"\n\n@l:\n"+
			"(..., -10)             1 |"+bar(26)+"|\n"+
			"[-10, -5)              2 |"+bar(52)+"|\n"+
			"[-5, 0)                0 |"+bar(0)+"|\n"+
			"[0, 5)                 0 |"+bar(0)+"|\n"+
			"[5, 10)                1 |"+bar(26)+"|\n"+
			"[10, ...)              1 |"+bar(26)+"|\n\n")
}

func TestSelfParams(t *testing.T) {
	expectGolden(t, "params")
	expectRun(t, `BEGIN { printf("%d %d %s|%s|%d\n", $1 + 1, $#, str($2), str($3), $3); }`, "43 2 hello||0\n\n\n", "42", "hello")
	expectRun(t, `BEGIN { printf("%s\n", $1 == 3 ? "yes" : "no"); unroll($1) { @n++; } }`, "yes\n\n\n@n: 3\n", "3")
}

func TestSelfBuiltins(t *testing.T) {
	r := runScript(t, `BEGIN { printf("%s|%d|%d|%d|%d|%d|%d|%d|%d|%d|%d\n", probe, nsecs > 0, elapsed > 0, pid, tid, uid, gid, cpu, ncpus, cpid, jiffies > 0); }`)
	fields := strings.Split(strings.TrimSuffix(r.events, "\n"), "|")
	if len(fields) != 11 {
		t.Fatalf("output %q", r.events)
	}
	ncpus, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	num := func(i int) int {
		n, err := strconv.Atoi(fields[i])
		if err != nil {
			t.Fatalf("field %d of %q: %v", i, r.events, err)
		}
		return n
	}
	if fields[0] != "begin" {
		t.Errorf("probe = %q, want begin", fields[0])
	}
	if num(1) != 1 || num(2) != 1 || num(10) != 1 {
		t.Errorf("nsecs/elapsed/jiffies not positive: %q", r.events)
	}
	if num(3) != os.Getpid() {
		t.Errorf("pid = %d, want the test's pid %d", num(3), os.Getpid())
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", num(4))); err != nil {
		t.Errorf("tid %d is not a thread of the test: %v", num(4), err)
	}
	if num(5) != os.Getuid() || num(6) != os.Getgid() {
		t.Errorf("uid/gid = %d/%d, want %d/%d", num(5), num(6), os.Getuid(), os.Getgid())
	}
	if num(7) < 0 || num(7) >= ncpus {
		t.Errorf("cpu = %d, want < %d", num(7), ncpus)
	}
	if num(8) != ncpus {
		t.Errorf("ncpus = %d, want %d", num(8), ncpus)
	}
	if num(9) != 0 {
		t.Errorf("cpid = %d without -c", num(9))
	}
	expectRun(t, `BEGIN { print(probe); @p = probe; @q[probe] = count(); } END { print(probe); @q[probe] = count(); }`,
		"begin\nend\n\n\n@p: begin\n@q[begin]: 1\n@q[end]: 1\n")
	expectRun(t, `BEGIN { $a = rand; $b = rand; $c = rand; printf("%d\n", $a != $b || $b != $c); printf("%d\n", cgroup > 0); }`,
		"1\n1\n\n\n")
}

func TestSelfPrint(t *testing.T) {
	expectGolden(t, "print_map_top_div")
	// 0.17: a blank line after avg maps and one per cleared (empty) map.
	expectGolden(t, "print_top_hist_avg", ": \n", ":\n", "@a[y]: 20\n\n\n\n\n\n\n", "@a[y]: 20\n\n\n")
	expectRun(t, `BEGIN { $t = (1, "string"); print(123); print(-5); print($t); print("abc"); print((uint8)7); print(pid > 0); print(comm); }`,
		"123\n-5\n(1, string)\nabc\n7\ntrue\n"+ourComm(t)+"\n\n\n")
	expectRun(t, `BEGIN { @a = count(); @a = count(); print(@a); zero(@a); print(@a); clear(@a); print(@a); }`,
		"@a: 2\n@a: 0\n\n\n")
}

func TestSelfDeleteClearZero(t *testing.T) {
	// Modern bpftrace prints nothing for maps without entries (0.17 printed
	// an empty line, and a cleared scalar count as 0).
	expectGolden(t, "map_clear_zero_delete", "@a[2]: 2\n\n", "@a[2]: 2\n", "@d: 0\n\n", "")
	expectRun(t, `BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; delete(@m, 2); delete(@m[3]); delete(@m[4]); @s = 5; delete(@s); @z[1] = count(); @z[2] = count(); zero(@z); @c[1] = 1; @c[2] = 2; clear(@c); }`,
		"\n\n@m[1]: 1\n@z[1]: 0\n@z[2]: 0\n")
	// A written histogram keeps its element through zero(), printed empty
	// (bpftrace HEAD's json-output 'histogram zero'); clear() removes it.
	expectRun(t, `BEGIN { @h = hist(2); zero(@h); @l = lhist(2, 0, 100, 10); zero(@l); @c = hist(3); clear(@c); @n = hist(1); }`,
		"\n\n@h:\n\n@l:\n\n@n:\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n")
}

func TestSelfEndAndExit(t *testing.T) {
	// 0.17 printed an empty line for the map cleared in END.
	expectGolden(t, "end_probe", "in END\n\n\n\n", "in END\n\n\n")
	r := runScript(t, `BEGIN { printf("a\n"); exit(3); } END { printf("end\n"); }`)
	if r.code != 3 || !r.exited {
		t.Errorf("exit code %d (exited %v), want 3", r.code, r.exited)
	}
	expect(t, "exit output", r.stdout, "a\nend\n\n\n")
	// A computed code (a constant outside 0..254 is a check error) keeps
	// its sign through the event record.
	r = runScript(t, `BEGIN { $c = -1; exit($c); }`)
	if r.code != -1 {
		t.Errorf("exit code %d, want -1", r.code)
	}
}
