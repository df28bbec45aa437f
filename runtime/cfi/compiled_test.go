package cfi

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Rows against readelf on programs compiled for the test, with the code
// generation options that change the call frame information.

const testProgram = `#include <stdio.h>
#include <string.h>
__attribute__((noinline)) int leaf(int x) { return x * 3 + 1; }
__attribute__((noinline)) int vla(int n) {
	char buf[n];
	memset(buf, n, n);
	int s = 0;
	for (int i = 0; i < n; i++) s += buf[i] ^ leaf(i);
	return s;
}
__attribute__((noinline)) int rec(int n) { if (n <= 0) return leaf(n); return rec(n - 1) + vla(n + 8); }
int main(int argc, char **argv) { printf("%d\n", rec(argc + 3)); return 0; }
`

// compile builds testProgram with the flags, or skips the test without cc.
func compile(t *testing.T, flags ...string) string {
	t.Helper()
	bin, err := tryCompile(t, flags...)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// tryCompile is compile returning the compiler's failure.
func tryCompile(t *testing.T, flags ...string) (string, error) {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "prog.c")
	if err := os.WriteFile(src, []byte(testProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	args := append(append([]string{}, flags...), "-o", bin, src)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cc %v: %v\n%s", args, err, out)
	}
	return bin, nil
}

func TestReadelfCompiled(t *testing.T) {
	t.Run("O2-omit-frame-pointer", func(t *testing.T) {
		rows := compareWithReadelf(t, compile(t, "-O2", "-fomit-frame-pointer"), ".eh_frame")
		kinds := map[CFAKind]bool{}
		for _, r := range rows {
			kinds[r.CFA] = true
		}
		// The variable length array makes vla() keep its CFA in rbp.
		for _, k := range []CFAKind{CFARSP, CFARBP, CFAPLT, CFAUndefined} {
			if !kinds[k] {
				t.Errorf("no %v row", k)
			}
		}
	})
	t.Run("O0", func(t *testing.T) {
		rows := compareWithReadelf(t, compile(t, "-O0"), ".eh_frame")
		n := 0
		for _, r := range rows {
			if r.CFA == CFARBP && r.CFAOffset == 16 && r.RBP == RBPAtCFA && r.RBPOffset == -16 {
				n++
			}
		}
		if n < 4 { // main, leaf, vla, rec
			t.Errorf("%d rows with the frame pointer CFA rbp+16, rbp at CFA-16; want at least 4", n)
		}
	})
	t.Run("ibt-plt", func(t *testing.T) {
		// With IBT, calls go through .plt.sec (CFA rsp+8) and the lazy
		// binding stubs in .plt keep the PLT expression.
		bin, err := tryCompile(t, "-O2", "-fcf-protection=full", "-Wl,-z,ibtplt")
		if err != nil {
			t.Skipf("no IBT PLT from this toolchain: %v", err)
		}
		rows := compareWithReadelf(t, bin, ".eh_frame")
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sec := f.Section(".plt.sec")
		if sec == nil {
			t.Skip("the linker made no .plt.sec")
		}
		if got := Find(rows, sec.Addr); got.CFA != CFARSP || got.CFAOffset != 8 {
			t.Errorf(".plt.sec at 0x%x: %+v, want rsp+8", sec.Addr, got)
		}
		if got := Find(rows, f.Section(".plt").Addr+16); got.CFA != CFAPLT {
			t.Errorf(".plt entry 1: %+v, want CFAPLT", got)
		}
	})
	t.Run("relocatable", func(t *testing.T) {
		// In an object file the FDE addresses are not relocated yet: Rows
		// must still give a well-formed table.
		f, err := elf.Open(compile(t, "-O2", "-c"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := Rows(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 4 {
			t.Errorf("%d rows, want at least 4 (4 functions)", len(rows))
		}
		for i := 1; i < len(rows); i++ {
			if rows[i].PC <= rows[i-1].PC || rows[i].sameRule(rows[i-1]) {
				t.Errorf("rows %d, %d: %+v %+v: not sorted or not merged", i-1, i, rows[i-1], rows[i])
			}
		}
	})
	t.Run("debug_frame", func(t *testing.T) {
		bin := compile(t, "-O2", "-g", "-fno-asynchronous-unwind-tables")
		objcopy, err := exec.LookPath("objcopy")
		if err != nil {
			t.Skipf("no objcopy: %v", err)
		}
		stripped := bin + ".noeh"
		if out, err := exec.Command(objcopy, "--remove-section=.eh_frame", "--remove-section=.eh_frame_hdr", bin, stripped).CombinedOutput(); err != nil {
			t.Fatalf("objcopy: %v\n%s", err, out)
		}
		compareWithReadelf(t, stripped, ".debug_frame")
	})
}
