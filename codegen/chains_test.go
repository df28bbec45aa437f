package codegen

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// chain joins n copies of term with op.
func chain(term, op string, n int) string {
	return strings.TrimSuffix(strings.Repeat(term+" "+op+" ", n), " "+op+" ")
}

// TestLongChainsFitTheStack: a left-nested chain of binary operations
// (a + b + c + …, as the parser builds it) reuses one temporary instead of
// holding one per level; 200 non-constant terms once needed 1.6 KB of
// stack.
func TestLongChainsFitTheStack(t *testing.T) {
	for _, src := range []string{
		`BEGIN { $x = 1 + ` + chain("pid", "+", 200) + `; printf("%d\n", $x); }`,
		`BEGIN { $a = 3; $x = ` + chain("$a * pid", "-", 150) + `; printf("%d\n", $x); }`,
		`BEGIN { if (` + chain("pid", "^", 200) + ` > ` + chain("tid", "|", 200) + `) { printf("y\n"); } }`,
		`BEGIN { @m[` + chain("pid", "+", 200) + `] = ` + chain("pid", "&", 200) + `; }`,
		`BEGIN { $p = (int32 *)0x1000; $q = $p + ` + chain("pid", "+", 200) + `; print($q); }`,
	} {
		_, gd, rs := CompileScript(t, src, nil)
		if gd.HasErrors() {
			t.Errorf("%.60s…:\n%.600s", src, rs.Render(gd))
		}
	}
}

// TestDeepNestingStillOverflows: a right-nested chain must hold every
// left operand while the rest is computed; past the 512-byte stack that is
// a positioned diagnostic, not a wrong program.
func TestDeepNestingStillOverflows(t *testing.T) {
	src := `BEGIN { $x = ` + strings.Repeat("pid + (", 80) + "1" + strings.Repeat(")", 80) + `; printf("%d\n", $x); }`
	_, gd, rs := CompileScript(t, src, nil)
	if !gd.HasErrors() {
		t.Fatal("no diagnostic for 80 nested additions")
	}
	for _, d := range gd.Items {
		if d.Code != diag.CodeStack || !strings.Contains(d.Msg, "stack limit") {
			t.Errorf("diagnostic %s: %s, want a stack limit error", d.Code, d.Msg)
		}
		if d.Span.Start < strings.Index(src, "$x") || d.Span.End > len(src) || d.Span.Start >= d.Span.End {
			t.Errorf("span %v is not on the statement:\n%s", d.Span, rs.Format(d))
		}
	}
}
