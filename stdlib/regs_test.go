package stdlib

import "testing"

// TestRegOffset checks names of every width against struct pt_regs
// offsets on x86-64.
func TestRegOffset(t *testing.T) {
	cases := []struct {
		name string
		off  int
		high bool
	}{
		{"r15", 0, false}, {"rbp", 32, false}, {"bp", 32, false}, {"rax", 80, false}, {"eax", 80, false},
		{"ax", 80, false}, {"al", 80, false}, {"ah", 80, true}, {"dh", 96, true}, {"sil", 104, false},
		{"rdi", 112, false}, {"di", 112, false}, {"ip", 128, false}, {"rip", 128, false}, {"pc", 128, false},
		{"flags", 144, false}, {"sp", 152, false}, {"esp", 152, false}, {"r9d", 64, false},
		{"r12w", 24, false}, {"r8b", 72, false}, {"orig_ax", 120, false}, {"ss", 160, false},
	}
	for _, c := range cases {
		off, high, ok := RegOffset(c.name)
		if !ok || off != c.off || high != c.high {
			t.Errorf("RegOffset(%q) = %d, %v, %v; want %d, %v", c.name, off, high, ok, c.off, c.high)
		}
	}
	for _, bad := range []string{"", "zz", "r16", "xmm0", "RAX"} {
		if _, _, ok := RegOffset(bad); ok {
			t.Errorf("RegOffset(%q) succeeded", bad)
		}
	}
}
