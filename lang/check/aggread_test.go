package check

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// TestAggReadTypes checks the type of reading an aggregation map's value
// in a probe: count is uint64, sum/min/max/avg are 64-bit integers signed
// like their arguments.
func TestAggReadTypes(t *testing.T) {
	cases := []struct {
		src, expr, typ string
	}{
		{`BEGIN { @a = count(); print(@a + 1); }`, `@a`, "uint64"},
		{`BEGIN { @a = count(); print(@a + 1); }`, `@a + 1`, "uint64"},
		{`BEGIN { @b = sum(10); print(@b + 1); }`, `@b`, "int64"},
		{`BEGIN { @b = sum((uint64)10); print(@b + 1); }`, `@b`, "uint64"},
		{`BEGIN { @b = sum(-1); printf("%d\n", (int64)@b); }`, `(int64)@b`, "int64"},
		{`BEGIN { @c[1] = count(); printf("%d\n", @c[1]); }`, `@c[1]`, "uint64"},
		{`BEGIN { @m = max(5); print(@m - 1); }`, `@m`, "int64"},
		{`BEGIN { @m = min(-3); print(@m * 2); }`, `@m`, "int64"},
		{`BEGIN { @m = max((uint32)3); print(@m * 2); }`, `@m`, "uint64"},
		{`BEGIN { @av = avg(10); print(@av * 2); }`, `@av`, "int64"},
		{`BEGIN { @ = count(); if (@ > 1) { print(1); } }`, `@ > 1`, "bool"},
		{`BEGIN { @a = count(); @x = (@a, 1); print(@x); }`, `(@a, 1)`, "(uint64,int8)"},
		// A read before the probe that assigns the map.
		{`BEGIN { print(@late[1] + 1); } END { @late[1] = sum(-2); }`, `@late[1] + 1`, "int64"},
	}
	for _, c := range cases {
		prog, info := mustCheck(t, c.src, nil)
		e := findLastExpr(t, prog, c.src, c.expr)
		var got string
		for _, inst := range info.Instances {
			if ty := inst.Types[e]; ty != nil {
				got = ty.String()
			}
		}
		if got != c.typ {
			t.Errorf("%s: type of %s is %q, want %q", c.src, c.expr, got, c.typ)
		}
	}
	// Reads used as map keys and values leave the aggregation alone and
	// type the other maps.
	_, info := mustCheck(t, `BEGIN { @a = count(); @y[@a] = 1; @z = @a; @s = sum(-1); @w[@s, @a] = @s; }`, nil)
	want := map[string][2]string{
		"@a": {"", "count"},
		"@y": {"uint64", "int8"},
		"@z": {"", "uint64"},
		"@s": {"", "sum"},
		"@w": {"(int64,uint64)", "int64"},
	}
	for name, w := range want {
		m := info.Maps[name]
		if m == nil {
			t.Errorf("map %s missing", name)
			continue
		}
		key := ""
		if m.Key != nil {
			key = m.Key.String()
		}
		if key != w[0] || m.Value.String() != w[1] {
			t.Errorf("%s: key %q value %q, want key %q value %q", name, key, m.Value, w[0], w[1])
		}
	}
}

// findLastExpr returns the last expression of prog whose source text is
// want (a read comes after the assignment that types the map).
func findLastExpr(t *testing.T, prog *ast.Program, src, want string) ast.Expr {
	t.Helper()
	var found ast.Expr
	ast.Inspect(prog, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok {
			s := e.Span()
			if s.Start >= 0 && s.End <= len(src) && src[s.Start:s.End] == want {
				found = e
			}
		}
		return true
	})
	if found == nil {
		t.Fatalf("no expression %q in %q", want, src)
	}
	return found
}

// TestAggReadUnsupported checks that reading hist, lhist and stats values
// stays a positioned error on the map expression.
func TestAggReadUnsupported(t *testing.T) {
	cases := []struct{ src, name, kind, read string }{
		{`BEGIN { @h = hist(1); print(@h + 1); }`, "@h", "hist", "@h"},
		{`BEGIN { @h[1] = hist(1); $x = @h[2]; }`, "@h", "hist", "@h[2]"},
		{`BEGIN { @l = lhist(1, 0, 10, 1); printf("%d\n", @l); }`, "@l", "lhist(0,10,1)", "@l"},
		{`BEGIN { @s = stats(1); if (@s > 0) { print(1); } }`, "@s", "stats", "@s"},
	}
	for _, c := range cases {
		_, _, diags, _ := checkText(c.src, nil)
		if len(diags.Items) != 1 {
			t.Errorf("%s: %d diagnostics, want 1: %v", c.src, len(diags.Items), diags.Items)
			continue
		}
		d := diags.Items[0]
		wantMsg := "reading the value of aggregation map " + c.name + " (" + c.kind + ") in a probe is not supported yet"
		if d.Severity != diag.Error || d.Code != diag.CodeUnsupported || d.Msg != wantMsg {
			t.Errorf("%s: got %v %s %q, want error %s %q", c.src, d.Severity, d.Code, d.Msg, diag.CodeUnsupported, wantMsg)
		}
		// The error points at the read (the last occurrence), not at the
		// assignment.
		at := strings.LastIndex(c.src, c.read)
		if d.Span.Start != at || d.Span.End != at+len(c.read) {
			t.Errorf("%s: error at %d-%d %q, want %d-%d %q", c.src, d.Span.Start, d.Span.End, c.src[d.Span.Start:d.Span.End], at, at+len(c.read), c.read)
		}
	}
}
