package parser

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// tokens lexes text the way the parser does at top level (no resets) and
// returns the token stream.
func tokens(text string, window int) []token {
	s := scanner{src: text, size: window}
	s.reset(0)
	var out []token
	for {
		t := s.next()
		out = append(out, t)
		if t.kind == kEOF {
			return out
		}
	}
}

func TestScannerKinds(t *testing.T) {
	text := "kprobe:f /x / 2/ { a 1 $v $1 $# @m @ \"s\" -> .. <<= /* c */ // d\n } \"open"
	want := []struct {
		kind kind
		text string
	}{
		{kAttach, "kprobe:f"}, {kPunct, "/"}, {kIdent, "x"}, {kPunct, "/"}, {kNumber, "2"},
		{kPredEnd, "/ {"}, {kIdent, "a"}, {kNumber, "1"}, {kDollar, "$v"}, {kDollar, "$1"},
		{kDollar, "$#"}, {kMap, "@m"}, {kMap, "@"}, {kString, `"s"`}, {kPunct, "->"},
		{kPunct, ".."}, {kPunct, "<<="}, {kPunct, "}"}, {kUntermString, `"open`}, {kEOF, ""},
	}
	got := tokens(text, 0)
	if len(got) != len(want) {
		t.Fatalf("got %d tokens %v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].kind != w.kind || got[i].text != w.text {
			t.Errorf("token %d = %v %q, want %v %q", i, got[i].kind, got[i].text, w.kind, w.text)
		}
		if got[i].kind != kEOF && text[got[i].pos:got[i].end()] != got[i].text {
			t.Errorf("token %d at %d does not match the text", i, got[i].pos)
		}
	}
}

// fragments are pieces of scripts, chosen to straddle window boundaries:
// multi-line comments, predicates whose '{' is lines away from the '/',
// directives with continuations and multi-line C definitions.
var fragments = []string{
	"BEGIN", "kprobe:f", "t:a:b", "{", "}", "/", "/*\n{\n*/", "/* } */", "// c {\n", "\n", "\n\n",
	"$x", "=", "1", ";", "@m[1]", "\"str\"", "(", ")", "pid", "==", "+", ",", "if", "else",
	"#define X \\\n 1\n", "struct S\n{\nint a; /* } */\n}\n", "config = {", "x = 1", "let @m = hash(1)",
	"0..10", "$t.0.1", "\"a\\\"b\"", "'", "#", "\"open\n", "/* unterminated", "->", "?", ":",
}

// TestWindowsAgree builds random fragment soups and checks that every
// window size gives the same tokens and the same parse as no windows.
func TestWindowsAgree(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for n := rng.Intn(60); n >= 0; n-- {
			b.WriteString(fragments[rng.Intn(len(fragments))])
			b.WriteString([]string{" ", "\n", "", "\t"}[rng.Intn(4)])
		}
		text := b.String()
		want := tokens(text, 1<<30)
		wantProg, wantDiags := parse(diag.NewSource("x", text), 1<<30)
		wantDump, wantRender := ast.Dump(wantProg), diag.NewSource("x", text).Render(wantDiags)
		for _, w := range []int{1, 2, 3, 7, 16} {
			got := tokens(text, w)
			if len(got) != len(want) {
				t.Fatalf("%q window %d: %d tokens, want %d", text, w, len(got), len(want))
			}
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("%q window %d: token %d = %+v, want %+v", text, w, j, got[j], want[j])
				}
			}
			prog, diags := parse(diag.NewSource("x", text), w)
			if d := ast.Dump(prog); d != wantDump {
				t.Fatalf("%q window %d:\n got %s\nwant %s", text, w, d, wantDump)
			}
			if r := diag.NewSource("x", text).Render(diags); r != wantRender {
				t.Fatalf("%q window %d:\n got %s\nwant %s", text, w, r, wantRender)
			}
		}
	}
}
