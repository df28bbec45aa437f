package codegen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// On a kernel without bpf_loop (before Linux 5.17) or
// bpf_for_each_map_elem (before Linux 5.13), each for loop is an error at
// the loop naming the helper and the version; the kernel is asked once
// per helper, and only for scripts with loops.
func TestForLoopsNeedHelpers(t *testing.T) {
	asked := map[asm.BuiltinFunc]int{}
	opts := &Options{Helper: func(fn asm.BuiltinFunc) bool { asked[fn]++; return false }}
	text := `BEGIN { @m[1] = 2; for ($i : 0..3) { } for ($kv : @m) { } } END { for ($j : 1..2) { } }`
	_, gd, src := compileScriptWith(t, text, nil, opts)
	errs := gd.Errors()
	if len(errs) != 2 {
		t.Fatalf("%d errors, want 2 (one per program):\n%s", len(errs), src.Render(gd))
	}
	wants := []struct{ at, msg string }{
		{"for ($i", "for loops over a range need the helper bpf_loop, which this kernel lacks (Linux 5.17 or later has it)"},
		{"for ($j", "for loops over a range need the helper bpf_loop, which this kernel lacks (Linux 5.17 or later has it)"},
	}
	for i, w := range wants {
		d := errs[i]
		if d.Span.Start != strings.Index(text, w.at) || d.Msg != w.msg || d.Code != diag.CodeUnsupported {
			t.Errorf("error %d: %q at %d (%s), want %q at %q", i, d.Msg, d.Span.Start, d.Code, w.msg, w.at)
		}
	}
	if asked[asm.FnLoop] != 1 {
		t.Errorf("kernel asked %d times for bpf_loop, want once", asked[asm.FnLoop])
	}
	opts.Helper = func(fn asm.BuiltinFunc) bool { return fn == asm.FnLoop }
	_, gd, src = compileScriptWith(t, text, nil, opts)
	if errs := gd.Errors(); len(errs) != 1 || !strings.HasPrefix(errs[0].Msg, "for loops over a map need the helper bpf_for_each_map_elem, which this kernel lacks (Linux 5.13") {
		t.Errorf("want one error for the map loop:\n%s", src.Render(gd))
	}
	asked = map[asm.BuiltinFunc]int{}
	opts.Helper = func(fn asm.BuiltinFunc) bool { asked[fn]++; return false }
	if _, gd, src := compileScriptWith(t, `BEGIN { $i = 0; while ($i < 3) { $i++; } }`, nil, opts); gd.HasErrors() || len(asked) != 0 {
		t.Errorf("a script without for loops asked for %v; errors:\n%s", asked, src.Render(gd))
	}
}

// Each loop body is a subprogram after the main function: its first
// instruction carries its name and static BTF function metadata, and the
// main function loads its address with a BPF_PSEUDO_FUNC reference.
func TestLoopCallbacksAreSubprograms(t *testing.T) {
	obj, gd, src := compileScriptWith(t, `BEGIN { @m[1] = 1; for ($kv : @m) { for ($i : 0..2) { print($i); } } }`, nil, &Options{})
	if gd.HasErrors() {
		t.Fatal(src.Render(gd))
	}
	insns := obj.Programs[0].Insns
	var funcs []string
	refs := map[string]bool{}
	for i := range insns {
		if fn := btf.FuncMetadata(&insns[i]); fn != nil {
			funcs = append(funcs, fn.Name)
			if i > 0 && (fn.Linkage != btf.StaticFunc || fn.Name != insns[i].Symbol()) {
				t.Errorf("subprogram %s: linkage %v, symbol %q", fn.Name, fn.Linkage, insns[i].Symbol())
			}
		}
		if insns[i].IsLoadOfFunctionPointer() {
			refs[insns[i].Reference()] = true
		}
	}
	if len(funcs) != 3 {
		t.Fatalf("functions %q, want the main one and two callbacks", funcs)
	}
	for _, f := range funcs[1:] {
		if !refs[f] {
			t.Errorf("no reference to callback %s", f)
		}
	}
	if err := CheckJumps(insns); err != nil {
		t.Error(err)
	}
}

// The frames of a loop body and of the probe together must fit the 512
// bytes the verifier allows a chain of calls: a body that would overflow
// them is an error at its loop.
func TestLoopFramesFit(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN { ")
	for i := range 58 {
		fmt.Fprintf(&b, "$v%d = %d; ", i, i)
	}
	loop := "for ($i : 0..2) { print(($i, $i, $i, $i, $i, $i, $i, $i, $i, $i)); }"
	b.WriteString(loop + " }")
	text := b.String()
	_, gd, src := compileScriptWith(t, text, nil, &Options{})
	errs := gd.Errors()
	if len(errs) != 1 || errs[0].Span.Start != strings.Index(text, "for (") ||
		!strings.HasPrefix(errs[0].Msg, "BPF stack limit exceeded: this loop's body needs 32 bytes of stack on top of the 512 its callers use") {
		t.Fatalf("want one stack error at the loop:\n%s", src.Render(gd))
	}
	fewer := strings.Replace(text, "$v54 = 54; $v55 = 55; $v56 = 56; $v57 = 57; ", "", 1)
	if _, gd, src := compileScriptWith(t, fewer, nil, &Options{}); gd.HasErrors() {
		t.Errorf("32 bytes less fit:\n%s", src.Render(gd))
	}
}
