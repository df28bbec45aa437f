package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// goldenDir holds the bpftrace 0.17 reference runs (NAME.cmd = argv, one
// argument per line).
const goldenDir = "/work/shared/reference/golden-0.17"

// programFromCmd extracts the -e program of a .cmd file. A program may
// span several lines; it ends at the first line where braces balance and
// the text ends in '}'.
func programFromCmd(cmd string) (string, bool) {
	lines := strings.Split(strings.TrimRight(cmd, "\n"), "\n")
	for i, l := range lines {
		if l != "-e" {
			continue
		}
		var prog []string
		for _, l := range lines[i+1:] {
			prog = append(prog, l)
			text := strings.Join(prog, "\n")
			if braceBalance(text) == 0 && strings.HasSuffix(strings.TrimSpace(text), "}") {
				return text, true
			}
		}
		return strings.Join(prog, "\n"), true
	}
	return "", false
}

// braceBalance counts '{' minus '}' outside string literals.
func braceBalance(s string) int {
	n, inStr := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == '{':
			n++
		case !inStr && c == '}':
			n--
		}
	}
	return n
}

// goldenPrograms returns name → program for every golden -e run.
func goldenPrograms(t testing.TB) map[string]string {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.cmd"))
	if err != nil || len(files) == 0 {
		t.Skipf("golden files not available: %v", err)
	}
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if prog, ok := programFromCmd(string(data)); ok {
			out[strings.TrimSuffix(filepath.Base(f), ".cmd")] = prog
		}
	}
	return out
}

// TestGoldenPrograms parses every upstream-style -e program of the golden
// runs. All must parse cleanly except err_syntax, whose expected stderr is
// compared byte for byte.
func TestGoldenPrograms(t *testing.T) {
	progs := goldenPrograms(t)
	if len(progs) < 50 {
		t.Fatalf("only %d golden programs found", len(progs))
	}
	for name, text := range progs {
		src := diag.NewSource("stdin", text)
		prog, diags := Parse(src)
		checkSpans(t, name, prog, len(text))
		if name == "err_syntax" {
			want, err := os.ReadFile(filepath.Join(goldenDir, "err_syntax.err"))
			if err != nil {
				t.Fatal(err)
			}
			if got := src.Render(diags); got != string(want) {
				t.Errorf("err_syntax:\ngot:\n%s\nwant:\n%s", got, want)
			}
			continue
		}
		if len(diags.Items) != 0 {
			t.Errorf("%s: %q:\n%s", name, text, src.Render(diags))
		}
		if len(prog.Probes) == 0 {
			t.Errorf("%s: no probes parsed from %q", name, text)
		}
	}
}
