package preproc

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// directives turns "#name text" lines into directives with spans that
// follow each other.
func directives(lines ...string) []*ast.Directive {
	var out []*ast.Directive
	off := 0
	for _, l := range lines {
		body := strings.TrimPrefix(l, "#")
		name, text, _ := strings.Cut(body, " ")
		out = append(out, &ast.Directive{Pos: ast.Pos{S: diag.Span{Start: off, End: off + len(l)}}, Name: name, Text: text})
		off += len(l) + 1
	}
	return out
}

func TestConditionalsAndDefines(t *testing.T) {
	var diags diag.List
	res := Process(directives(
		"#define A 3",
		"#define S \"str\"",
		"#ifndef BPFTRACE_HAVE_BTF",
		"#define B 1",
		"#else",
		"#define B 2",
		"#endif",
		"#if A > 2 && defined(B)",
		"#define C (A << 2) + B /* comment */",
		"#elif 1",
		"#define C 0",
		"#endif",
		"#ifdef NOPE",
		"#define D 1",
		"#endif",
		"#define E",
		"#undef A",
	), nil, &diags)
	if diags.HasErrors() {
		t.Fatalf("errors: %v", diags.Items)
	}
	want := map[string]int64{"B": 2, "C": 14, "E": 1, "BPFTRACE_HAVE_BTF": 1}
	for name, v := range want {
		if got, ok := res.Defines[name]; !ok || got.Int != v {
			t.Errorf("%s = %+v, want %d", name, got, v)
		}
	}
	for _, name := range []string{"A", "D"} {
		if _, ok := res.Defines[name]; ok {
			t.Errorf("%s should not be defined", name)
		}
	}
	if s := res.Defines["S"]; !s.IsStr || s.Str != "str" {
		t.Errorf("S = %+v", s)
	}
	// The inactive regions are the #ifndef branch, the #elif branch and
	// the #ifdef NOPE body.
	if len(res.Inactive) != 3 {
		t.Fatalf("inactive regions %v", res.Inactive)
	}
	if !res.Inside(diag.Span{Start: res.Inactive[0].Start + 1}) || res.Inside(diag.Span{Start: 0}) {
		t.Error("Inside is wrong")
	}
}

func TestIncludes(t *testing.T) {
	headers := map[string]string{
		"sys.h":   "#ifndef SYS_H\n#define SYS_H\n#define LIMIT 64\n#include \"inner.h\"\n#define LONG \\\n  (LIMIT * 2)\n#endif\n",
		"inner.h": "#define INNER 7\n#define FN(x) ((x) + 1)\n#define BAD 1 +\n",
	}
	include := func(name string, system bool) (string, bool) {
		text, ok := headers[name]
		return text, ok
	}
	var diags diag.List
	res := Process(directives("#include <sys.h>", "#include <linux/sched.h>", "#include \"sys.h\""), &Options{Include: include}, &diags)
	if diags.HasErrors() {
		t.Fatalf("errors: %v", diags.Items)
	}
	for name, v := range map[string]int64{"LIMIT": 64, "INNER": 7, "LONG": 128} {
		if got := res.Defines[name]; got.Int != v {
			t.Errorf("%s = %d, want %d", name, got.Int, v)
		}
	}
	for _, name := range []string{"FN", "BAD"} {
		if _, ok := res.Defines[name]; ok {
			t.Errorf("%s should be skipped", name)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, lines := range [][]string{
		{"#endif"},
		{"#else"},
		{"#ifdef X"},
		{"#if 1 +"},
	} {
		var diags diag.List
		Process(directives(lines...), nil, &diags)
		if !diags.HasErrors() {
			t.Errorf("%v: no error", lines)
		}
		for _, d := range diags.Items {
			if d.Code != diag.CodePreprocessor || !d.Span.Valid() {
				t.Errorf("%v: diagnostic %+v", lines, d)
			}
		}
	}
}

func TestEval(t *testing.T) {
	p := &processor{res: &Result{Defines: map[string]Value{"X": {Int: 5}}}}
	for expr, want := range map[string]int64{
		"1 + 2 * 3": 7, "(1 + 2) * 3": 9, "-X": -5, "!0": 1, "~0": -1, "X % 3": 2, "1 << 4 | 1": 17,
		"X == 5 && X != 4": 1, "UNDEFINED": 0, "defined X": 1, "defined(Y)": 0, "0x10": 16, "010": 8,
		"100UL": 100, "X >= 5 || 0": 1,
	} {
		if got, ok := p.eval(expr); !ok || got != want {
			t.Errorf("eval(%q) = %d, %v; want %d", expr, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1 +", "(1", "1 / 0", "\"s\"", "(int)1"} {
		if _, ok := p.eval(bad); ok {
			t.Errorf("eval(%q) succeeded", bad)
		}
	}
}
