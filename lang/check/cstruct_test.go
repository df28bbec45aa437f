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
	for expr, want := range cases {
		src := defs + "BEGIN { print(" + expr + "); }"
		prog, info := mustCheck(t, src, nil)
		e := findExpr(t, prog, src, expr)
		if got, ok := info.Instances[0].Consts[e]; !ok || got != want {
			t.Errorf("%s = %d (constant: %v), want %d", expr, got, ok, want)
		}
	}
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
		`struct X { struct Nope n; };`: `struct X: unknown type 'struct Nope'`,
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
