package format

import "testing"

// TestGFP: %gr names the compound masks first, then single flags, then
// the bits left in hex, as the kernel's show_gfp_flags; a plain %g is a
// bad token.
func TestGFP(t *testing.T) {
	for x, want := range map[uint64]string{
		0:                      "0",
		0x1:                    "GFP_DMA",
		0xcc0:                  "GFP_KERNEL",
		0xcc0 | 0x100:          "GFP_KERNEL|__GFP_ZERO",
		0x400000 | 0xcc0:       "GFP_KERNEL_ACCOUNT",
		0x820:                  "GFP_ATOMIC",
		0xc00:                  "GFP_NOIO",
		0x2800:                 "GFP_NOWAIT",
		gfpHighuserMovable:     "GFP_HIGHUSER_MOVABLE",
		1 << 40:                "0x10000000000",
		0x800 | 1<<40:          "__GFP_KSWAPD_RECLAIM|0x10000000000",
		gfpTranshugeLight:      "GFP_TRANSHUGE_LIGHT",
		gfpTranshuge | gfpZero: "GFP_TRANSHUGE|__GFP_ZERO",
	} {
		if got := string(AppendGFP(nil, x)); got != want {
			t.Errorf("AppendGFP(%#x) = %q, want %q", x, got, want)
		}
	}
	pieces, err := Parse("%gr|%-12gr|")
	if err != nil {
		t.Fatal(err)
	}
	got := AppendInt(nil, pieces[0].Verb, 0xcc0, false)
	got = append(got, '|')
	got = AppendInt(got, pieces[2].Verb, 1, false)
	if string(got) != "GFP_KERNEL|GFP_DMA     " {
		t.Errorf("%%gr|%%-12gr = %q", got)
	}
	if _, err := Parse("%g"); err == nil {
		t.Errorf("a plain %%g parsed; only %%gr is a conversion")
	}
}
