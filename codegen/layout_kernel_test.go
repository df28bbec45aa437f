//go:build linux

package codegen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// TestSelfLongIf runs an if statement whose body is longer than an int16
// jump spans, through the verifier and BPF_PROG_TEST_RUN, with far jumps
// laid out through islands and with gotol: each must take the branch its
// condition selects (a wrapped offset used to run the false branch's code
// from the middle of the true one).
func TestSelfLongIf(t *testing.T) {
	requireRoot(t)
	const n = 23_000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  $x = $x + %d;\n", i%7)
	}
	sum := int64(0)
	for i := range n {
		sum += int64(i % 7)
	}
	for _, long := range []bool{false, true} {
		for _, cond := range []string{"pid == 1", "pid != 1"} {
			t.Run(fmt.Sprintf("%s/gotol=%v", cond, long), func(t *testing.T) {
				script := "BEGIN { $x = 0; if (" + cond + ") {\n" + b.String() + "  @r = $x;\n} else {\n  @r = -1;\n}\n}\n"
				want := int64(-1)
				if cond == "pid != 1" {
					want = sum
				}
				src := diag.NewSource("stdin", script)
				prog, pd := parser.Parse(src)
				if pd.HasErrors() {
					t.Fatal(src.Render(pd))
				}
				info, cd := check.Check(src, prog, &check.Config{Host: liveHost})
				if cd.HasErrors() {
					t.Fatal(src.Render(cd))
				}
				obj, gd := codegen.Compile(info, &codegen.Options{LongJumps: func() bool { return long }})
				if gd.HasErrors() {
					t.Fatal(src.Render(gd))
				}
				l := load(t, obj)
				for _, p := range l.Programs {
					if p.Kind == stdlib.Begin {
						if err := l.RunOnce(p); err != nil {
							t.Fatal(err)
						}
					}
				}
				var got int64
				if err := l.Map("@r").Lookup(uint64(0), &got); err != nil {
					t.Fatalf("reading @r: %v", err)
				}
				if got != want {
					t.Errorf("@r = %d, want %d", got, want)
				}
			})
		}
	}
}
