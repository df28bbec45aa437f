package stdlib_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

var update = flag.Bool("update", false, "rewrite docs/stdlib.md from the tables")

const referencePath = "../docs/stdlib.md"

// TestReferenceUpToDate fails when docs/stdlib.md is not what the tables
// generate; -update rewrites it.
func TestReferenceUpToDate(t *testing.T) {
	want := stdlib.Reference()
	if *update {
		if err := os.MkdirAll("../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(referencePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("%v (run go test ./stdlib -run TestReference -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run go test ./stdlib -run TestReference -update", referencePath)
	}
	for _, name := range []string{"### printf", "### strlen", "### max_strlen", "### tracepoint", "### comm"} {
		if !strings.Contains(want, name) && !strings.Contains(want, "`"+strings.TrimPrefix(name, "### ")+"`") {
			t.Errorf("the reference has no entry %q", name)
		}
	}
}

// TestReferenceExamples: every function, variable and probe kind has an
// example, and every example parses and passes the checker against the
// fixture host. The fixture has a few tracepoints, binaries and kernel
// types: an example may fail only because it names one the fixture lacks,
// or with the refusal of a facility that is not supported.
func TestReferenceExamples(t *testing.T) {
	type ex struct{ kind, name, src string }
	var all []ex
	for id := stdlib.FuncID(1); int(id) < stdlib.NumFuncs; id++ {
		all = append(all, ex{"function", id.String(), stdlib.FuncExamples[id]})
	}
	for id := stdlib.VarID(1); int(id) < stdlib.NumVars; id++ {
		all = append(all, ex{"variable", id.String(), stdlib.VarExamples[id]})
	}
	for id := stdlib.ProbeKind(1); int(id) < stdlib.NumProbeKinds; id++ {
		all = append(all, ex{"probe", id.String(), stdlib.ProbeExamples[id]})
	}
	host := hosttest.New()
	for _, e := range all {
		if e.src == "" {
			t.Errorf("%s %s has no example", e.kind, e.name)
			continue
		}
		src := diag.NewSource("example", e.src)
		prog, pd := parser.Parse(src)
		if pd.HasErrors() {
			t.Errorf("%s %s: the example does not parse:\n%s", e.kind, e.name, src.Render(pd))
			continue
		}
		// As run with a target process (-p): dw_ustack requires one.
		_, cd := check.Check(src, prog, &check.Config{Host: host, Unsafe: true, UnwindTargets: true})
		for _, d := range cd.Errors() {
			if !fixtureLacks(d.Msg) {
				t.Errorf("%s %s: the example does not check:\n%s", e.kind, e.name, src.Render(cd))
				break
			}
		}
	}
}

// fixtureLacks reports whether a checker error is about something the
// fixture host does not have (or a facility refused everywhere).
func fixtureLacks(msg string) bool {
	for _, s := range []string{"not supported", "No matches for", "not found in BTF", "file does not exist",
		"no such symbol", "Struct/union of type 'struct task_struct' does not contain", "unknown tracepoint"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
