package macro

import (
	"maps"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/stdlib/bt"
)

// expand parses text, expands its macros and returns the dump of the
// first probe's body and the rendered diagnostics.
func expand(t *testing.T, text string) (string, string, *diag.Source) {
	t.Helper()
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatalf("parse %q:\n%s", text, src.Render(pd))
	}
	diags := &diag.List{}
	Expand(src, prog, diags)
	return ast.Dump(prog.Probes[0].Body), src.Render(diags), src
}

func TestExpandDump(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"expression", `macro add1(x) { x + 1 } BEGIN { print(add1(2)); }`,
			`(block (expr (call print (blockexpr (value (+ 2 1))))))`},
		{"var param renamed to caller", `macro inc($x) { $x += 1; } BEGIN { $a = 1; inc($a); }`,
			`(block (= $a 1) (expr (blockexpr (+= $a 1))))`},
		{"map param", `macro set(@m) { @m[1] = 2; } BEGIN { set(@a); }`,
			`(block (expr (blockexpr (= (@a 1) 2))))`},
		{"locals are the expansion's", `macro inc(x) { $y = x + 1; $y } BEGIN { $y = 2; $z = inc(5); }`,
			`(block (= $y 2) (= $z (blockexpr (= $$inc_y (+ 5 1)) (value $$inc_y))))`},
		{"nested locals carry the depth", `macro a() { $v = 1; $v } macro b() { $v = a(); $v } BEGIN { print(b()); }`,
			`(block (expr (call print (blockexpr (= $$b_v (blockexpr (= $$a_2_v 1) (value $$a_2_v))) (value $$b_v)))))`},
		{"variables passed as expressions are blocks", `macro f(x) { x } BEGIN { $a = 1; print(f($a)); }`,
			`(block (= $a 1) (expr (call print (blockexpr (value (blockexpr (value $a)))))))`},
		{"bare identifier", `macro one() { $x = 1; $x } BEGIN { $a = one; }`,
			`(block (= $a (blockexpr (= $$one_x 1) (value $$one_x))))`},
		{"parameter before macro", `macro add() { 2 } macro ident(add) { add } BEGIN { print(ident(1)); }`,
			`(block (expr (call print (blockexpr (value 1)))))`},
		{"literal body", `macro f() { "%d\n" } BEGIN { printf(f(), 1); }`,
			`(block (expr (call printf "%d\n" 1)))`},
		{"typeof parameter", `macro cst(a) { (a *)-1 } BEGIN { print(cst(typeof(uint8))); }`,
			`(block (expr (call print (blockexpr (value (cast (type uint8 *) (- 1)))))))`},
		{"sizeof of a type parameter", `macro s(t) { sizeof(t) } BEGIN { print(s(typeof(struct x))); }`,
			`(block (expr (call print (blockexpr (value (sizeof (type struct x)))))))`},
		{"offsetof field parameter", `macro o(t, f) { offsetof(t, f) } BEGIN { print(o(typeof(struct x), y)); }`,
			`(block (expr (call print (blockexpr (value (offsetof (type struct x) y))))))`},
		{"overload by kind", `macro k($v) { 1 } macro k(e) { 2 } BEGIN { $a = 0; print((k($a), k(3))); }`,
			`(block (= $a 0) (expr (call print (tuple 1 2))))`},
		{"any definition order", `macro a(x) { b(x) } macro b(x) { x } BEGIN { print(a(1)); }`,
			`(block (expr (call print (blockexpr (value (blockexpr (value 1)))))))`},
		{"trailing if/else is the value", `macro f(x) { if x { 1 } else if x > 1 { 2 } else { 3 } } BEGIN { print(f(1)); }`,
			`(block (expr (call print (blockexpr (value (ifexpr 1 (block (value 1)) (block (value (ifexpr (> 1 1) (block (value 2)) (block (value 3)))))))))))`},
		{"typeof of an expression parameter", `macro f(x) { let $y: typeof(x); $y } BEGIN { $a = 1; print(f($a)); }`,
			`(block (= $a 1) (expr (call print (blockexpr (let $$f_y (type typeof(x))) (value $$f_y)))))`},
		{"no macros", `BEGIN { print(comm); }`, `(block (expr (call print comm)))`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, diags, _ := expand(t, c.text)
			if diags != "" {
				t.Fatalf("diagnostics:\n%s", diags)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"recursion", `macro r(x) { r(x) } BEGIN { r(1); }`, "stdin:1:14-18: ERROR: Recursive macro call detected. Call chain: r > r"},
		{"arity", `macro two(a, b) { a } BEGIN { two(1); }`, "ERROR: Call to two() has arguments that do not match any definition."},
		{"bare with parameters", `macro two(a, b) { a } BEGIN { $x = two; }`, "ERROR: Call to two() has the wrong number of arguments. Expected: 2 but got 0."},
		{"unhygienic map", `macro m() { @x } BEGIN { print(m()); }`, "ERROR: Unhygienic access to map: @x."},
		{"kind", `macro m($v) { $v } BEGIN { print(m(1)); }`, "ERROR: Mismatched arg. m() expects a variable for arg $v but got an expression."},
		{"explosion", `macro a(x) { x + x } macro b(x) { a(a(x)) } macro c(x) { b(b(x)) } macro d(x) { c(c(x)) } macro e(x) { d(d(x)) } macro f(x) { e(e(x)) } macro g(x) { f(f(x)) } BEGIN { print(g(1)); }`,
			"ERROR: too many macro expansions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags, _ := expand(t, c.text)
			if !strings.Contains(diags, c.want) {
				t.Errorf("diagnostics:\n%s\nwant %q", diags, c.want)
			}
		})
	}
}

