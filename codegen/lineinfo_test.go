package codegen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// TestExcerpt: a comment's excerpt of the source stops at the end of the
// line and after maxExcerpt bytes (on a UTF-8 boundary), and writes NUL
// bytes as \0 (BTF strings cannot hold them).
func TestExcerpt(t *testing.T) {
	long := strings.Repeat("x", maxExcerpt+10)
	euro := strings.Repeat("a", maxExcerpt-1) + "€€"
	for _, c := range []struct {
		text       string
		start, end int
		want       string
	}{
		{"printf(\"hi\\n\")", 0, 14, `printf("hi\n")`},
		{"if (x) {\n  y; }", 0, 15, "if (x) { …"},
		{"a; b; c", 3, 4, "b"},
		{long, 0, len(long), strings.Repeat("x", maxExcerpt) + " …"},
		{euro, 0, len(euro), strings.Repeat("a", maxExcerpt-1) + " …"},
		{"print(\"a\x00b\")", 0, 13, `print("a\0b")`},
		{"abc", 1, 99, "bc"},
	} {
		if got := excerpt(c.text, diag.Span{Start: c.start, End: c.end}); got != c.want {
			t.Errorf("excerpt(%q, %d, %d) = %q, want %q", c.text, c.start, c.end, got, c.want)
		}
	}
}

// TestSourceCommentsBounded: a one-line chain of else ifs nests each branch
// in the previous one, so statement spans cover the rest of the line. The
// comments (which become BTF line info) must stay bounded per statement,
// not grow with the line: 5,000 branches once needed 1 GB and a BTF blob
// the kernel refused.
func TestSourceCommentsBounded(t *testing.T) {
	const branches = 1000
	var b strings.Builder
	b.WriteString("BEGIN { ")
	for i := 0; i < branches; i++ {
		if i > 0 {
			b.WriteString(" else ")
		}
		fmt.Fprintf(&b, `if (pid == %d) { printf("a%d\n"); }`, i+1, i)
	}
	b.WriteString(" exit(); }")
	obj, gd, src := CompileScript(t, b.String(), nil)
	if gd.HasErrors() {
		t.Fatalf("compile:\n%s", src.Render(gd))
	}
	limit := len("line 1: ") + maxExcerpt + len(" …")
	comments, total := 0, 0
	for _, p := range obj.Programs {
		for _, ins := range p.Insns {
			if ins.Source() == nil {
				continue
			}
			s := ins.Source().String()
			comments++
			total += len(s)
			if len(s) > limit {
				t.Fatalf("comment of %d bytes, more than %d: %.120s…", len(s), limit, s)
			}
		}
	}
	if comments < 2*branches {
		t.Errorf("%d comments for %d branches, want one per statement", comments, branches)
	}
	t.Logf("%d comments, %d bytes", comments, total)
}
