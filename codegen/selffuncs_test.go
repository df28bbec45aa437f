//go:build linux

package codegen_test

import "testing"

// errorf and warnf format like printf; the runtime reports the text as an
// error or a warning (a trailing newline is dropped).
func TestSelfErrorfWarnf(t *testing.T) {
	expectRun(t, `BEGIN { $x = 0x12345678abcdef; errorf("%hhx %hx %x %jx\n", $x, $x, $x, $x); warnf("w %s %d", "a", 7); printf("done\n"); }`,
		"ERROR: ef cdef 78abcdef 12345678abcdef\nWARNING: w a 7\ndone\n\n\n")
}
