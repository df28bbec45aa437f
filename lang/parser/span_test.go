package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// checkSpans asserts that every node span lies within [0, n] and is
// ordered, and that each child's span lies within its parent's (except for
// the Program's synthetic grouping).
func checkSpans(t testing.TB, name string, prog *ast.Program, n int) {
	t.Helper()
	var stack []ast.Node
	var visit func(ast.Node)
	visit = func(node ast.Node) {
		s := node.Span()
		if s.Start < 0 || s.Start > s.End || s.End > n {
			t.Errorf("%s: %T span %v outside text of length %d: %s", name, node, s, n, ast.Dump(node))
		}
		if len(stack) > 0 {
			ps := stack[len(stack)-1].Span()
			if s.Start < ps.Start || s.End > ps.End {
				t.Errorf("%s: %T span %v not inside parent %T span %v", name, node, s, stack[len(stack)-1], ps)
			}
		}
		stack = append(stack, node)
		for _, c := range children(node) {
			visit(c)
		}
		stack = stack[:len(stack)-1]
	}
	visit(prog)
}

// children lists the direct children of n using ast.Inspect.
func children(n ast.Node) []ast.Node {
	var out []ast.Node
	ast.Inspect(n, func(c ast.Node) bool {
		if c == n {
			return true
		}
		out = append(out, c)
		return false
	})
	return out
}

// find returns the first node of type T in prog (depth-first).
func find[T ast.Node](prog ast.Node, pred func(T) bool) T {
	var out T
	found := false
	ast.Inspect(prog, func(n ast.Node) bool {
		if x, ok := n.(T); ok && !found && (pred == nil || pred(x)) {
			out, found = x, true
		}
		return !found
	})
	return out
}

func text(src string, n ast.Node) string {
	s := n.Span()
	return src[s.Start:s.End]
}

func TestSpans(t *testing.T) {
	src := "// x\nt:syscalls:sys_enter_openat, kprobe:f /pid == 1/ {\n\tprintf(\"[%i]\\n\", 255);\n\t$x = (uint8)-1 + @m[1, 2];\n\tif ($x) { @c++ } else if $y { } \n}\n"
	prog := parseOK(t, src)
	checks := []struct {
		node ast.Node
		want string
	}{
		{prog.Probes[0], "t:syscalls:sys_enter_openat, kprobe:f /pid == 1/ {\n\tprintf(\"[%i]\\n\", 255);\n\t$x = (uint8)-1 + @m[1, 2];\n\tif ($x) { @c++ } else if $y { } \n}"},
		{prog.Probes[0].Attach[0], "t:syscalls:sys_enter_openat"},
		{prog.Probes[0].Attach[1], "kprobe:f"},
		{prog.Probes[0].Pred, "pid == 1"},
		{prog.Probes[0].Body, "{\n\tprintf(\"[%i]\\n\", 255);\n\t$x = (uint8)-1 + @m[1, 2];\n\tif ($x) { @c++ } else if $y { } \n}"},
		{find[*ast.Call](prog, nil), `printf("[%i]\n", 255)`},
		{find[*ast.ExprStmt](prog, nil), `printf("[%i]\n", 255)`},
		{find[*ast.StrLit](prog, nil), `"[%i]\n"`},
		{find[*ast.AssignStmt](prog, nil), `$x = (uint8)-1 + @m[1, 2]`},
		{find[*ast.Binary](prog, func(b *ast.Binary) bool { return b.Op == "+" }), `(uint8)-1 + @m[1, 2]`},
		{find[*ast.Cast](prog, nil), `(uint8)-1`},
		{find[*ast.TypeExpr](prog, nil), `uint8`},
		{find[*ast.Unary](prog, nil), `-1`},
		{find[*ast.MapExpr](prog, nil), `@m[1, 2]`},
		{find[*ast.IfStmt](prog, nil), "if ($x) { @c++ } else if $y { }"},
		{find[*ast.IncDec](prog, nil), "@c++"},
	}
	for _, c := range checks {
		if got := text(src, c.node); got != c.want {
			t.Errorf("%T: got %q, want %q", c.node, got, c.want)
		}
	}
	call := find[*ast.Call](prog, nil)
	if got := src[call.NameSpan.Start:call.NameSpan.End]; got != "printf" {
		t.Errorf("NameSpan = %q", got)
	}
	bin := find[*ast.Binary](prog, func(b *ast.Binary) bool { return b.Op == "+" })
	if got := src[bin.OpSpan.Start:bin.OpSpan.End]; got != "+" {
		t.Errorf("OpSpan = %q", got)
	}
	if ap := prog.Probes[0].Attach[0]; ap.Raw != "t:syscalls:sys_enter_openat" || ap.Provider != "t" {
		t.Errorf("attach point %+v", ap)
	}
}

