package runtime

import (
	"debug/elf"
	"os/exec"
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
