package codegen

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// On a kernel without the task-VMA kfuncs (before Linux 6.7), uaddr() of
// a symbol in a position-independent file is an error at the call, naming
// the kfunc and the version; the kernel is asked once, and only for such
// a uaddr().
func TestUaddrNeedsVMAKfuncs(t *testing.T) {
	var asked []string
	opts := &Options{Kfunc: func(name string) bool { asked = append(asked, name); return false }}
	text := GoldenCases[0].Src
	if GoldenCases[0].Name != "uaddr" {
		t.Fatalf("golden case 0 is %s, want uaddr", GoldenCases[0].Name)
	}
	_, gd, src := compileScriptWith(t, text, nil, opts)
	errs := gd.Errors()
	// libc is position-independent, the fixture's python3.11 is not.
	if len(errs) != 1 {
		t.Fatalf("%d errors, want 1:\n%s", len(errs), src.Render(gd))
	}
	for _, d := range errs {
		if at := text[d.Span.Start:d.Span.End]; !strings.HasPrefix(at, "uaddr(") || !strings.HasSuffix(at, ")") || d.Code != diag.CodeUnsupported {
			t.Errorf("error at %q (%s), want at a uaddr() call (unsupported)", at, d.Code)
		}
		if want := "this kernel lacks the kernel function bpf_iter_task_vma_new (Linux 6.7 or later has it)"; !strings.Contains(d.Msg, want) {
			t.Errorf("error %q does not contain %q", d.Msg, want)
		}
	}
	if len(asked) != 1 || asked[0] != "bpf_iter_task_vma_new" {
		t.Errorf("kernel asked for %q, want bpf_iter_task_vma_new once", asked)
	}
	asked = nil
	if _, gd, src := compileScriptWith(t, `BEGIN { @a = count(); } uprobe:libc:getpid { printf("%d\n", @a); }`, nil, opts); gd.HasErrors() || len(asked) != 0 {
		t.Errorf("a script without uaddr() asked for %q; errors:\n%s", asked, src.Render(gd))
	}
}

// On a kernel without bpf_map_lookup_percpu_elem (before Linux 5.19), a
// probe's read of a per-CPU aggregation is an error at the map, one per
// program that reads; the kernel is asked once, and not for maps of a
// shared kind.
func TestAggReadNeedsPercpuLookup(t *testing.T) {
	asked := 0
	opts := &Options{PercpuLookup: func() bool { asked++; return false }}
	text := `BEGIN { @c = count(); if (@c > 1) { printf("x\n"); } @d = @c; } END { @s = sum(1); @t = @s; }`
	_, gd, src := compileScriptWith(t, text, nil, opts)
	errs := gd.Errors()
	if len(errs) != 2 || asked != 1 {
		t.Fatalf("%d errors (want 2), kernel asked %d times (want 1):\n%s", len(errs), asked, src.Render(gd))
	}
	for i, at := range []string{"@c >", "@s;"} {
		start := strings.Index(text, at)
		d := errs[i]
		if d.Span.Start != start || d.Span.End != start+2 || d.Code != diag.CodeUnsupported {
			t.Errorf("error %d at %d-%d (%s), want %d-%d (unsupported)", i, d.Span.Start, d.Span.End, d.Code, start, start+2)
		}
		want := "reading the value of aggregation map " + at[:2] + " in a probe needs the helper bpf_map_lookup_percpu_elem, which this kernel lacks (Linux 5.19 or later has it)"
		if d.Msg != want {
			t.Errorf("error %d: %q, want %q", i, d.Msg, want)
		}
	}
	asked = 0
	if _, gd, src := compileScriptWith(t, `let @a = lruhash(4); BEGIN { @a[1] = count(); printf("%d\n", @a[1]); }`, nil, opts); gd.HasErrors() || asked != 0 {
		t.Errorf("shared-kind read: asked %d times, errors:\n%s", asked, src.Render(gd))
	}
}
