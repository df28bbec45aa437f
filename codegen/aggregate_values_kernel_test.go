//go:build linux

package codegen_test

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// Aggregate values run in the kernel: structs, arrays, tuples and records
// stored, indexed, compared and printed (text format).

func TestSelfStructValues(t *testing.T) {
	expectRun(t, `struct Foo { int m; int n; } BEGIN { $v = (uint64)0x300000002; $s = *(struct Foo *)&$v; @s = $s; @k[$s, 42] = 0; @t = (1, $s); print($s.n + @s.m + @t.1.n); print(($s == @s, $s != @s)); print($s); }`,
		"8\n(true, false)\n{ .m = 2, .n = 3 }\n\n\n@k[{ .m = 2, .n = 3 }, 42]: 0\n@s: { .m = 2, .n = 3 }\n@t: (1, { .m = 2, .n = 3 })\n")
}

func TestSelfArrayValues(t *testing.T) {
	expectRun(t, `struct A { int x[4]; int y[2][2]; } BEGIN { $m = ((int32)1, (int32)2, (int32)3, (int32)4, (int32)5, (int32)6, (int32)7, (int32)8); $a = (struct A *)&$m; $x = $a->x; @x[$x] = 1; @v[0] = $a->x; $y = $a->y; $i = 1; $j = 9; print(($x[3], $y[1][0], $a->y[1][1], $x[$i], $x[$j], @v[0][2])); print(($a->x == $x, $a->x != $x, $y)); }`,
		"(4, 7, 8, 2, 0, 3)\n(true, false, [[5,6],[7,8]])\n\n\n@v[0]: [1,2,3,4]\n@x[[1,2,3,4]]: 1\n")
}

func TestSelfRecordValues(t *testing.T) {
	expectRun(t, `BEGIN { $v = (x=1, y=2); $t = (a=0, b=1, c="str", d=(5, 6), e=$v); print($t); printf("%d %s %d %d\n", $t.a, $t.c, $t.d.1, $t.e.y); $r = (a=1, b="x"); $r = (b="yz", a=2); @r[$r] = (c=$r.a, d=(1, 2)); print(($r == (a=2, b="yz"), $r == (b="yz", a=3))); }`,
		"{ .a = 0, .b = 1, .c = str, .d = (5, 6), .e = { .x = 1, .y = 2 } }\n0 str 6 2\n(true, false)\n\n\n@r[{ .a = 2, .b = yz }]: { .c = 2, .d = (1, 2) }\n")
}

func TestSelfValueCasts(t *testing.T) {
	expectRun(t, `BEGIN { printf("%x\n", ((int8[8])12345)[0]); print((int8[])"hello"); printf("%x\n", (uint32)pton("127.0.0.1")); $t = (1, 2, 3); print($t[1 + 1]); $a = 1; $b = &$a; print(*$b); $s = "hello"; $c = (int8 *)&$s; printf("%c %c\n", *$c, *++$c); $u = (1, "hello", 2); print(*(&$u)); }`,
		"39\n[104,101,108,108,111,0]\n100007f\n3\n1\nh e\n(1, hello, 2)\n\n\n")
}

// TestArrayOutOfBoundsRuntime: an index computed at run time outside its
// array sends one runtime warning per access, as in bpftrace, and reads
// zero from the program's own memory; indexes inside it send none.
func TestArrayOutOfBoundsRuntime(t *testing.T) {
	script := `struct A { int x[4]; } BEGIN {
	$x = pton("10.0.0.1"); $m = ((int32)1, (int32)2, (int32)3, (int32)4); $a = (struct A *)&$m;
	$i = 9; $j = 3;
	printf("%d %d %d\n", $x[$i], $x[$j], $a->x[$j]);
	$b = $a->x[$i];
}`
	var r *run
	withEvents(codegen.RingBufChannel, func() { r = runScript(t, script) })
	if want := "0 1 4\n"; r.events != want {
		t.Errorf("printf output %q, want %q", r.events, want)
	}
	var sites []string
	for _, ev := range r.rterrs {
		if ev.Error != codegen.RuntimeArrayOutOfBounds {
			t.Errorf("runtime error %d, want array out of bounds", ev.Error)
		}
		sites = append(sites, script[ev.Span.Start:ev.Span.End])
	}
	if want := "$x[$i]|$a->x[$i]"; strings.Join(sites, "|") != want {
		t.Errorf("runtime errors at %q, want %q", sites, want)
	}
}

// TestSelfOpaqueMembers: a floating-point member of a script-defined
// union prints as null, as bpftrace prints its "none" type.
func TestSelfOpaqueMembers(t *testing.T) {
	expectRun(t, `union N { int i; float f; } BEGIN { $v = (uint64)5; print(*(union N *)&$v); }`,
		"{ .i = 5, .f = null }\n\n\n")
}

// TestSelfDeclaredArrays: a variable declared with an array type holds
// an array of structs copied from memory, whose elements' members are
// read in place.
func TestSelfDeclaredArrays(t *testing.T) {
	expectRun(t, `struct T { int a; int b; } struct S { struct T w[2]; } BEGIN { let $w: struct T[2]; $m = ((int32)1, (int32)2, (int32)3, (int32)4); $w = ((struct S *)&$m)->w; print(($w[1].a, $w[0].b, sizeof($w), sizeof(int8[3]))); }`,
		"(3, 2, 16, 3)\n\n\n")
}
