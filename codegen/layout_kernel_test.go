//go:build linux

package codegen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// TestSelfLongIf runs an if statement and a loop whose bodies are longer
// than an int16 jump spans, through the verifier and BPF_PROG_TEST_RUN, with far jumps
// laid out through islands and with gotol: each must take the branch its
// condition selects and loop as often as it says (a wrapped offset used
// to land in the middle of the body). On a kernel without gotol (before
// Linux 6.6), whose probe runtime.HaveLongJumps must say so, the gotol
// layout must be refused, and the islands are what scripts get.
func TestSelfLongIf(t *testing.T) {
	requireRoot(t)
	haveLong := runtime.HaveLongJumps()
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
		t.Run(fmt.Sprintf("loop/gotol=%v", long), func(t *testing.T) {
			// The loop's closing jump goes back over the whole body.
			script := "BEGIN { $i = 0; $x = 0; while ($i < 3) {\n" + b.String() + "  $i++;\n}\n@r = $x;\n}\n"
			if got, ok := runLong(t, script, long, haveLong); ok && got != 3*sum {
				t.Errorf("@r = %d, want %d", got, 3*sum)
			}
		})
		for _, cond := range []string{"pid == 1", "pid != 1"} {
			t.Run(fmt.Sprintf("%s/gotol=%v", cond, long), func(t *testing.T) {
				script := "BEGIN { $x = 0; if (" + cond + ") {\n" + b.String() + "  @r = $x;\n} else {\n  @r = -1;\n}\n}\n"
				want := int64(-1)
				if cond == "pid != 1" {
					want = sum
				}
				if got, ok := runLong(t, script, long, haveLong); ok && got != want {
					t.Errorf("@r = %d, want %d", got, want)
				}
			})
		}
	}
}

// runLong compiles script with or without gotol, runs its BEGIN program
// and returns the value of @r. On a kernel without gotol (haveLong false)
// it checks that the gotol layout is refused, and reports no value.
func runLong(t *testing.T, script string, long, haveLong bool) (int64, bool) {
	t.Helper()
	src := diag.NewSource("stdin", script)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatal(src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: liveHost, StrLen: runtime.DefaultMaxStrlen()})
	if cd.HasErrors() {
		t.Fatal(src.Render(cd))
	}
	obj, gd := codegen.Compile(info, &codegen.Options{LongJumps: func() bool { return long }})
	if gd.HasErrors() {
		t.Fatal(src.Render(gd))
	}
	insns := obj.Programs[0].Insns
	if n := len(insns); n <= 1<<15 {
		t.Fatalf("%d instructions: the test needs jumps over more than 32,767", n)
	}
	gotols := 0
	for _, ins := range insns {
		if ins.OpCode.Class() == asm.Jump32Class && ins.OpCode.JumpOp() == asm.Ja {
			gotols++
		}
	}
	if (gotols > 0) != long {
		t.Fatalf("%d gotol instructions in the layout with gotol=%v", gotols, long)
	}
	if long && !haveLong {
		l, err := runtime.Load(obj, nil)
		if err == nil {
			l.Close()
			t.Fatal("the kernel loaded gotol, but runtime.HaveLongJumps says it lacks it")
		}
		t.Logf("no gotol on this kernel (Linux 6.6 has it): the kernel refuses the layout (%v)", err)
		return 0, false
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
	return got, true
}
