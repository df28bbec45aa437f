package check_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/parser"
)

const goldenDir = "/work/shared/reference/golden-0.17"

// fuzzSeeds returns the -e programs of the bpftrace golden runs and the
// checker testdata scripts.
func fuzzSeeds(t testing.TB) []string {
	var seeds []string
	cmds, _ := filepath.Glob(filepath.Join(goldenDir, "*.cmd"))
	for _, f := range cmds {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		args := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-e" {
				seeds = append(seeds, args[i+1])
			}
		}
	}
	bts, _ := filepath.Glob(filepath.Join("testdata", "*.bt"))
	for _, f := range bts {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, string(data))
		// Each line on its own, too: small inputs mutate better.
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "{") && strings.Contains(line, "}") {
				seeds = append(seeds, line)
			}
		}
	}
	return seeds
}

// checkSpans fails when a diagnostic is internal or has a span outside
// the text (or the standard library file it points into).
func checkSpans(t *testing.T, stage string, src *diag.Source, diags *diag.List) {
	t.Helper()
	text := src.Text
	for _, d := range diags.Items {
		if d.Code == diag.CodeInternal || strings.HasPrefix(d.Msg, "internal") {
			t.Fatalf("%s: internal error for %q: %s", stage, text, d.Msg)
		}
		f, s := src.LocateSpan(d.Span)
		if s.Start < 0 || s.Start > s.End || s.End > len(f.Text) {
			t.Fatalf("%s: diagnostic span %v outside %s of length %d: %s", stage, d.Span, f.Name, len(f.Text), d.Msg)
		}
		_ = src.Format(d)
	}
}

// FuzzCheck: parse + check (+ compile when the check is clean) never
// panics, never reports an internal error, and every diagnostic span lies
// within the source.
func FuzzCheck(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	host := hosttest.New()
	f.Fuzz(func(t *testing.T, text string) {
		src := diag.NewSource("stdin", text)
		type result struct {
			info  *check.Info
			diags *diag.List
			stage string
		}
		done := make(chan result, 1)
		go func() {
			prog, pd := parser.Parse(src)
			if pd.HasErrors() {
				done <- result{diags: pd, stage: "parse"}
				return
			}
			info, cd := check.Check(src, prog, &check.Config{Host: host, Params: []string{"1", "two"}})
			cd.Items = append(pd.Items, cd.Items...)
			done <- result{info: info, diags: cd, stage: "check"}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("parse+check hangs on %q", text)
		}
		checkSpans(t, r.stage, src, r.diags)
		if r.stage != "check" || r.diags.HasErrors() {
			return
		}
		// Nested unrolls multiply code size (up to 100^n copies); compile
		// only inputs with at most one.
		if strings.Count(text, "unroll") > 1 {
			return
		}
		obj, gd := codegen.Compile(r.info, &codegen.Options{Source: src})
		checkSpans(t, "compile", src, gd)
		for _, d := range gd.Items {
			if d.Code != diag.CodeStack || !strings.Contains(d.Msg, "stack limit") {
				t.Fatalf("compile: unexpected diagnostic for %q: %s", text, src.Format(d))
			}
		}
		if !gd.HasErrors() && obj == nil {
			t.Fatalf("compile: nil object without errors for %q", text)
		}
	})
}
