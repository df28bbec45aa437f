//go:build linux

package codegen_test

import (
	"fmt"
	"slices"
	"strconv"
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

// haveLoopHelpers reports whether the kernel has both helpers for loops
// (bpf_for_each_map_elem, Linux 5.13; bpf_loop, Linux 5.17). Without
// them, it checks that a loop is refused at the loop with the error that
// names the helper, and the test ends there.
func haveLoopHelpers(t *testing.T) bool {
	t.Helper()
	requireRoot(t)
	if runtime.HaveHelper(asm.FnLoop) && runtime.HaveHelper(asm.FnForEachMapElem) {
		return true
	}
	for _, c := range []struct{ text, helper string }{
		{`BEGIN { for ($i : 0..3) { print($i); } }`, "bpf_loop"},
		{`BEGIN { @m[1] = 1; for ($kv : @m) { print($kv); } }`, "bpf_for_each_map_elem"},
	} {
		if runtime.HaveHelper(helperID(c.helper)) {
			continue
		}
		_, src, gd := compileLiveDiags(t, c.text)
		errs := gd.Errors()
		if len(errs) != 1 || !strings.HasPrefix(c.text[errs[0].Span.Start:], "for (") ||
			!strings.Contains(errs[0].Msg, "need the helper "+c.helper+", which this kernel lacks") {
			t.Fatalf("want one error naming %s at the loop:\n%s", c.helper, src.Render(gd))
		}
	}
	t.Logf("no bpf_loop or bpf_for_each_map_elem in this kernel: loops are refused with a clear error (checked)")
	return false
}

func helperID(name string) asm.BuiltinFunc {
	if name == "bpf_loop" {
		return asm.FnLoop
	}
	return asm.FnForEachMapElem
}

// missingLoopHelper reports whether every error of a compilation is at
// a for loop or a dw_ustack call whose helper (bpf_loop) the kernel lacks
// (golden constructs with loops on old kernels).
func missingLoopHelper(text string, gd *diag.List) bool {
	for _, d := range gd.Errors() {
		at := text[d.Span.Start:]
		if !strings.HasPrefix(at, "for (") && !strings.HasPrefix(at, "dw_ustack(") || !strings.Contains(d.Msg, "which this kernel lacks") {
			return false
		}
	}
	return gd.HasErrors()
}

func TestSelfForMap(t *testing.T) {
	if !haveLoopHelpers(t) {
		return
	}
	// The kernel walks a hash map in bucket order.
	got := strings.Split(runBegin(t, `BEGIN { @map[16] = 32; @map[64] = 128; for ($kv : @map) { print($kv); } clear(@map); }`), "\n")
	slices.Sort(got[:2])
	expect(t, "two elements", strings.Join(got, "\n"), "(16, 32)\n(64, 128)\n\n\n")
	expectRun(t, `BEGIN { @map[16,17] = 32; for ($kv : @map) { printf("key: (%d,%d), val: %d\n", $kv.0.0, $kv.0.1, $kv.1); } clear(@map); }`,
		"key: (16,17), val: 32\n\n\n")
	expectRun(t, `BEGIN { @map["abc"] = "aa"; for ($kv : @map) { print($kv); } clear(@map); }`,
		"(abc, aa)\n\n\n")
	// Maps created and changed in the body; variables of the probe read
	// and written in it.
	expectRun(t, `BEGIN { @map[16] = 32; $n = 0; $s = "abc"; for ($kv : @map) { @new[$kv.1] = $kv.0; $n += $kv.1; print($s); $s = "def"; } print(($n, $s)); clear(@map); }`,
		"abc\n(32, def)\n\n\n@new[32]: 16\n")
	// break, continue, nesting; delete in the body.
	expectRun(t, `BEGIN { @a[1] = 1; @b[1] = 2; @b[2] = 2; @b[3] = 2; $n = 0; for ($kv : @a) { for ($kv2 : @b) { $n++; } } for ($kv : @b) { break; } for ($kv : @b) { if ($kv.0 != 2) { continue; } delete(@b, $kv.0); } print($n); clear(@a); }`,
		"3\n\n\n@b[1]: 2\n@b[3]: 2\n")
	// return and exit() in a body end the probe.
	expectRun(t, `BEGIN { @m[1] = 1; for ($kv : @m) { for ($i : 0..3) { if ($i == 1) { return; } } } print("not reached"); }`,
		"\n\n@m[1]: 1\n")
	// A loop variable too big for the stack lives in the scratch area.
	expectRun(t, `config = { max_strlen = 400 } BEGIN { @m["key"] = 1; for ($kv : @m) { print($kv); } clear(@m); }`,
		"(key, 1)\n\n\n")
	// An inner loop's body reads the outer loop's variable.
	expectRun(t, `BEGIN { @a[7] = 1; for ($kv : @a) { for ($i : 0..2) { print(($kv.0, $i)); } } clear(@a); }`,
		"(7, 0)\n(7, 1)\n\n\n")
	// Strings longer than the stack limit live in the scratch area, which
	// the callback reaches through the spilled pointer.
	expectRun(t, `config = { on_stack_limit = 0 } BEGIN { @m["k"] = "v"; $s = "outer"; for ($kv : @m) { $s = $kv.0; print(($kv, $s)); } clear(@m); }`,
		"((k, v), k)\n\n\n")
}

func TestSelfForMapAggregation(t *testing.T) {
	if !haveLoopHelpers(t) {
		return
	}
	if !runtime.HavePercpuLookup() {
		_, src, gd := compileLiveDiags(t, `BEGIN { @c[1] = count(); for ($kv : @c) { print($kv); } }`)
		if !gd.HasErrors() || !strings.Contains(gd.Errors()[0].Msg, "bpf_map_lookup_percpu_elem") {
			t.Fatalf("want an error naming bpf_map_lookup_percpu_elem:\n%s", src.Render(gd))
		}
		return
	}
	expectRun(t, `BEGIN { @c[16,17] = count(); @c[16,17] = count(); @s[1] = sum(5); @s[1] = sum(-7); for ($kv : @c) { print($kv); } for ($kv : @s) { print($kv.1); } clear(@c); clear(@s); }`,
		"((16, 17), 2)\n-2\n\n\n")
}

func TestSelfForRange(t *testing.T) {
	if !haveLoopHelpers(t) {
		return
	}
	expectRun(t, `BEGIN { for ($i : 0..5) { print($i); } }`, "0\n1\n2\n3\n4\n\n\n")
	expectRun(t, `BEGIN { $a = 2; $b = 7; for ($i : $a..$b) { $a = 100; $b = 0; printf("%d ", $i); } for ($i : (-3)..(1+1)) { printf("%d ", $i); } for ($i : 1..0) { print("no"); } for ($i : 5..5) { print("no"); } print(""); }`,
		"2 3 4 5 6 -3 -2 -1 0 1 \n\n\n")
	expectRun(t, `BEGIN { $sum = 0; for ($i : 1..5) { $sum += $i; } @a = 3; for ($i : 0..@a) { @a += 1; } print(($sum, @a)); }`,
		"(10, 6)\n\n\n@a: 6\n")
	expectRun(t, `BEGIN { for ($i : 1..4) { if ($i == 2) { continue; } if ($i == 3) { break; } print($i); } print(5); }`,
		"1\n5\n\n\n")
	expectRun(t, `BEGIN { $n = 0; for ($i : 1..4) { for ($j : 1..$i) { $n += $j; if ($j == 2) { return; } } } print("end"); }`,
		"\n\n")
	expectRun(t, `BEGIN { for ($i : 0..10) { if ($i == 2) { exit(); } print($i); } print("end"); }`,
		"0\n1\n\n\n")
	// kstack and ustack take the context from where the probe spilled it.
	expectRun(t, `BEGIN { for ($i : 0..2) { @k[kstack(3), $i] = count(); } $n = 0; for ($kv : @k) { $n += $kv.1; } print($n); clear(@k); }`, "2\n\n\n")
	// The loop variable's type follows the bounds.
	expectRun(t, `BEGIN { for ($i : (uint8)254..(uint16)257) { print($i); } }`, "254\n255\n256\n\n\n")
}

// A loop costs the verifier the same for any number of iterations: it
// checks the callback until its entry states converge (on recent kernels
// a pass or two over the body), never once per iteration; the same body
// written out by hand costs it once per copy. From four iterations on,
// the loop is cheaper (Linux 6.18: 257 verified instructions against 308
// for four copies; 6.1: 138 against 230).
func TestForLoopVerifierCost(t *testing.T) {
	if !haveLoopHelpers(t) {
		return
	}
	body := func(i string) string {
		return "@a[" + i + "] = " + i + " * 3; if (" + i + " % 5 == 0) { @b = count(); } "
	}
	verified := func(text string) uint32 {
		l := load(t, compileLive(t, text))
		info, err := l.Programs[0].Prog.Info()
		if err != nil {
			t.Fatal(err)
		}
		v, ok := info.VerifiedInstructions()
		if !ok {
			t.Skip("the kernel does not report verified instructions (Linux 5.16)")
		}
		return v
	}
	var report []string
	var loopCost uint32
	for _, n := range []int{4, 16, 32, 64} {
		loop := verified("BEGIN { for ($i : 0.." + strconv.Itoa(n) + ") { " + body("$i") + "} }")
		var unrolled strings.Builder
		unrolled.WriteString("BEGIN { ")
		for i := range n {
			unrolled.WriteString(body(strconv.Itoa(i)))
		}
		unrolled.WriteString("}")
		u := verified(unrolled.String())
		report = append(report, fmt.Sprintf("%d iterations: loop %d, unrolled %d", n, loop, u))
		if loopCost != 0 && loop != loopCost {
			t.Errorf("the loop's cost depends on its trip count: %d, then %d", loopCost, loop)
		}
		loopCost = loop
		if loop > u {
			t.Errorf("%d iterations: the loop costs the verifier %d instructions, more than the %d of the unrolled body", n, loop, u)
		}
	}
	mapLoop := verified("BEGIN { @m[1] = 1; for ($kv : @m) { " + body("$kv.0") + "} }")
	t.Logf("verified instructions: %s; map loop %d", strings.Join(report, "; "), mapLoop)
}

// Every builtin variable the checker lets into a loop body, in each probe
// kind where it is valid, makes a program the verifier accepts: a builtin
// that reads the probe's context through R6 (which holds the probe's
// frame pointer in a loop callback) and is not refused by the checker
// fails here.
func TestLoopBodiesLoadEveryBuiltin(t *testing.T) {
	if !haveLoopHelpers(t) {
		return
	}
	heads := []string{"BEGIN", "kprobe:vfs_read", "kretprobe:vfs_read", "tracepoint:syscalls:sys_enter_openat", "uprobe:/bin/sh:main", "profile:hz:99"}
	loaded := 0
	for id := stdlib.VarID(1); int(id) < stdlib.NumVars; id++ {
		def := stdlib.Vars[id]
		if !def.Implemented {
			continue
		}
		name := def.Name
		if id == stdlib.ArgN {
			name = "arg0"
		}
		for _, head := range heads {
			text := head + " { for ($i : 0..2) { print(" + name + "); } }"
			src := diag.NewSource("stdin", text)
			prog, pd := parser.Parse(src)
			if pd.HasErrors() {
				t.Fatalf("parse %q:\n%s", text, src.Render(pd))
			}
			info, cd := check.Check(src, prog, &check.Config{Host: liveHost, Unsafe: true, StrLen: runtime.DefaultMaxStrlen()})
			if cd.HasErrors() {
				continue // refused here (not in a loop, or not in this probe)
			}
			obj, gd := codegen.Compile(info, &codegen.Options{Source: src, Events: liveEvents,
				NumCPUs: runtime.NumPossibleCPUs(), PercpuLookup: runtime.HavePercpuLookup, Helper: runtime.HaveHelper})
			if gd.HasErrors() {
				continue
			}
			l, err := runtime.Load(obj, nil)
			if err != nil {
				t.Errorf("%s: %v", text, err)
				continue
			}
			l.Close()
			loaded++
		}
	}
	if loaded < 20 {
		t.Errorf("only %d programs loaded", loaded)
	}
}
