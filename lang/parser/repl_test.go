package parser

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

func TestParseStmts(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int    // statements
		err  string // substring of the first error; "" for none
	}{
		{`print(@m)`, 1, ""},
		{`print(@m); clear(@m);`, 2, ""},
		{`@limit = 10`, 1, ""},
		{`1 + 2`, 1, ""},
		{`if (pid > 1) { printf("x\n"); } $a = 1`, 2, ""},
		{`;;`, 0, ""},
		{`print(@m) clear(@m)`, 0, "; or end of input"},
		{`printf("x`, 0, "string"},
		{`tracepoint:a:b { }`, 0, "syntax error"},
	} {
		src := diag.NewSource("stdin", c.text)
		b, d := ParseStmts(src)
		if c.err != "" {
			if !d.HasErrors() || !strings.Contains(src.Render(d), c.err) {
				t.Errorf("%q: want error %q, got:\n%s", c.text, c.err, src.Render(d))
			}
			continue
		}
		if d.HasErrors() {
			t.Errorf("%q: %s", c.text, src.Render(d))
			continue
		}
		if len(b.Stmts) != c.n {
			t.Errorf("%q: %d statements, want %d", c.text, len(b.Stmts), c.n)
		}
		for _, s := range b.Stmts {
			if sp := s.Span(); sp.Start < 0 || sp.End > len(c.text) {
				t.Errorf("%q: statement span %v outside the text", c.text, sp)
			}
		}
	}
	// A last expression without ';' is the block's value (the REPL prints it).
	b, _ := ParseStmts(diag.NewSource("stdin", `$x = 1; $x + 1`))
	if es, ok := b.Stmts[1].(*ast.ExprStmt); !ok || !es.Value {
		t.Errorf("last expression not marked as the value: %#v", b.Stmts[1])
	}
}

// FuzzParseStmts: one-shot REPL input never panics, and every diagnostic
// and statement span lies inside the text.
func FuzzParseStmts(f *testing.F) {
	for _, s := range []string{`print(@m)`, `@a = 1; @b[comm] = count()`, `1 + 2`, `if (1) { $x = "s" } else { exit() }`, `printf("%d\n", @x[1, "a"])`, `tracepoint:x:y { }`, `/* c */ $a++; // d`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		b, diags := ParseStmts(diag.NewSource("repl", text))
		for _, d := range diags.Items {
			if d.Code == diag.CodeInternal {
				t.Fatalf("internal error: %s", d.Msg)
			}
			if s := d.Span; s.Start < 0 || s.Start > s.End || s.End > len(text) {
				t.Fatalf("diagnostic span %v outside text of length %d: %s", s, len(text), d.Msg)
			}
		}
		if diags.HasErrors() {
			return
		}
		for _, s := range b.Stmts {
			if sp := s.Span(); sp.Start < 0 || sp.Start > sp.End || sp.End > len(text) {
				t.Fatalf("statement span %v outside text of length %d", sp, len(text))
			}
		}
	})
}
