//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestKallsymsFuncs: the functions of the kernel symbol table are its t
// and T symbols, with their modules, once per (name, module), without
// loaded BPF programs.
func TestKallsymsFuncs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kallsyms")
	data := "ffffffff81000000 T _stext\n" +
		"ffffffff81001000 t vfs_read\n" +
		"ffffffff81002000 T vfs_write\n" +
		"ffffffff82000000 D avenrun\n" +
		"ffffffffc0000000 t nf_hook\t[nf_tables]\n" +
		"ffffffffc0001000 t bpf_prog_6b074716c6defff3_interval\t[bpf]\n" + // a loaded program: left out
		"ffffffff81001000 t vfs_read\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := readSymTable(file)
	if err != nil {
		t.Fatal(err)
	}
	got := tab.funcs()
	want := []kfunc{
		{name: "_stext", addr: 0xffffffff81000000},
		{name: "nf_hook", module: "nf_tables", addr: 0xffffffffc0000000},
		{name: "vfs_read", addr: 0xffffffff81001000},
		{name: "vfs_write", addr: 0xffffffff81002000},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestParseFtraceFuncs: available_filter_functions names a function per
// line, with its module in brackets; repeated (name, module) pairs (static
// functions of one name) are listed once.
func TestParseFtraceFuncs(t *testing.T) {
	in := "vfs_read\ndo_nanosleep\nnft_hook [nf_tables]\nshow_stat\nshow_stat\nshow_stat [ext4]\n" +
		"rcu_gp_cleanup\ndefault_idle\nfoo.part.0\n" // left out, as bpftrace does
	got, err := parseFtraceFuncs(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []kfunc{{name: "do_nanosleep"}, {name: "nft_hook", module: "nf_tables"}, {name: "show_stat"}, {name: "show_stat", module: "ext4"}, {name: "vfs_read"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if m := named(got, "show_stat"); len(m) != 2 {
		t.Errorf("named(show_stat) = %v", m)
	}
}

func TestKernelFuncsLive(t *testing.T) {
	h := NewHost(nil)
	got, err := h.KernelFuncs("", "vfs_read")
	if err != nil || len(got) != 1 || got[0].Name != "vfs_read" || got[0].Module != "vmlinux" {
		t.Fatalf("KernelFuncs(vfs_read) = %v, %v", got, err)
	}
	if got, err := h.KernelFuncs("vmlinux", "vfs_read"); err != nil || len(got) != 1 {
		t.Errorf("KernelFuncs(vmlinux, vfs_read) = %v, %v", got, err)
	}
	if got, err := h.KernelFuncs("no_such_module", "vfs_read"); err != nil || len(got) != 0 {
		t.Errorf("KernelFuncs(no_such_module, vfs_read) = %v, %v", got, err)
	}
	all, err := h.KernelFuncs("", "vfs_*")
	if err != nil || len(all) < 2 {
		t.Fatalf("KernelFuncs(vfs_*) = %v, %v", all, err)
	}
	if none, err := h.KernelFuncs("", "no_such_function_xyz"); err != nil || len(none) != 0 {
		t.Errorf("a missing function = %v, %v", none, err)
	}
	if none, err := h.KernelFuncs("", "no_such_*_xyz"); err != nil || len(none) != 0 {
		t.Errorf("unmatched wildcard = %v, %v", none, err)
	}
	if h.KernelModuleLoaded("no_such_module") {
		t.Error("no_such_module is loaded")
	}
}

// TestKernelFuncAtLive: an address inside vfs_read resolves to vfs_read and
// its offset; an address outside the kernel's text resolves to nothing.
func TestKernelFuncAtLive(t *testing.T) {
	requireRoot(t)
	all, err := kallsymsFuncs()
	if err != nil {
		t.Fatal(err)
	}
	m := named(all, "vfs_read")
	if len(m) != 1 || m[0].addr == 0 {
		t.Fatalf("kallsyms vfs_read = %v", m)
	}
	h := NewHost(nil)
	fn, off, err := h.KernelFuncAt(m[0].addr + 4)
	if err != nil || fn != "vfs_read" || off != 4 {
		t.Errorf("KernelFuncAt(vfs_read+4) = %s, %d, %v", fn, off, err)
	}
	if fn, _, err := h.KernelFuncAt(0x12345678); err == nil {
		t.Errorf("KernelFuncAt(0x12345678) = %s", fn)
	}
}

// TestKernelFuncsWildcardTraceable: a wildcard expands to the functions
// kprobes can attach to (available_filter_functions), so vfs_* leaves out
// the __init function vfs_caches_init that kallsyms lists, which an exact
// name still finds (not traceable); where tracefs does not show the list
// (this development machine refuses to read it), the expansion is
// kallsyms's.
func TestKernelFuncsWildcardTraceable(t *testing.T) {
	h := NewHost(nil)
	all, err := h.KernelFuncs("", "vfs_*")
	if err != nil {
		t.Fatal(err)
	}
	ftrace := ftraceFuncs()
	if ftrace == nil {
		if os.Getenv("GOBPFTRACE_GUEST") == "1" {
			t.Fatal("the guest kernels show available_filter_functions")
		}
		syms, err := kallsymsFuncs()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range syms {
			if strings.HasPrefix(s.name, "vfs_") {
				n++
			}
		}
		if n != len(all) {
			t.Errorf("without available_filter_functions, vfs_* = %d functions, kallsyms has %d", len(all), n)
		}
		return
	}
	for _, f := range all {
		if !ftrace[f.Name] || !f.Traceable {
			t.Errorf("vfs_* expands to %v, which kprobes cannot attach to", f)
		}
		if f.Name == "vfs_caches_init" {
			t.Error("vfs_* expands to the __init function vfs_caches_init")
		}
	}
	init, err := h.KernelFuncs("", "vfs_caches_init")
	if err != nil || len(init) != 1 || init[0].Traceable {
		t.Errorf("KernelFuncs(vfs_caches_init) = %v, %v; want it, not traceable", init, err)
	}
}
