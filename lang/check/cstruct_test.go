package check

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// TestScriptStructLayout lays out script-defined structs and unions with
// the x86-64 C rules: alignment padding, arrays, pointers (also to the
// struct itself), nested structs, bitfields packed into their unit, and
// several declarators per line.
func TestScriptStructLayout(t *testing.T) {
	defs := `struct A { char c; int i; short s; };
union U { char c[3]; long l; };
struct B { struct A a; u8 x:3, y:5; unsigned long long z; struct B *next; const char *name; };
struct C { int a, *b, c[3]; };
`
	cases := map[string]int64{
		`sizeof(struct A)`:         12,
		`offsetof(struct A, i)`:    4,
		`offsetof(struct A, s)`:    8,
		`sizeof(union U)`:          8,
		`offsetof(union U, l)`:     0,
		`sizeof(struct B)`:         40,
		`offsetof(struct B, z)`:    16,
		`offsetof(struct B, next)`: 24,
		`offsetof(struct B, name)`: 32,
		`offsetof(struct B, a.s)`:  8,
		`sizeof(struct C)`:         32,
		`offsetof(struct C, b)`:    8,
		`offsetof(struct C, c)`:    16,
	}
	expectStructConsts(t, defs, cases)
	// The largest structs: the last member's offset still fits in 32 bits.
	big := `struct M { char x[2147483646]; char y; };
struct P { char c; char x[2147483634]; int y; short z; };
`
	expectStructConsts(t, big, map[string]int64{
		`sizeof(struct M)`:      2147483647,
		`offsetof(struct M, y)`: 2147483646,
		`sizeof(struct P)`:      2147483644,
		`offsetof(struct P, z)`: 2147483640,
	})
	src := defs + `BEGIN { $b = (struct B *)0; print($b->y); print($b->next->a.i); }`
	prog, info := mustCheck(t, src, nil)
	fe, ok := findExpr(t, prog, src, "$b->y").(*ast.FieldExpr)
	if !ok {
		t.Fatal("$b->y is not a field expression")
	}
	y := info.Instances[0].Fields[fe]
	if y.Offset != 12 || y.BitOffset != 3 || y.BitSize != 5 {
		t.Errorf("bitfield y = %+v, want offset 12, bits 3..7", y)
	}
}

// TestScriptStructErrors reports what the struct parser cannot lay out.
func TestScriptStructErrors(t *testing.T) {
	for def, want := range map[string]string{
		`struct X { foo_t a; };`:       `struct X: unknown type 'foo_t'`,
		`struct X { int a:40; };`:      `struct X: invalid bitfield "a:40"`,
		`struct X { int a[z]; };`:      `struct X: invalid array length in "a[z]"`,
		`struct X { void v; };`:        `struct X: member v has type void`,
		`struct X { struct Nope n; };`: `struct X: member n has incomplete type 'struct Nope'`,
		// Sizes and offsets past 2^31-1 would wrap in the 32-bit
		// immediates that add member offsets to addresses.
		`struct Big { char x[999999999999]; int y; };`:                            `struct Big: array "x[999999999999]" is larger than the 2147483647-byte limit`,
		`struct X { char x[99999999999999999999999]; };`:                          `struct X: array "x[99999999999999999999999]" is larger than the 2147483647-byte limit`,
		`struct X { long x[268435456]; };`:                                        `struct X: array "x[268435456]" is larger than the 2147483647-byte limit`,
		`struct X { char x[100000][100000]; };`:                                   `struct X: array "x[100000][100000]" is larger than the 2147483647-byte limit`,
		`struct X { char x[2147483647]; char y; };`:                               `struct X: member y ends at byte 2147483648, past the 2147483647-byte limit on a struct`,
		`struct X { char x[2147483647]; int y; };`:                                `struct X: member y ends at byte 2147483652, past the 2147483647-byte limit on a struct`,
		`struct X { char c; long x[268435455]; };`:                                `struct X: member x ends at byte 2147483648, past the 2147483647-byte limit on a struct`,
		`struct X { char x[2147483640]; }; struct Y { struct X a; struct X b; };`: `struct Y: member b ends at byte 4294967280, past the 2147483647-byte limit on a struct`,
		`struct X { int i; char x[2147483643]; };`:                                `struct X: size 2147483648 bytes is past the 2147483647-byte limit on a struct`,
	} {
		_, _, diags, rs := checkText(def+" BEGIN { }", nil)
		found := false
		for _, d := range diags.Items {
			found = found || d.Msg == want
		}
		if !found {
			t.Errorf("%s: no diagnostic %q in:\n%s", def, want, rs.Render(diags))
		}
	}
}

// TestScriptStructSyntax lays out the C that headers and bpftrace's
// tests write: comments, __attribute__((packed)) and aligned(N) on
// definitions and members, nested struct/union members (tagged, untagged,
// anonymous) with a last member without ';', floating-point members as
// opaque bytes of their size and alignment, and comments in enums.
func TestScriptStructSyntax(t *testing.T) {
	defs := `struct foo { int x; char y; int z; }
struct bar { int x; /* c */ char y; // d
	int z; } /**/ __attribute__ /**/ ((packed)) /**/
struct bar2 { int x; char y; int z; } __attribute__((packed)) __attribute__((aligned(1)))
struct al { char c; } __attribute__((__aligned__(8)))
struct mem { char c; int i __attribute__((aligned(16))); long l __attribute__((packed)); }
struct N { int m; struct { int x; int y } bar; union { long l; char c; }; struct T { short s; } t; int n }
struct F { char c; double d; float f[3]; long double ld; }
enum E { A /* one */, B, // two
	C };
`
	cases := map[string]int64{
		`sizeof(struct foo)`:        12,
		`sizeof(struct bar)`:        9,
		`offsetof(struct bar, z)`:   5,
		`sizeof(struct bar2)`:       9,
		`sizeof(struct al)`:         8,
		`offsetof(struct mem, i)`:   16,
		`offsetof(struct mem, l)`:   20,
		`sizeof(struct mem)`:        32,
		`offsetof(struct N, bar.y)`: 8,
		`offsetof(struct N, l)`:     16,
		`offsetof(struct N, c)`:     16,
		`offsetof(struct N, t.s)`:   24,
		`offsetof(struct N, n)`:     28,
		`sizeof(struct N)`:          32,
		`sizeof(struct T)`:          2,
		`offsetof(struct F, d)`:     8,
		`offsetof(struct F, f)`:     16,
		`offsetof(struct F, ld)`:    32,
		`sizeof(struct F)`:          48,
		`C`:                         2,
	}
	expectStructConsts(t, defs, cases)
	src := defs + `BEGIN { $n = (struct N *)0; print($n->bar.x + $n->l + $n->t.s); }`
	mustCheck(t, src, nil)
}

// expectStructConsts checks the constant value of each expression printed
// by a script made of defs and one BEGIN probe.
func expectStructConsts(t *testing.T, defs string, cases map[string]int64) {
	t.Helper()
	for expr, want := range cases {
		src := defs + "BEGIN { print(" + expr + "); }"
		prog, info := mustCheck(t, src, nil)
		e := findExpr(t, prog, src, expr)
		if got, ok := info.Instances[0].Consts[e]; !ok || got != want {
			t.Errorf("%s = %d (constant: %v), want %d", expr, got, ok, want)
		}
	}
}
