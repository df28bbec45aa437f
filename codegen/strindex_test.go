//go:build linux

package codegen_test

import "testing"

// Indexing a string reads its bytes: constant and variable indexes, out
// of range ones read 0.
func TestSelfStringIndex(t *testing.T) {
	expectRun(t, `BEGIN { $s = "hello"; $i = 1; print(($s[0], $s[$i], "/"[0], $s[$i + 10], $s[5])); if ($s[0] != "/"[0]) { print("relative"); } }`,
		"(104, 101, 47, 0, 0)\nrelative\n\n\n")
}
