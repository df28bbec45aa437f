package diag

import (
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	src := NewSource("stdin", "BEGIN {\n\tfoo(1);\n}\n")
	d := &Diagnostic{Span: Span{9, 12}, Severity: Error, Msg: "Unknown function: foo"}
	d.Hint("did you mean '%s'?", "for")
	want := "stdin:2:2-5: ERROR: Unknown function: foo\n" +
		" foo(1);\n" +
		" ~~~\n" +
		"HINT: did you mean 'for'?\n"
	if got := src.Format(d); got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

func TestFormatClipsToFirstLine(t *testing.T) {
	src := NewSource("x.bt", "a { b\nc }")
	d := &Diagnostic{Span: Span{2, 9}, Severity: Warning, Msg: "m"}
	want := "x.bt:1:3-6: WARNING: m\na { b\n  ~~~\n"
	if got := src.Format(d); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// An empty span still gets one ~ (end of file included).
	d = &Diagnostic{Span: Span{9, 9}, Severity: Error, Msg: "eof"}
	if got, want := src.Format(d), "x.bt:2:4-5: ERROR: eof\nc }\n   ~\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRenderSortsAndCollects(t *testing.T) {
	src := NewSource("s", "ab cd")
	var l List
	l.Errorf(Span{3, 5}, CodeType, "second")
	l.Warnf(Span{0, 2}, CodeType, "first")
	if !l.HasErrors() || len(l.Errors()) != 1 {
		t.Fatalf("HasErrors/Errors wrong: %v", l.Items)
	}
	want := "s:1:1-3: WARNING: first\nab cd\n~~\ns:1:4-6: ERROR: second\nab cd\n   ~~\n"
	if got := src.Render(&l); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPosition(t *testing.T) {
	src := NewSource("s", "a\nbc\n\nd")
	for off, want := range map[int][2]int{0: {1, 1}, 2: {2, 1}, 3: {2, 2}, 5: {3, 1}, 6: {4, 1}, 99: {4, 2}, -1: {1, 1}} {
		l, c := src.Position(off)
		if l != want[0] || c != want[1] {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", off, l, c, want[0], want[1])
		}
	}
	if got := src.Line(2); got != "bc" {
		t.Errorf("Line(2) = %q", got)
	}
	if got := src.Line(9); got != "" {
		t.Errorf("Line(9) = %q", got)
	}
}

func TestNearest(t *testing.T) {
	names := []string{"printf", "print", "pid", "comm", "count"}
	for in, want := range map[string]string{
		"prnitf": "printf", "prnt": "print", "cmm": "comm", "cuont": "count",
		"xyzzy": "", "printf": "", "p": "",
	} {
		if got := Nearest(in, names); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJoin(t *testing.T) {
	if got := Join(Span{5, 7}, Span{2, 4}); got != (Span{2, 7}) {
		t.Errorf("Join = %v", got)
	}
	if !(Span{1, 1}).Valid() || (Span{2, 1}).Valid() {
		t.Error("Valid wrong")
	}
}

func TestFormatLongLine(t *testing.T) {
	text := "BEGIN { $t = (" + strings.Repeat("1,", 400) + "2); }"
	src := NewSource("stdin", text)
	d := &Diagnostic{Span: Span{8, 10}, Severity: Error, Msg: "m"}
	got := src.Format(d)
	lines := strings.Split(got, "\n")
	if len(lines[1]) > maxLineWidth+6 || !strings.HasSuffix(lines[1], "...") || !strings.HasPrefix(lines[1], "BEGIN { $t") {
		t.Errorf("source line not cut: %q", lines[1])
	}
	if lines[2] != "        ~~" {
		t.Errorf("underline %q", lines[2])
	}
	// A span far into the line is shown with a leading "...".
	d = &Diagnostic{Span: Span{500, 502}, Severity: Error, Msg: "m"}
	lines = strings.Split(src.Format(d), "\n")
	if !strings.HasPrefix(lines[1], "...") || strings.Index(lines[2], "~") != 3+maxLineWidth/4 {
		t.Errorf("window around the span wrong:\n%s\n%s", lines[1], lines[2])
	}
}
