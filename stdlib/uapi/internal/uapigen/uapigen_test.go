package uapigen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEval(t *testing.T) {
	g := &generator{files: map[string]bool{}, defs: map[string][]def{
		"A":    {{expr: "0x10UL", file: "x"}},
		"B":    {{expr: "(A | 04) << 1", file: "x"}},
		"LOOP": {{expr: "LOOP + 1", file: "x"}},
	}}
	for expr, want := range map[string]int64{
		"010": 8, "0x1f": 31, "-100": -100, "1ULL << 33": 1 << 33,
		"B + 2 * 3": 46, "~0 & 0xff": 255, "(1|2)^1": 2,
	} {
		got, err := g.evalExpr(expr, map[string]bool{})
		if err != nil || got != want {
			t.Errorf("eval(%q) = %d, %v; want %d", expr, got, err, want)
		}
	}
	for _, expr := range []string{"UNDEF", "LOOP", "(1", "1 +", "sizeof(int)", `"x"`} {
		if v, err := g.evalExpr(expr, map[string]bool{}); err == nil {
			t.Errorf("eval(%q) = %d; want an error", expr, v)
		}
	}
}

func TestReadEnumAndDefines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "h.h")
	src := `/* comment
   #define NOT_ME 1 */
enum e {
	X_A = 5, /* five */
#define X_A X_A
	X_B,
	X_C = X_A | \
	      0x100,
};
#define Y_ONE 1 // one
#define Y_F(x) (x)
#define Y_TWO (Y_ONE + 1)
`
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &generator{files: map[string]bool{}, defs: map[string][]def{}}
	names, err := g.read(p, "h.h")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "Y_ONE Y_TWO X_A X_B X_C" {
		t.Errorf("names = %s", got)
	}
	for name, want := range map[string]int64{"X_A": 5, "X_B": 6, "X_C": 0x105, "Y_TWO": 2} {
		if got, err := g.evalIn(name, "h.h"); err != nil || got != want {
			t.Errorf("%s = %d, %v; want %d", name, got, err, want)
		}
	}
}

func TestMissingHeaders(t *testing.T) {
	if _, _, err := Generate(t.TempDir(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("Generate(empty root) error = %v; want a missing-header error", err)
	}
}
