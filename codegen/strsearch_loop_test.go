package codegen

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// hasSymbolPrefix reports whether a function of the program is named
// with prefix.
func hasSymbolPrefix(insns asm.Instructions, prefix string) bool {
	for i := range insns {
		if strings.HasPrefix(insns[i].Symbol(), prefix) {
			return true
		}
	}
	return false
}

// A short search is unrolled; a long one runs in a bpf_loop callback when
// the kernel has bpf_loop, is unrolled without it while it stays small
// enough, and beyond that is one error at the call naming the helper.
func TestStrSearchForm(t *testing.T) {
	long := `BEGIN { $h = "` + strings.Repeat("h", 200) + `"; $n = "` + strings.Repeat("n", 50) + `"; `
	cases := []struct {
		name, text string
		bpfLoop    bool // the kernel has bpf_loop
		loop       bool // the search runs in a callback
		nested     bool // the needle is compared by a nested bpf_loop
		err        string
	}{
		{"short", `BEGIN { $h = "hello"; print(strstr($h, "ll")); }`, true, false, false, ""},
		{"long with bpf_loop", long + `print(strcontains($h, $n)); }`, true, true, true, ""},
		{"long constant needle", long + `print(strstr($h, "` + strings.Repeat("n", 16) + `")); }`, true, true, false, ""},
		{"longer needle", long + `print(strstr($h, "` + strings.Repeat("n", 17) + `")); }`, true, true, true, ""},
		{"longer needle in memory", long + `$m = "` + strings.Repeat("m", 16) + `"; print(strstr($h, $m)); }`, true, true, true, ""},
		{"medium without bpf_loop", long + `print(strstr($h, "` + strings.Repeat("n", 30) + `")); }`, false, false, false, ""},
		{"long without bpf_loop", long + `print(strcontains($h, $n)); }`, false, false, false,
			"strcontains() on strings this long (haystack 201 bytes, needle 51) needs the helper bpf_loop, which this kernel lacks (Linux 5.17 or later has it): use shorter strings, e.g. str(ptr, len), or a smaller max_strlen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := &Options{Helper: func(fn asm.BuiltinFunc) bool { return fn != asm.FnLoop || c.bpfLoop }}
			obj, gd, src := compileScriptWith(t, c.text, nil, opts)
			if c.err != "" {
				errs := gd.Errors()
				at := strings.Index(c.text, "strcontains(")
				if len(errs) != 1 || errs[0].Msg != c.err || errs[0].Span.Start != at || errs[0].Code != diag.CodeUnsupported {
					t.Fatalf("want one error %q at %d:\n%s", c.err, at, src.Render(gd))
				}
				return
			}
			if gd.HasErrors() {
				t.Fatal(src.Render(gd))
			}
			insns := obj.Programs[0].Insns
			if got := hasSymbolPrefix(insns, "strstr_cb"); got != c.loop {
				t.Errorf("search in a callback: %v, want %v", got, c.loop)
			}
			if got := hasSymbolPrefix(insns, "strcmp_cb"); got != c.nested {
				t.Errorf("needle compared in a nested callback: %v, want %v", got, c.nested)
			}
			if err := CheckJumps(insns); err != nil {
				t.Error(err)
			}
		})
	}
}
