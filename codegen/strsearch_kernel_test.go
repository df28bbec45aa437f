//go:build linux

package codegen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// strstr and strcontains on 1 KiB strings run in a bpf_loop callback:
// every position of a match, near misses, needles in memory (empty,
// longer than the haystack, as long as its capacity) and char-array
// haystacks, compared with Go's strings.Index; also inside a for loop.
// A kernel without bpf_loop refuses such a search with one error at it.
func TestSelfStrSearchLoop(t *testing.T) {
	requireRoot(t)
	if !runtime.HaveHelper(asm.FnLoop) {
		text := `config = { max_strlen = 1024 } tracepoint:syscalls:sys_enter_openat { print(strstr(str(args.filename), str(args.filename))); }`
		_, src, gd := compileLiveDiags(t, text)
		errs := gd.Errors()
		if len(errs) != 1 || !strings.HasPrefix(text[errs[0].Span.Start:], "strstr(") ||
			!strings.Contains(errs[0].Msg, "needs the helper bpf_loop, which this kernel lacks") {
			t.Fatalf("want one error naming bpf_loop at strstr:\n%s", src.Render(gd))
		}
		t.Skip("no bpf_loop in this kernel: long searches are refused with a clear error (checked)")
	}
	hay := strings.Repeat("ab", 300) + "abcXabcY" + strings.Repeat("z", 100) + "END"
	needles := []string{"ab", "abcY", "abcZ", "zzzzEND", "END", "ENDx", "Y" + strings.Repeat("z", 100), hay, hay + "!", "q"}
	var script, want strings.Builder
	script.WriteString(`config = { max_strlen = 1024 } BEGIN { $h = "` + hay + `"; $e = "";` + "\n")
	for i, n := range needles {
		fmt.Fprintf(&script, `$n%d = "%s"; printf("%%d %%d %%d\n", strstr($h, $n%d), strstr($h, "%s"), strcontains($h, $n%d));`+"\n", i, n, i, n, i)
		idx := strings.Index(hay, n)
		c := 0
		if idx >= 0 {
			c = 1
		}
		fmt.Fprintf(&want, "%d %d %d\n", idx, idx, c)
	}
	script.WriteString(`printf("%d %d\n", strstr($h, $e), strstr($e, $n0));` + "\n")
	want.WriteString("0 -1\n")
	script.WriteString(`for ($i : 0..2) { printf("%d\n", strstr($h, $n1)); } }`)
	fmt.Fprintf(&want, "%d\n%d\n\n\n", strings.Index(hay, "abcY"), strings.Index(hay, "abcY"))
	expectRun(t, script.String(), want.String())
}
