//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestReadKallsymsFuncs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kallsyms")
	data := "ffffffff81000000 T _stext\n" +
		"ffffffff81001000 t vfs_read\n" +
		"ffffffff81002000 T vfs_write\n" +
		"ffffffff82000000 D avenrun\n" +
		"ffffffffc0000000 t nf_hook [nf_tables]\n" +
		"ffffffff81001000 t vfs_read\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readKallsymsFuncs(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"_stext", "nf_hook", "vfs_read", "vfs_write"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestKernelFuncsLive(t *testing.T) {
	h := NewHost(nil)
	got, err := h.KernelFuncs("vfs_read")
	if err != nil || len(got) != 1 {
		t.Fatalf("KernelFuncs(vfs_read) = %v, %v", got, err)
	}
	all, err := h.KernelFuncs("vfs_*")
	if err != nil || len(all) < 2 {
		t.Fatalf("KernelFuncs(vfs_*) = %v, %v", all, err)
	}
	if _, err := h.KernelFuncs("no_such_function_xyz"); err == nil {
		t.Error("a missing function was found")
	}
	if none, err := h.KernelFuncs("no_such_*_xyz"); err != nil || len(none) != 0 {
		t.Errorf("unmatched wildcard = %v, %v", none, err)
	}
}

// TestKernelFuncsWildcardTraceable: a wildcard expands to the functions
// kprobes can attach to (available_filter_functions), so vfs_* leaves out
// the __init function vfs_caches_init that kallsyms lists; where tracefs
// does not show the list (this development machine refuses to read it),
// the expansion is kallsyms's.
func TestKernelFuncsWildcardTraceable(t *testing.T) {
	h := NewHost(nil)
	all, err := h.KernelFuncs("vfs_*")
	if err != nil {
		t.Fatal(err)
	}
	ftrace := ftraceFuncs()
	if ftrace == nil {
		if os.Getenv("GOBPFTRACE_GUEST") == "1" {
			t.Fatal("the guest kernels show available_filter_functions")
		}
		syms, err := h.kernelFuncs()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range syms {
			if strings.HasPrefix(s, "vfs_") {
				n++
			}
		}
		if n != len(all) {
			t.Errorf("without available_filter_functions, vfs_* = %d functions, kallsyms has %d", len(all), n)
		}
		return
	}
	for _, f := range all {
		if !ftrace[f] {
			t.Errorf("vfs_* expands to %s, which kprobes cannot attach to", f)
		}
	}
	if slices.Contains(all, "vfs_caches_init") {
		t.Error("vfs_* expands to the __init function vfs_caches_init")
	}
}
