//go:build linux

package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
)

// compileFuzzSeeds are the example scripts, the codegen golden scripts,
// the checker testdata (whole files and their one-line probes) and the
// bpftrace golden runs' programs when the reference folder is present.
func compileFuzzSeeds(t testing.TB) []string {
	var seeds []string
	read := func(pattern string, each func(string)) {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no seed files %s", pattern)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			each(string(data))
		}
	}
	read("../examples/*.bt", func(s string) { seeds = append(seeds, s) })
	read("../codegen/testdata/*.golden", func(s string) {
		// The first line is "// script".
		line, _, _ := strings.Cut(s, "\n")
		seeds = append(seeds, strings.TrimPrefix(line, "// "))
	})
	read("../lang/check/testdata/*.bt", func(s string) {
		seeds = append(seeds, s)
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, "{") && strings.Contains(line, "}") {
				seeds = append(seeds, line)
			}
		}
	})
	// The -e program of each bpftrace golden run (one argument a line).
	golden, _ := filepath.Glob("/work/shared/reference/golden-0.17/*.cmd")
	if len(golden) > 0 {
		read("/work/shared/reference/golden-0.17/*.cmd", func(s string) {
			if _, rest, ok := strings.Cut("\n"+s, "\n-e\n"); ok {
				prog, _, _ := strings.Cut(rest, "\n")
				seeds = append(seeds, prog)
			}
		})
	}
	// Far jumps: a long if body and an unrolled printf of strings.
	seeds = append(seeds,
		"BEGIN { $x = 0; if (pid == 1) { unroll(100) { $x = $x + 1; $x = $x * 3; $x = $x - 2; $x = $x ^ 5; } } else { @r = 1; } }",
		`BEGIN /pid > 0/ { unroll(100) { printf("%s %s\n", str(&curtask->comm), str(&curtask->comm)); } }`)
	return seeds
}

// fuzzHost is the live host shared by the fuzz inputs (it caches).
var fuzzHost = NewHost(nil)

// FuzzCompileLoad: a script that passes parse and check either compiles
// to programs whose every jump is encoded to reach its label and that the
// kernel verifier accepts, or gets positioned diagnostics; a verifier
// rejection must be a kernel limit the script hit (see
// ExplainVerifierError), never one gobpftrace caused. Nothing is attached
// or run. Loading needs root.
func FuzzCompileLoad(f *testing.F) {
	requireRoot(f)
	for _, s := range compileFuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 16<<10 || strings.Count(text, "unroll") > 2 {
			return // bounded inputs: nested unrolls multiply code size
		}
		src := diag.NewSource("stdin", text)
		prog, pd := parser.Parse(src)
		if pd.HasErrors() {
			return
		}
		info, cd := check.Check(src, prog, &check.Config{Host: fuzzHost, Params: []string{"1", "two"}, Unsafe: true, StrLen: DefaultMaxStrlen()})
		if cd.HasErrors() {
			return
		}
		obj, gd := codegen.Compile(info, KernelOptions(&codegen.Options{Source: src}))
		for _, d := range gd.Items {
			if !d.Span.Valid() || d.Span.End > len(text) {
				t.Fatalf("compile: diagnostic span %v outside the text of %d bytes: %s", d.Span, len(text), d.Msg)
			}
			if strings.Contains(d.Msg, "internal") {
				t.Fatalf("compile: internal error for %q:\n%s", text, src.Format(d))
			}
		}
		if gd.HasErrors() {
			return
		}
		size := 0
		for _, p := range obj.Programs {
			if err := codegen.CheckJumps(p.Insns); err != nil {
				t.Fatalf("%s: %v\nscript: %q", p.Probe, err, text)
			}
			size += len(p.Insns)
		}
		if size > 300_000 {
			return // verified, but slowly: keep executions fast
		}
		l, err := Load(obj, nil)
		if err == nil {
			l.Close()
			return
		}
		var le *LoadError
		var ve *ebpf.VerifierError
		if errors.As(err, &le) && le.Map != "" && errors.Is(err, unix.EINVAL) {
			// A map the kernel finds malformed (a zero-sized key…).
			t.Fatalf("load: %v\nscript: %q", err, text)
		}
		if !errors.As(err, &le) || le.Program == nil || !errors.As(err, &ve) {
			// Resources and kfuncs the kernel lacks: not the verifier's.
			t.Logf("load: %v", err)
			return
		}
		r := ExplainVerifierError(le.Program, ve)
		if !r.Limit {
			tail := ve.Log[max(0, len(ve.Log)-12):]
			t.Fatalf("the verifier rejected %s:\n%s\nscript: %q", le.Program.Probe, strings.Join(tail, "\n"), text)
		}
		if s := r.Span(src); !s.Valid() || s.End > len(text) {
			t.Fatalf("verifier limit reported at span %v outside the text: %s", s, r.Msg)
		}
	})
}
