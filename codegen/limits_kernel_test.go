//go:build linux

package codegen_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSelfLongChains: a 200-term sum of non-constant operands (once a
// stack overflow) computes the right value.
func TestSelfLongChains(t *testing.T) {
	terms := strings.TrimSuffix(strings.Repeat("$a + ", 200), " + ")
	expectRun(t, `BEGIN { $a = 3; $x = 1 + `+terms+`; $y = `+strings.Repeat("pid - ", 199)+`pid; printf("%d %d\n", $x, $y + 198 * pid); }`,
		"601 0\n\n\n")
}

// TestSelfBigRecords: a printf record of 64 KiB (five 16 KiB strings)
// keeps every argument in place; 16-bit instruction offsets once wrapped
// and the verifier rejected the program (or, past 64 KiB, an argument
// silently overwrote another).
func TestSelfBigRecords(t *testing.T) {
	c := ourComm(t)
	big := `str(&curtask->comm)`
	expectRun(t, `config = { max_strlen = 16384 } BEGIN { printf("%s|%s|%s|%s|%s|%s|%d\n", `+big+`, "b", `+big+`, `+big+`, `+big+`, `+big+`, 42); }`,
		fmt.Sprintf("%s|b|%s|%s|%s|%s|42\n\n\n", c, c, c, c, c))
}

// TestSelfLongElseIfLine: a one-line chain of 400 else ifs, each with a
// long comment, loads and picks the right branch. Its source comments (BTF
// line info) once held the rest of the line for every branch: 34 MB of
// strings, which the kernel refused ("load btf: argument list too long").
func TestSelfLongElseIfLine(t *testing.T) {
	var b strings.Builder
	pad := "/* " + strings.Repeat("p", 400) + " */"
	b.WriteString("BEGIN { $v = 397; $r = 0; ")
	for i := 1; i <= 400; i++ {
		if i > 1 {
			b.WriteString(" else ")
		}
		fmt.Fprintf(&b, "if ($v == %d) { $r = %d; } %s", i, i*10, pad)
	}
	b.WriteString(` printf("%d\n", $r); }`)
	expectRun(t, b.String(), "3970\n\n\n")
}

// TestSelfNULEscape: "\0" writes a NUL character: printf prints it, a
// string ends at it.
func TestSelfNULEscape(t *testing.T) {
	expectRun(t, `BEGIN { printf("a\0b|%s|\n", "x\0y"); }`, "a\x00b|x|\n\n\n")
}

// TestSelfKernelGrowth: 1,000 branches comparing pid (never equal: the
// values are above the kernel's pid limit), each printing, make a program
// of about 31,000 instructions whose raw jumps all fit an int16 but grow
// past it when the verifier inlines the lost path's per-CPU array lookups.
// The layout must count that growth in; before it did, the load failed
// with "insn N cannot be patched due to 16-bit range".
func TestSelfKernelGrowth(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN { ")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&b, `if (pid == %d) { printf("b%d\n"); } else `, 5_000_000+i, i)
	}
	b.WriteString(`{ printf("none\n"); } }`)
	expectRun(t, b.String(), "none\n\n\n")
}
