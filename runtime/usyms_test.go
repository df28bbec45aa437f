package runtime

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseMapsLine keeps executable file mappings only.
func TestParseMapsLine(t *testing.T) {
	m, ok := parseMapsLine("7f1c2a228000-7f1c2a3bd000 r-xp 00028000 fd:01 1837 /usr/lib/x86_64-linux-gnu/libc.so.6")
	if !ok || m.start != 0x7f1c2a228000 || m.end != 0x7f1c2a3bd000 || m.off != 0x28000 || m.path != "/usr/lib/x86_64-linux-gnu/libc.so.6" {
		t.Errorf("libc mapping parsed as %+v, %v", m, ok)
	}
	m, ok = parseMapsLine("00400000-00401000 r-xp 00000000 08:01 42 /tmp/a b (deleted)")
	if !ok || m.path != "/tmp/a b (deleted)" {
		t.Errorf("path with spaces parsed as %+v, %v", m, ok)
	}
	for _, line := range []string{
		"7f1c2a200000-7f1c2a228000 r--p 00000000 fd:01 1837 /usr/lib/x86_64-linux-gnu/libc.so.6",
		"7ffd5c5f4000-7ffd5c5f6000 r-xp 00000000 00:00 0 [vdso]",
		"7ffd5c5f4000-7ffd5c5f6000 r-xp 00000000 00:00 0",
		"garbage",
	} {
		if m, ok := parseMapsLine(line); ok {
			t.Errorf("%q parsed as %+v", line, m)
		}
	}
}

// TestResolveChildLibc resolves libc's getenv in a child `sleep`: the
// address is computed independently from the child's libc mapping and
// the ELF symbol and program headers; it resolves at offset 0 and inside
// the function, with libc as the module; an address outside every mapping
// does not resolve.
func TestResolveChildLibc(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := uint64(cmd.Process.Pid)
	var libc userMapping
	for deadline := time.Now().Add(5 * time.Second); libc.path == "" && time.Now().Before(deadline); {
		maps, _ := readProcMaps(pid)
		for _, m := range maps {
			if strings.Contains(m.path, "/libc.so") {
				libc = m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if libc.path == "" {
		t.Skip("sleep has no libc mapping (static build?)")
	}
	f, err := elf.Open(libc.file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	funcs, err := readELFFuncs(libc.file)
	if err != nil {
		t.Fatal(err)
	}
	var vaddr uint64
	for _, fn := range funcs {
		if fn.name == "getenv" {
			vaddr = fn.addr
		}
	}
	var addr uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && vaddr >= p.Vaddr && vaddr < p.Vaddr+p.Filesz {
			addr = vaddr - p.Vaddr + p.Off - libc.off + libc.start
		}
	}
	if vaddr == 0 || addr < libc.start || addr >= libc.end {
		t.Fatalf("getenv (%#x) is not in the executable libc mapping %+v", vaddr, libc)
	}
	var u UserSymbols
	for _, c := range []struct{ delta uint64 }{{0}, {5}} {
		sym, off, module, ok := u.Resolve(pid, addr+c.delta)
		if !ok || sym != "getenv" || off != c.delta || module != libc.path {
			t.Errorf("Resolve(%#x) = %q+%d (%s), %v; want getenv+%d (%s)", addr+c.delta, sym, off, module, ok, c.delta, libc.path)
		}
	}
	if _, _, _, ok := u.Resolve(pid, 8); ok {
		t.Error("address 8 resolved")
	}
}

// TestResolveExitedProcess: a process whose mappings cannot be read (it
// exited) has its addresses looked up in the probed binaries that load at
// their link addresses (ET_EXEC): here a small Go program built for the
// test, whose main.main is found by its address.
func TestResolveExitedProcess(t *testing.T) {
	if os.Getenv("GOBPFTRACE_GUEST") == "1" {
		// Building the program takes minutes under TCG, and the test is
		// about ELF files, not the kernel.
		t.Skip("user-space symbol resolution does not depend on the kernel: tested on the host")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(1) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "prog")
	build := exec.Command("go", "build", "-o", exe, "main.go")
	build.Dir = dir
	build.Env = append(os.Environ(), "GO111MODULE=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build a test program: %v\n%s", err, out)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	syms, _ := f.Symbols()
	typ := f.Type
	f.Close()
	if typ != elf.ET_EXEC {
		t.Skip("the test program is position independent")
	}
	var addr uint64
	for _, s := range syms {
		if s.Name == "main.main" {
			addr = s.Value
		}
	}
	if addr == 0 {
		t.Fatal("no main.main in the test program")
	}
	const gone = 1 << 30 // no such pid
	var u UserSymbols
	if _, _, _, ok := u.Resolve(gone, addr); ok {
		t.Fatal("resolved without mappings or binaries")
	}
	u.Binaries = []string{"/no/such/file", exe}
	sym, off, module, ok := u.Resolve(gone, addr+1)
	if !ok || sym != "main.main" || off != 1 || module != exe {
		t.Errorf("Resolve = %q+%d in %q (%v), want main.main+1 in %s", sym, off, module, ok, exe)
	}
}

// TestDemangledNames: with Demangle (cpp_demangle, the default) C++ and
// Rust symbols print demangled without their parameter lists, as
// bpftrace prints them; other names, and every name without Demangle,
// print as the binary has them.
func TestDemangledNames(t *testing.T) {
	cases := []struct{ sym, want string }{
		{"_ZN3foo3barEi", "foo::bar"},
		{"_ZN5Shape4areaEv", "Shape::area"},
		{"_ZNK2ns1C6methodERKSt6vectorIiSaIiEE", "ns::C::method"},
		{"_RNvCs15kBYyAo9fc_7mycrate4main", "mycrate::main"},
		{"main", "main"},
		{"_Znot_mangled", "_Znot_mangled"},
	}
	on := &UserSymbols{Demangle: true}
	off := &UserSymbols{}
	for _, c := range cases {
		if got := on.name(elfFunc{name: c.sym}); got != c.want {
			t.Errorf("demangled %s = %q, want %q", c.sym, got, c.want)
		}
		if got := off.name(elfFunc{name: c.sym}); got != c.sym {
			t.Errorf("without demangling %s = %q", c.sym, got)
		}
	}
}