// The standard library is parsed only for scripts that use it; its
// diagnostics and spans point into its own files.
func TestStdlib(t *testing.T) {
	for _, text := range []string{`BEGIN { print(comm); }`, `BEGIN { printf("%d %s\n", cpu, comm); }`} {
		src := diag.NewSource("stdin", text)
		prog, _ := parser.Parse(src)
		if usesStdlib(prog) {
			t.Errorf("%s: parses the standard library", text)
		}
	}
	got, diags, src := expand(t, `BEGIN { assert(pid > 0, "no pid"); print(comm()); $c = comm; }`)
	if diags != "" {
		t.Fatalf("diagnostics:\n%s", diags)
	}
	if !strings.Contains(got, `(call errorf "assert failed: %s" "no pid")`) ||
		!strings.Contains(got, `(call print (blockexpr (value __builtin_comm)))`) || !strings.Contains(got, `(= $c comm)`) {
		t.Errorf("expansion: %s", got)
	}
	// The errorf of assert is stdlib/base.bt:6:5.
	prog, _ := parser.Parse(diag.NewSource("stdin", `BEGIN { assert(1, "m"); }`))
	src = diag.NewSource("stdin", `BEGIN { assert(1, "m"); }`)
	Expand(src, prog, &diag.List{})
	var errorf *ast.Call
	ast.Inspect(prog.Probes[0].Body, func(n ast.Node) bool {
		if c, ok := n.(*ast.Call); ok && c.Name == "errorf" {
			errorf = c
		}
		return true
	})
	if errorf == nil {
		t.Fatal("no errorf in the expansion")
	}
	f, off := src.Locate(errorf.Span().Start)
	line, col := f.Position(off)
	if f.Name != "stdlib/base.bt" || line != 6 || col != 5 {
		t.Errorf("errorf at %s:%d:%d, want stdlib/base.bt:6:5", f.Name, line, col)
	}
	if d := src.Format(&diag.Diagnostic{Span: errorf.Span(), Severity: diag.Error, Msg: "x"}); !strings.HasPrefix(d, "stdlib/base.bt:6:5-37: ERROR: x\n") {
		t.Errorf("format: %s", d)
	}
}

// typeof(x) of an expression parameter takes the caller's expression,
// not renamed.
func TestTypeofParam(t *testing.T) {
	src := diag.NewSource("stdin", `macro f(x) { let $y: typeof(x); $y } BEGIN { $a = 1; print(f($a)); }`)
	prog, _ := parser.Parse(src)
	Expand(src, prog, &diag.List{})
	var of *ast.TypeofExpr
	ast.Inspect(prog.Probes[0].Body, func(n ast.Node) bool {
		if l, ok := n.(*ast.LetStmt); ok && l.Type != nil {
			of = l.Type.Of
		}
		return true
	})
	if of == nil || of.Type != nil || ast.Dump(of.X) != "(blockexpr (value $a))" {
		t.Fatalf("typeof operand: %+v", of)
	}
}

// The names stdlibMacros finds by scanning the standard library's text are
// exactly those of the macros the parser finds in it.
func TestStdlibMacroNames(t *testing.T) {
	want := map[string]bool{}
	for _, f := range bt.Files() {
		prog, diags := parser.Parse(diag.NewSource(f.Name, f.Text))
		if len(diags.Items) > 0 {
			t.Fatalf("%s: %v", f.Name, diags.Items)
		}
		for _, m := range prog.Macros {
			want[m.Name] = true
		}
	}
	if got := stdlibMacros(); !maps.Equal(got, want) || len(got) == 0 {
		t.Errorf("scanned names %v, parsed names %v", got, want)
	}
	for line, name := range map[string]string{
		"macro f(x) {\n": "f", "macro\t_a9 ()": "_a9", "macro 9x()": "", "macrox()": "", "  macro f()": "", "macro": "",
	} {
		if got := macroLineName(line); got != name {
			t.Errorf("macroLineName(%q) = %q, want %q", line, got, name)
		}
	}
}