func TestSpansOfComposites(t *testing.T) {
	src := `#define X 1
struct S { int a; };
config = { a = 1 }
let @m = hash(10);
macro f($a) { $a }
fn g($a: int64): int64 { return $a }
BEGIN { $t = (1, (a=2)); print(sizeof(struct S) + offsetof(struct S, a)); for ($i : 0..2) { } }`
	prog := parseOK(t, src)
	checks := []struct {
		node ast.Node
		want string
	}{
		{prog.Preproc[0], "#define X 1"},
		{prog.CDefs[0], "struct S { int a; }"},
		{prog.Config, "config = { a = 1 }"},
		{prog.Config.Items[0], "a = 1"},
		{prog.MapDecls[0], "let @m = hash(10)"},
		{prog.Macros[0], "macro f($a) { $a }"},
		{prog.Funcs[0], "fn g($a: int64): int64 { return $a }"},
		{prog.Funcs[0].Params[0], "$a: int64"},
		{find[*ast.Tuple](prog, nil), "(1, (a=2))"},
		{find[*ast.Record](prog, nil), "(a=2)"},
		{find[*ast.Sizeof](prog, nil), "sizeof(struct S)"},
		{find[*ast.Offsetof](prog, nil), "offsetof(struct S, a)"},
		{find[*ast.ForStmt](prog, nil), "for ($i : 0..2) { }"},
	}
	for _, c := range checks {
		if got := text(src, c.node); got != c.want {
			t.Errorf("%T: got %q, want %q", c.node, got, c.want)
		}
	}
}

// TestSpansAllCases checks the span invariants on every table case, with
// every space turned into a newline as well (which exercises the lexer's
// windows, and must give the same result with small and large windows).
func TestSpansAllCases(t *testing.T) {
	var texts []string
	for _, c := range dumpCases {
		texts = append(texts, c.src, strings.ReplaceAll(c.src, " ", "\n"))
	}
	for _, c := range errorCases {
		texts = append(texts, c.src, strings.ReplaceAll(c.src, " ", "\n"))
	}
	for _, text := range texts {
		big := diag.NewSource("stdin", text)
		prog, diags := Parse(big)
		checkSpans(t, text, prog, len(text))
		small := diag.NewSource("stdin", text)
		sprog, sdiags := parse(small, 1)
		if a, b := ast.Dump(prog), ast.Dump(sprog); a != b {
			t.Errorf("%q: window sizes disagree:\n%s\n%s", text, a, b)
		}
		if a, b := big.Render(diags), small.Render(sdiags); a != b {
			t.Errorf("%q: window sizes disagree:\n%s\n%s", text, a, b)
		}
	}
}

// TestInspectVisitsEverything checks that Inspect reaches every node kind
// the parser produces and never passes nil.
func TestInspectVisitsEverything(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range dumpCases {
		prog, _ := Parse(diag.NewSource("stdin", c.src))
		ast.Inspect(prog, func(n ast.Node) bool {
			if n == nil {
				t.Fatal("Inspect passed nil")
			}
			seen[fmt.Sprintf("%T", n)] = true
			return true
		})
	}
	for _, name := range []string{
		"*ast.Program", "*ast.Directive", "*ast.CDef", "*ast.Config", "*ast.ConfigItem",
		"*ast.Import", "*ast.MacroDef", "*ast.MapDecl", "*ast.FuncDef", "*ast.Param",
		"*ast.Probe", "*ast.AttachPoint", "*ast.Block", "*ast.TypeExpr", "*ast.ExprStmt",
		"*ast.AssignStmt", "*ast.LetStmt", "*ast.DiscardStmt", "*ast.IfStmt", "*ast.WhileStmt",
		"*ast.UnrollStmt", "*ast.ForStmt", "*ast.ReturnStmt", "*ast.BreakStmt",
		"*ast.ContinueStmt", "*ast.ImportStmt", "*ast.IntLit", "*ast.StrLit", "*ast.BoolLit",
		"*ast.Var", "*ast.ParamExpr", "*ast.ParamCount", "*ast.MapExpr", "*ast.Ident",
		"*ast.Call", "*ast.Unary", "*ast.Binary", "*ast.Ternary", "*ast.IncDec", "*ast.Cast",
		"*ast.FieldExpr", "*ast.TupleIndex", "*ast.IndexExpr", "*ast.Tuple", "*ast.Record",
		"*ast.Sizeof", "*ast.Offsetof", "*ast.TypeofExpr", "*ast.ComptimeExpr",
		"*ast.BlockExpr", "*ast.IfExpr",
	} {
		if !seen[name] {
			t.Errorf("no %s produced by the dump cases or not visited by Inspect", name)
		}
	}
}
