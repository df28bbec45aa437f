package parser

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// TestStringNUL: the escape \0 puts a NUL character in a string; a raw NUL
// byte in a string literal is a positioned error (invisible in an editor,
// most likely a binary file), like a raw NUL outside strings. A NUL inside
// a comment is ignored with the comment.
func TestStringNUL(t *testing.T) {
	prog := parseOK(t, `BEGIN { printf("a\0b\n"); }`)
	if s := find[*ast.StrLit](prog, nil); s == nil || s.Value != "a\x00b\n" {
		t.Errorf(`"a\0b\n" decodes to %q, want "a\x00b\n"`, s.Value)
	}
	parseOK(t, "BEGIN { // a \x00 comment\n exit(); }")

	for _, c := range []struct {
		src  string
		want string
	}{
		{"BEGIN { printf(\"a\x00b\\n\"); }", "stdin:1:18-19: ERROR: invalid character '\\x00' in a string literal (write \\0 for a NUL character)"},
		{"BEGIN {\n  @[\"\x00\"] = 1; }", "stdin:2:6-7: ERROR: invalid character '\\x00' in a string literal (write \\0 for a NUL character)"},
	} {
		src := diag.NewSource("stdin", c.src)
		_, diags := Parse(src)
		if len(diags.Items) != 1 {
			t.Errorf("%q: %d diagnostics, want 1:\n%s", c.src, len(diags.Items), src.Render(diags))
			continue
		}
		d := diags.Items[0]
		if c.src[d.Span.Start] != 0 || d.Span.End != d.Span.Start+1 {
			t.Errorf("%q: span %v does not cover the NUL byte", c.src, d.Span)
		}
		if got, _, _ := strings.Cut(src.Format(d), "\n"); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}
