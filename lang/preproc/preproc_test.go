package preproc

import (
	"errors"
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

// fakeIncluder serves headers from a map keyed by directory and name:
// "name" for the search path, "dir/name" for a quoted include from dir.
type fakeIncluder struct {
	headers map[string]string
	errs    map[string]error
	pre     []string
	asked   []string
}

func (f *fakeIncluder) Include(name string, system bool, dir string) (Header, error) {
	f.asked = append(f.asked, dir+"|"+name)
	if err := f.errs[name]; err != nil {
		return Header{}, err
	}
	if !system && dir != "" {
		if text, ok := f.headers[dir+"/"+name]; ok {
			return Header{Path: dir + "/" + name, Text: text}, nil
		}
	}
	if text, ok := f.headers[name]; ok {
		return Header{Path: "/inc/" + name, Text: text}, nil
	}
	return Header{}, ErrNotFound
}

func (f *fakeIncluder) Preincludes() []string { return f.pre }

func TestIncludes(t *testing.T) {
	inc := &fakeIncluder{headers: map[string]string{
		"sys.h":   "#ifndef SYS_H\n#define SYS_H\n#define LIMIT 64\n#include \"inner.h\"\n#define LONG \\\n  (LIMIT * 2)\n#endif\n",
		"inner.h": "#define INNER 7\n#define FN(x) ((x) + 1)\n#define BAD 1 +\n#include COMPUTED_NAME\n",
	}}
	var diags diag.List
	res := Process(directives("#include <sys.h>", "#include <linux/sched.h> // BTF covers it", "#include \"sys.h\""), &Options{Include: inc}, &diags)
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
	// The nested quoted include is searched from its header's directory.
	if !contains(inc.asked, "/inc|inner.h") {
		t.Errorf("inner.h was not searched from /inc: %q", inc.asked)
	}
}

// TestIncludeErrors: a header that exists but cannot be used is an error
// at the script's #include (also when a nested header is the culprit);
// a header that exists nowhere is skipped when it is a kernel or C library
// header (BTF stands in for it) and an error otherwise.
func TestIncludeErrors(t *testing.T) {
	missing := func(name string) string {
		return "'" + name + "' file not found (not a kernel or C library header, which BTF and the constant table stand in for; add its directory with -I)"
	}
	escape := errors.New("the name leaves the include search path")
	inc := &fakeIncluder{
		headers: map[string]string{"outer.h": "#include <zero.h>\n"},
		errs:    map[string]error{"../../dev/zero": escape, "zero.h": errors.New("/dev/zero: not a regular file")},
	}
	lines := []string{"#include <../../dev/zero>", "#include <missing.h>", "#include \"outer.h\"", "#include nodelimiters", "#include <errno.h>", "#include <lol/no.h>", "#include <linux/fs.h>", "#include \"mine.h\""}
	dirs := directives(lines...)
	var diags diag.List
	Process(dirs, &Options{Include: inc}, &diags)
	want := map[int]string{
		0: "#include <../../dev/zero>: the name leaves the include search path",
		2: "#include <zero.h>: /dev/zero: not a regular file",
		3: "#include expects \"FILE\" or <FILE>, not nodelimiters",
		1: missing("missing.h"),
		5: missing("lol/no.h"),
		7: missing("mine.h"),
	}
	if len(diags.Items) != len(want) {
		t.Fatalf("diagnostics %v, want %d", diags.Items, len(want))
	}
	for _, d := range diags.Items {
		line := -1
		for i, dir := range dirs {
			if d.Span == dir.Span() {
				line = i
			}
		}
		if msg, ok := want[line]; !ok || d.Msg != msg || d.Code != diag.CodePreprocessor || d.Severity != diag.Error {
			t.Errorf("diagnostic %+v: want %q at line %d", d, msg, line)
		}
	}
}

// TestPreincludes: --include headers are read before the script's
// directives, and their errors name the option.
func TestPreincludes(t *testing.T) {
	inc := &fakeIncluder{
		headers: map[string]string{"pre.h": "#define PRE 5\n"},
		errs:    map[string]error{"bad.h": errors.New("bad.h: larger than the 4 MiB limit")},
		pre:     []string{"pre.h", "linux/path.h"},
	}
	var diags diag.List
	res := Process(directives("#if PRE != 5", "#error", "#endif"), &Options{Include: inc}, &diags)
	if diags.HasErrors() || res.Defines["PRE"].Int != 5 || len(res.Inactive) != 1 {
		t.Fatalf("defines %v, inactive %v, errors %v", res.Defines, res.Inactive, diags.Items)
	}
	inc.pre = []string{"bad.h"}
	diags = diag.List{}
	Process(nil, &Options{Include: inc}, &diags)
	if len(diags.Items) != 1 || diags.Items[0].Msg != `--include bad.h: #include "bad.h": bad.h: larger than the 4 MiB limit` {
		t.Fatalf("diagnostics %v", diags.Items)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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

// TestExportedEval evaluates constant expressions whose identifiers a
// lookup resolves (enumerator values): an unknown one and defined() are
// invalid outside #if.
func TestExportedEval(t *testing.T) {
	lookup := func(name string) (int64, bool) {
		v, ok := map[string]int64{"A": 1, "B": 2}[name]
		return v, ok
	}
	for expr, want := range map[string]int64{"A | B << 2": 9, "(A + B) * 3": 9, "~A & 0xf": 14, "1UL << 40": 1 << 40} {
		if got, ok := Eval(expr, lookup); !ok || got != want {
			t.Errorf("Eval(%q) = %d, %v; want %d", expr, got, ok, want)
		}
	}
	for _, bad := range []string{"C", "A + C", "defined(A)", "sizeof(int)", ""} {
		if v, ok := Eval(bad, lookup); ok {
			t.Errorf("Eval(%q) = %d; want invalid", bad, v)
		}
	}
}
