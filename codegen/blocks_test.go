//go:build linux

package codegen_test

import "testing"

// Block expressions, if expressions, ?: and scoped variables run in the
// kernel.
func TestSelfBlockExprs(t *testing.T) {
	expectRun(t, `BEGIN {
		let $a = { let $b = 1; $b + 1 };
		$c = if $a == 2 { "two" } else { "other" };
		$d = 0 ?: 7; $e = $a ?: 9; $s = "" ?: "empty"; $t = "full" ?: "empty";
		if 1 { $x = 5; print($x); }
		if 1 { $x = "str"; print($x); }
		print(($a, $c, $d, $e, $s, $t));
		{ print("stmt block"); }
		$n = $a > 1 ? ($a > 5 ? "big" : "mid") : "small";
		print($n);
		print({ printf("side "); 3 } + if $a { 1 } else { 2 });
		$i = 0;
		while ($i < 3) { let $z; $z += $i; $i++; printf("%d ", $z); }
		printf("\n");
	}`, "5\nstr\n(2, two, 7, 2, empty, full)\nstmt block\nmid\nside 4\n0 1 2 \n\n\n")
}

// return with a value ends the probe.
func TestSelfReturnValue(t *testing.T) {
	expectRun(t, `BEGIN { $a = 1; print($a); return $a; print(2); }`, "1\n\n\n")
}

// The arms of a ternary may be buffers of different sizes.
func TestSelfTernaryBuffers(t *testing.T) {
	expectRun(t, `BEGIN { $a = pid ? buf("hi", 2) : buf("bye", 3); $b = 0 ? buf("hi", 2) : buf("bye", 3); print(($a, $b)); }`,
		"(hi, bye)\n\n\n")
}
