//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSymTable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kallsyms")
	data := "ffffffff81000000 T _stext\n" +
		"ffffffff81000000 T _text\n" +
		"ffffffff81001000 t helper\n" +
		"ffffffff816bab60 T __pfx_vfs_read\n" +
		"ffffffff816bab70 T vfs_read\n" +
		"ffffffff816bac00 T vfs_write\n" +
		"ffffffff82000000 D avenrun\n" +
		"ffffffff816bab70 t vfs_read_alias\n" +
		"0000000000000000 A fixed_percpu_data\n" +
		"ffffffffc0001000 t mod_func\t[mymod]\n" +
		"ffffffff81001000 t helper\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := readSymTable(file)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint64{
		"vfs_read": 0xffffffff816bab70, "avenrun": 0xffffffff82000000, "mod_func": 0xffffffffc0001000,
		"helper": 0xffffffff81001000, "fixed_percpu_data": 0,
	} {
		if got, ok := tab.addrOf(name); !ok || got != want {
			t.Errorf("addrOf(%s) = %#x, %v; want %#x", name, got, ok, want)
		}
	}
	if _, ok := tab.addrOf("nope"); ok {
		t.Error("addrOf(nope) found")
	}
	for addr, want := range map[uint64]string{
		0:                  "",
		0x1000:             "",
		0xffffffff81000000: "_stext",
		0xffffffff81000fff: "_stext",
		0xffffffff816bab70: "vfs_read",
		0xffffffff816bab75: "vfs_read",
		0xffffffff816bab6f: "__pfx_vfs_read",
		0xffffffff816bac00: "vfs_write",
		0xffffffffc0001234: "mod_func",
	} {
		if got := tab.lookup(addr); got != want {
			t.Errorf("lookup(%#x) = %q, want %q", addr, got, want)
		}
	}
}

// The live table: kaddr and ksym round-trip (addresses are visible only to
// root).
func TestKernelSymbolLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("kernel symbol addresses are hidden from non-root users")
	}
	h := NewHost(nil)
	addr, err := h.KernelSymbolAddr("vfs_read")
	if err != nil {
		t.Fatal(err)
	}
	if got := KernelSymbol(addr); got != "vfs_read" {
		t.Errorf("KernelSymbol(%#x) = %q, want vfs_read", addr, got)
	}
	if got := KernelSymbol(addr + 3); got != "vfs_read" {
		t.Errorf("KernelSymbol(%#x+3) = %q, want vfs_read", addr, got)
	}
	if _, err := h.KernelSymbolAddr("no_such_symbol_xyz"); err == nil {
		t.Error("KernelSymbolAddr(no_such_symbol_xyz) succeeded")
	}
}

// BenchmarkReadSymTable reads this machine's /proc/kallsyms, the cost of
// the first kaddr()/ksym() or of a kprobe on a function ftrace does not
// list.
func BenchmarkReadSymTable(b *testing.B) {
	for b.Loop() {
		if _, err := readSymTable(kallsymsPath); err != nil {
			b.Fatal(err)
		}
	}
}
