package parser

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// FuzzParse checks that no input panics (an internal diagnostic would
// reveal a recovered panic), that every node and diagnostic span lies
// within the text, and that lexing in one-line windows gives exactly the
// same result as lexing in large ones.
func FuzzParse(f *testing.F) {
	for _, text := range goldenPrograms(f) {
		f.Add(text)
	}
	for _, c := range dumpCases {
		f.Add(c.src)
		f.Add(strings.ReplaceAll(c.src, " ", "\n"))
	}
	for _, c := range errorCases {
		f.Add(c.src)
	}
	f.Add(benchScript)
	f.Fuzz(func(t *testing.T, text string) {
		src := diag.NewSource("stdin", text)
		prog, diags := Parse(src)
		if prog == nil {
			t.Fatal("nil program")
		}
		for _, d := range diags.Items {
			if d.Code == diag.CodeInternal {
				t.Fatalf("internal error: %s", d.Msg)
			}
			if s := d.Span; s.Start < 0 || s.Start > s.End || s.End > len(text) {
				t.Fatalf("diagnostic span %v outside text of length %d: %s", s, len(text), d.Msg)
			}
		}
		ast.Inspect(prog, func(n ast.Node) bool {
			if s := n.Span(); s.Start < 0 || s.Start > s.End || s.End > len(text) {
				t.Fatalf("%T span %v outside text of length %d", n, s, len(text))
			}
			return true
		})
		_ = ast.Dump(prog)
		src2 := diag.NewSource("stdin", text)
		prog2, diags2 := parse(src2, 1)
		if a, b := ast.Dump(prog), ast.Dump(prog2); a != b {
			t.Fatalf("window sizes disagree:\n%s\n%s", a, b)
		}
		if a, b := src.Render(diags), src2.Render(diags2); a != b {
			t.Fatalf("window sizes disagree:\n%s\n%s", a, b)
		}
	})
}
