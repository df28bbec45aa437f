package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// errorCases map a source to its rendered diagnostics (all CodeSyntax).
var errorCases = []struct{ src, want string }{
	{`BEGIN { if (1) printf("x\n"); }`, "stdin:1:16-22: ERROR: syntax error, unexpected call, expecting {\nBEGIN { if (1) printf(\"x\\n\"); }\n               ~~~~~~\n"},
	{`BEGIN {`, "stdin:1:8-9: ERROR: syntax error, unexpected end of file\nBEGIN {\n       ~\n"},
	{`BEGIN { printf("x`, "stdin:1:16-18: ERROR: unterminated string\nBEGIN { printf(\"x\n               ~~\n"},
	{"BEGIN { printf(\"x\n\"); }", "stdin:1:16-18: ERROR: unterminated string\nBEGIN { printf(\"x\n               ~~\n"},
	{`BEGIN { /* abc`, "stdin:1:9-15: ERROR: end of file during comment\nBEGIN { /* abc\n        ~~~~~~\n"},
	{`BEGIN { @x = 1 @y = 2 }`, "stdin:1:16-18: ERROR: syntax error, unexpected map, expecting ; or }\nBEGIN { @x = 1 @y = 2 }\n               ~~\n"},
	{`BEGIN { $x = ; }`, "stdin:1:14-15: ERROR: syntax error, unexpected ;\nBEGIN { $x = ; }\n             ~\n"},
	{`BEGIN { print(1 }`, "stdin:1:17-18: ERROR: syntax error, unexpected }, expecting )\nBEGIN { print(1 }\n                ~\n"},
	{`BEGIN { print("\q") }`, "stdin:1:16-18: ERROR: invalid escape character '\\q'\nBEGIN { print(\"\\q\") }\n               ~~\n"},
	{`BEGIN { print("\400 \x") }`, "stdin:1:16-20: ERROR: invalid escape character '\\400'\nBEGIN { print(\"\\400 \\x\") }\n               ~~~~\nstdin:1:21-23: ERROR: invalid escape character '\\x'\nBEGIN { print(\"\\400 \\x\") }\n                    ~~\n"},
	{`BEGIN { $x = 1abc; }`, "stdin:1:14-18: ERROR: invalid integer literal: 1abc\nBEGIN { $x = 1abc; }\n             ~~~~\n"},
	{`BEGIN { $y = 99999999999999999999; }`, "stdin:1:14-34: ERROR: integer literal out of range: 99999999999999999999\nBEGIN { $y = 99999999999999999999; }\n             ~~~~~~~~~~~~~~~~~~~~\n"},
	{`BEGIN { $y = 0x1_0000_0000_0000_0000; }`, "stdin:1:14-37: ERROR: integer literal out of range: 0x1_0000_0000_0000_0000\nBEGIN { $y = 0x1_0000_0000_0000_0000; }\n             ~~~~~~~~~~~~~~~~~~~~~~~\n"},
	{`BEGIN { $z = 08; }`, "stdin:1:14-16: ERROR: invalid integer literal: 08\nBEGIN { $z = 08; }\n             ~~\n"},
	{`BEGIN { $w = 1_; }`, "stdin:1:14-16: ERROR: invalid integer literal: 1_\nBEGIN { $w = 1_; }\n             ~~\n"},
	{`BEGIN { $w = 99999999999d; }`, "stdin:1:14-26: ERROR: integer literal out of range: 99999999999d\nBEGIN { $w = 99999999999d; }\n             ~~~~~~~~~~~~\n"},
	{`BEGIN { # }`, "stdin:1:9-10: ERROR: invalid character '#'\nBEGIN { # }\n        ~\n"},
	{`{ }`, "stdin:1:1-2: ERROR: syntax error, unexpected {\n{ }\n~\n"},
	{`BEGIN`, "stdin:1:6-7: ERROR: syntax error, unexpected end of file, expecting {\nBEGIN\n     ~\n"},
	{`BEGIN }`, "stdin:1:7-8: ERROR: syntax error, unexpected }, expecting {\nBEGIN }\n      ~\n"},
	{`kprobe:a kprobe:b { }`, "stdin:1:10-18: ERROR: syntax error, unexpected path, expecting {\nkprobe:a kprobe:b { }\n         ~~~~~~~~\n"},
	{`BEGIN { if ($x) print(1); }`, "stdin:1:17-22: ERROR: syntax error, unexpected call, expecting {\nBEGIN { if ($x) print(1); }\n                ~~~~~\n"},
	{`BEGIN { while (1) print(1); }`, "stdin:1:19-24: ERROR: syntax error, unexpected call, expecting {\nBEGIN { while (1) print(1); }\n                  ~~~~~\n"},
	{`BEGIN { if (1) { } else print(1); }`, "stdin:1:25-30: ERROR: syntax error, unexpected call, expecting {\nBEGIN { if (1) { } else print(1); }\n                        ~~~~~\n"},
	{`BEGIN { $x = (1, 2; }`, "stdin:1:19-20: ERROR: syntax error, unexpected ;, expecting )\nBEGIN { $x = (1, 2; }\n                  ~\n"},
	{`BEGIN { $x = a ? b; }`, "stdin:1:19-20: ERROR: syntax error, unexpected ;, expecting :\nBEGIN { $x = a ? b; }\n                  ~\n"},
	{`BEGIN { 1 + 2 = 3; }`, "stdin:1:15-16: ERROR: syntax error, unexpected =, expecting ; or }\nBEGIN { 1 + 2 = 3; }\n              ~\n"},
	{`BEGIN { let @x = 1; }`, "stdin:1:13-15: ERROR: syntax error, unexpected map, expecting variable\nBEGIN { let @x = 1; }\n            ~~\n"},
	{`BEGIN { $x.; }`, "stdin:1:12-13: ERROR: syntax error, unexpected ;, expecting identifier\nBEGIN { $x.; }\n           ~\n"},
	{`BEGIN { $x->1; }`, "stdin:1:13-14: ERROR: syntax error, unexpected integer, expecting identifier\nBEGIN { $x->1; }\n            ~\n"},
	{`t:a:b /pid == 1 { }`, "stdin:1:17-18: ERROR: syntax error, unexpected {, expecting /\nt:a:b /pid == 1 { }\n                ~\n"},
	{`BEGIN { for ($i : 1) {} }`, "stdin:1:20-21: ERROR: syntax error, unexpected ), expecting ..\nBEGIN { for ($i : 1) {} }\n                   ~\n"},
	{`BEGIN { for (1 : @m) {} }`, "stdin:1:14-15: ERROR: syntax error, unexpected integer, expecting variable\nBEGIN { for (1 : @m) {} }\n             ~\n"},
	{`config = { a = ; } BEGIN {}`, "stdin:1:16-17: ERROR: syntax error, unexpected ;\nconfig = { a = ; } BEGIN {}\n               ~\n"},
	{`config = { a = 1 b = 2 } BEGIN {}`, "stdin:1:18-19: ERROR: syntax error, unexpected identifier, expecting ; or }\nconfig = { a = 1 b = 2 } BEGIN {}\n                 ~\n"},
	{`let $x = 1;`, "stdin:1:5-7: ERROR: syntax error, unexpected variable, expecting map\nlet $x = 1;\n    ~~\n"},
	{`macro m(1) {}`, "stdin:1:9-10: ERROR: syntax error, unexpected integer\nmacro m(1) {}\n        ~\n"},
	{`fn f(a) {}`, "stdin:1:6-7: ERROR: syntax error, unexpected identifier, expecting variable\nfn f(a) {}\n     ~\n"},
	{`import foo;`, "stdin:1:8-11: ERROR: syntax error, unexpected identifier, expecting string\nimport foo;\n       ~~~\n"},
	{`BEGIN { $ }`, "stdin:1:9-10: ERROR: invalid character '$'\nBEGIN { $ }\n        ~\n"},
	{`BEGIN { x } junk`, "stdin:1:17-18: ERROR: syntax error, unexpected end of file, expecting {\nBEGIN { x } junk\n                ~\n"},
	{`struct X { int a;`, "stdin:1:18-19: ERROR: syntax error, unexpected end of file, expecting }\nstruct X { int a;\n                 ~\n"},
	{`BEGIN { print("a") } #!x`, "stdin:1:22-25: ERROR: syntax error, unexpected preprocessor directive\nBEGIN { print(\"a\") } #!x\n                     ~~~\n"},
	{`BEGIN { $x = (uint8[0])1; }`, "stdin:1:21-22: ERROR: invalid array size: 0\nBEGIN { $x = (uint8[0])1; }\n                    ~\n"},
	{`config = {a=1} config = {b=2} BEGIN {}`, "stdin:1:16-30: ERROR: only one config block is allowed\nconfig = {a=1} config = {b=2} BEGIN {}\n               ~~~~~~~~~~~~~~\n"},
	{`BEGIN { @x[] = 1 }`, "stdin:1:12-13: ERROR: syntax error, unexpected ]\nBEGIN { @x[] = 1 }\n           ~\n"},
	{`BEGIN { $x = sizeof(struct); }`, "stdin:1:21-27: ERROR: syntax error, unexpected struct\nBEGIN { $x = sizeof(struct); }\n                    ~~~~~~\n"},
	{`BEGIN { else }`, "stdin:1:9-13: ERROR: syntax error, unexpected else\nBEGIN { else }\n        ~~~~\n"},
	{`BEGIN { import }`, "stdin:1:9-15: ERROR: syntax error, unexpected import\nBEGIN { import }\n        ~~~~~~\n"},
	{`BEGIN { $t.1e3 }`, "stdin:1:12-15: ERROR: invalid tuple index: 1e3\nBEGIN { $t.1e3 }\n           ~~~\n"},
	{"BEGIN { \x01 }", "stdin:1:9-10: ERROR: invalid character '\\x01'\nBEGIN { \x01 }\n        ~\n"}}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range errorCases {
		src := diag.NewSource("stdin", c.src)
		prog, diags := Parse(src)
		if prog == nil {
			t.Fatalf("%q: nil program", c.src)
		}
		checkSpans(t, c.src, prog, len(c.src))
		if len(diags.Items) == 0 {
			t.Errorf("%q: no diagnostics", c.src)
			continue
		}
		for _, d := range diags.Items {
			if d.Code != diag.CodeSyntax && d.Code != diag.CodeDuplicate {
				t.Errorf("%q: code %q, want %q", c.src, d.Code, diag.CodeSyntax)
			}
			if d.Severity != diag.Error {
				t.Errorf("%q: severity %v", c.src, d.Severity)
			}
			if s := d.Span; s.Start < 0 || s.Start > s.End || s.End > len(c.src) {
				t.Errorf("%q: bad diagnostic span %v", c.src, s)
			}
		}
		if got := src.Render(diags); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

// TestGoldenSyntaxError compares with bpftrace 0.17's own output.
func TestGoldenSyntaxError(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(goldenDir, "err_syntax.err"))
	if err != nil {
		t.Skip(err)
	}
	src := diag.NewSource("stdin", `BEGIN { if (1) printf("x\n"); }`)
	_, diags := Parse(src)
	if got := src.Render(diags); got != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestPartialProgram checks that items before a syntax error are kept.
func TestPartialProgram(t *testing.T) {
	src := diag.NewSource("stdin", "BEGIN { @a = 1; }\nkprobe:f { @b = ; }\nEND { }")
	prog, diags := Parse(src)
	if !diags.HasErrors() {
		t.Fatal("expected an error")
	}
	if got, want := ast.Dump(prog), `(program (probe (attach "BEGIN") (block (= @a 1))))`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestLiteralErrorsContinue checks that a bad literal does not stop parsing.
func TestLiteralErrorsContinue(t *testing.T) {
	src := diag.NewSource("stdin", `BEGIN { print("\q"); $x = 1x; } END { print(1) }`)
	prog, diags := Parse(src)
	if len(diags.Items) != 2 {
		t.Fatalf("want 2 diagnostics, got:\n%s", src.Render(diags))
	}
	if len(prog.Probes) != 2 {
		t.Errorf("want 2 probes, got %s", ast.Dump(prog))
	}
}

// TestNilSource checks the degenerate inputs.
func TestNilSource(t *testing.T) {
	prog, diags := Parse(nil)
	if prog == nil || len(diags.Items) != 0 {
		t.Errorf("Parse(nil) = %v, %v", prog, diags.Items)
	}
	for _, text := range []string{"", " ", "\n\n", "// x", "/* x */", "#!x"} {
		parseOK(t, text)
	}
}

// TestDeepNesting checks that hostile nesting is an error, not a crash.
func TestDeepNesting(t *testing.T) {
	for _, text := range []string{
		"BEGIN { $x = " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + "; }",
		"BEGIN { $x = " + strings.Repeat("-", 100000) + "1; }",
		"BEGIN " + strings.Repeat("{", 100000) + strings.Repeat("}", 100000),
		"BEGIN { $x = " + strings.Repeat("a ? ", 100000) + "1; }",
	} {
		src := diag.NewSource("stdin", text)
		_, diags := Parse(src)
		if !diags.HasErrors() || !strings.Contains(diags.Items[0].Msg, "nesting too deep") {
			t.Errorf("%.20q…: want a nesting error, got %v", text, diags.Items)
		}
	}
}

func TestIsIdent(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_": true, "Ab_9": true, "x1y2": true,
		"": false, "9a": false, "a-b": false, "a b": false, "é": false, "a.b": false, "a@": false, "[": false, "`": false,
	} {
		if got := isIdent(s); got != want {
			t.Errorf("isIdent(%q) = %v, want %v", s, got, want)
		}
	}
}
