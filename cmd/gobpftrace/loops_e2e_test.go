package main

import (
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// TestForLoops runs both forms of for loop through the binary: over maps
// in an interval probe (string keys, a map written in the body, break, a
// per-CPU count read in the body, exit()) and over a range in END
// (variables of the probe read and written, continue, return); on a
// kernel without the helpers, the loop is the error.
func TestForLoops(t *testing.T) {
	needRoot(t)
	prog := `BEGIN { @n["x"] = 1; @c["y"] = count(); }
interval:ms:10 {
	for ($kv : @n) { @copy[$kv.0] = $kv.1 + 1; break; }
	for ($kv : @c) { printf("%s %d\n", $kv.0, $kv.1); exit(); }
	print("not reached");
}
END {
	$sum = 0;
	for ($i : 0..10) { if ($i % 2 == 1) { continue; } if ($i > 6) { return; } $sum += $i; printf("i=%d sum=%d\n", $i, $sum); }
	print("not reached");
}`
	r := gbt(t, "-e", prog)
	if !runtime.HaveHelper(asm.FnLoop) || !runtime.HaveHelper(asm.FnForEachMapElem) {
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `ERROR: for loops over a (map|range) need the helper bpf_(loop|for_each_map_elem), which this kernel lacks \(Linux 5\.1[37] or later has it\)`)
		return
	}
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^y 1\ni=0 sum=0\ni=2 sum=2\ni=4 sum=6\ni=6 sum=12\n`,
		`(?m)^@copy\[x\]: 2$`,
		`(?m)^@n\[x\]: 1$`)
	noMatch(t, "stdout", r.stdout, `not reached`)

	// Misuse is one positioned error, exit 1.
	for _, c := range []struct{ prog, err string }{
		{`BEGIN { @s = 1; for ($kv : @s) { } }`, `stdin:1:28-30: ERROR: @s has no explicit keys \(scalar map\), and cannot be used for iteration`},
		{`BEGIN { for ($kv : @none) { } }`, `stdin:1:20-25: ERROR: Undefined map: @none`},
		{`BEGIN { $i = 1; for ($i : 0..2) { } }`, `stdin:1:22-24: ERROR: Loop declaration shadows existing variable: \$i`},
		{`BEGIN { for ($i : 0..2) { } print($i); }`, `stdin:1:35-37: ERROR: Undefined or undeclared variable: \$i`},
		{`BEGIN { break; }`, `stdin:1:9-14: ERROR: 'break' statement is not in a loop`},
	} {
		r := gbt(t, "-e", c.prog)
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `\A`+c.err+`\n`)
		checkNoPanic(t, r)
	}
}
