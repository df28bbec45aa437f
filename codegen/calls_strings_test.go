//go:build linux

package codegen_test

import (
	"strings"
	"testing"
)

func TestSelfStrncmpStrcontainsGolden(t *testing.T) {
	expectGolden(t, "lang_strings")
}

// strncmp on values in memory: variables, maps, comm, against constants
// and against each other.
func TestSelfStrncmp(t *testing.T) {
	expectRun(t, `BEGIN { $a = "hello"; $b = "help"; $e = ""; @m = "hello world";
		printf("%d %d %d %d %d\n", strncmp($a, $b, 3), strncmp($a, $b, 4), strncmp($a, "hello", 100), strncmp("hel", $a, 4), strncmp($a, $b, 0));
		printf("%d %d %d %d %d\n", strncmp($a, "hello world", 5), strncmp($a, "hello world", 6), strncmp($a, $a, 64), strncmp($e, $a, 1), strncmp($e, "", 5));
		printf("%d %d %d\n", strncmp(@m, $a, 5), strncmp(@m, $a, 6), strncmp($a, @m, 1000));
		if (strncmp($a, "help", 3) == 0) { printf("prefix\n"); } }`,
		"0 1 0 1 0\n0 1 0 1 0\n0 1 1\nprefix\n\n\n@m: hello world\n")
	c := ourComm(t)
	expectRun(t, `BEGIN { $c = comm; printf("%d %d %d %d\n", strncmp(comm, "`+c+`", 16), strncmp(comm, "`+c+`x", 16), strncmp(comm, $c, 16), strncmp("`+c[:3]+`zzz", comm, 3)); }`,
		"0 1 0 0\n\n\n")
}

func TestSelfStrcontains(t *testing.T) {
	expectRun(t, `BEGIN { $h = "hello world"; $n = "lo w"; $m = "low"; $e = ""; @h = "abcabd";
		printf("%d %d %d %d %d\n", strcontains($h, "o w"), strcontains($h, "xyz"), strcontains($h, "world"), strcontains($h, "worldx"), strcontains($h, "hello world"));
		printf("%d %d %d %d %d\n", strcontains($h, $n), strcontains($h, $m), strcontains($h, $e), strcontains($e, $n), strcontains("xlowx", $m));
		printf("%d %d %d %d\n", strcontains(@h, "abd"), strcontains(@h, "abcd"), strcontains(@h, "d"), strcontains($e, "a"));
		print(strcontains($h, "ell")); print(strcontains($h, "elo"));
		if (strcontains($h, "wor")) { printf("yes\n"); } if (!strcontains($h, "wir")) { printf("no\n"); } }`,
		"1 0 1 0 1\n1 0 1 0 1\n1 0 1 0\ntrue\nfalse\nyes\nno\n\n\n@h: abcabd\n")
	c := ourComm(t)
	expectRun(t, `BEGIN { $c = comm; $s = "`+c[1:4]+`"; printf("%d %d %d %d %d\n", strcontains(comm, "`+c[1:4]+`"), strcontains(comm, "zzqq"), strcontains(comm, $c), strcontains(comm, $s), strcontains($s, comm)); }`,
		"1 0 1 1 0\n\n\n")
}

// Long strings in memory on both sides stay within the verifier's limits
// and the reach of BPF jumps, also inside a conditional block.
func TestSelfStrcontainsLong(t *testing.T) {
	hay := strings.Repeat("ab", 29) + "xy"
	n, m := strings.Repeat("ab", 24)+"x", strings.Repeat("ab", 24)+"y"
	expectRun(t, `BEGIN { $h = "`+hay+`"; $n = "`+n+`"; $m = "`+m+`"; $c = "`+strings.Repeat("ab", 50)+`x";
		printf("%d %d %d\n", strcontains($h, $n), strcontains($h, $m), strncmp($h, $n, 80));
		if (pid > 0) { printf("%d %d\n", strcontains($h, $n), strcontains($c, "`+n+`")); } }`,
		"1 0 1\n1 1\n\n\n")
}

// char[] tracepoint fields and str() values pass the verifier.
func TestStrncmpStrcontainsTracepointLoads(t *testing.T) {
	obj := compileLive(t, `tracepoint:sched:sched_switch { if (strcontains(args.prev_comm, "sh") || strncmp(args.next_comm, args.prev_comm, 16) == 0) { @a = count(); } }
		tracepoint:syscalls:sys_enter_openat { @b[strcontains(str(args.filename), "/etc/"), strcontains(str(args.filename), comm)] = count(); }`)
	l := load(t, obj)
	l.Close()
}
