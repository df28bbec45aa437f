package main

import (
	"debug/elf"
	"encoding/hex"
	"fmt"
	"regexp"
	"testing"
)

// TestUstackUsym symbolizes user addresses of a live child: usym() of the
// function pointer dlsym() returns names the looked-up function, and the
// innermost frame of ustack in a uprobe is the probed function at offset
// 0, in bpftrace and perf modes (perf adds the object file), and so is
// the function of reg("ip").
func TestUstackUsym(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "getenv.py", "import ctypes, time\nf = ctypes.CDLL(None).getenv\nf(b'ABCDEFGH')\ntime.sleep(5)\n")
	prog := `uretprobe:libc:dlsym /pid == cpid/ { printf("dlsym %s\n", usym(retval)); }
uprobe:libc:getenv /pid == cpid && str(arg0) == "ABCDEFGH"/ { printf("ip %s\n", usym(reg("ip"))); printf("%s", ustack(1)); print(ustack(perf, 1)); @[usym(arg0)] = count(); exit(); }`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^dlsym getenv$`,
		`(?m)^ip getenv$`,
		`(?m)^        getenv\+0$`,
		`(?m)^\t[0-9a-f]+ getenv\+0 \(/\S*libc\.so\.6\)$`,
		`(?m)^@\[0x[0-9a-f]+\]: 1$`) // a data address has no symbol
	if r.elapsed.Seconds() > 4 {
		t.Errorf("exit() did not end the trace early (%v)", r.elapsed)
	}
}

// TestUstackBuildID records a user stack in build_id mode (bpftrace's
// ustack(build_id)): the innermost frame of a uprobe on libc's getenv is
// libc's build id and the file offset of getenv, printed as bpftrace does.
func TestUstackBuildID(t *testing.T) {
	needRoot(t)
	// The child waits after the call, so that its mappings can be read
	// when the perf-mode frame is printed.
	script := tempFile(t, "getenv.py", "import ctypes, time\nctypes.CDLL(None).getenv(b'ABCDEFGH')\ntime.sleep(5)\n")
	prog := `uprobe:libc:getenv /pid == cpid && str(arg0) == "ABCDEFGH"/ { print(ustack(perf, 1)); print(ustack(build_id, 1)); exit(); }`
	r := gbt(t, "-q", "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^\t[0-9a-f]+ getenv\+0 \((\S+)\)\n\n\n([0-9a-f]{40}) 0x([0-9a-f]+)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("stdout lacks a perf frame then a build_id frame:\n%s", r.stdout)
	}
	f, err := elf.Open(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if id := elfBuildID(t, f); id != m[2] {
		t.Errorf("build id %s, want %s (of %s)", m[2], id, m[1])
	}
	if off := symbolFileOffset(t, f, "getenv"); fmt.Sprintf("%x", off) != m[3] {
		t.Errorf("offset 0x%s, want 0x%x (getenv in %s)", m[3], off, m[1])
	}
}

// elfBuildID is the GNU build id of f in hex.
func elfBuildID(t *testing.T, f *elf.File) string {
	t.Helper()
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		b, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		for len(b) >= 12 {
			nameLen, descLen, typ := f.ByteOrder.Uint32(b), f.ByteOrder.Uint32(b[4:]), f.ByteOrder.Uint32(b[8:])
			name := (int(nameLen) + 3) &^ 3
			desc := (int(descLen) + 3) &^ 3
			if 12+name+desc > len(b) {
				break
			}
			if typ == 3 && string(b[12:12+nameLen]) == "GNU\x00" {
				return hex.EncodeToString(b[12+name : 12+name+int(descLen)])
			}
			b = b[12+name+desc:]
		}
	}
	t.Fatal("no build id")
	return ""
}

// symbolFileOffset is the file offset of the dynamic symbol name in f.
func symbolFileOffset(t *testing.T, f *elf.File, name string) uint64 {
	t.Helper()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	_, off := symbolLocation(t, f, syms, name)
	return off
}

// symbolLocation returns the value of the symbol name among syms (of f)
// and its file offset, through the loadable segment that holds it.
func symbolLocation(t *testing.T, f *elf.File, syms []elf.Symbol, name string) (addr, off uint64) {
	t.Helper()
	for _, s := range syms {
		if s.Name != name {
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && s.Value >= p.Vaddr && s.Value < p.Vaddr+p.Memsz {
				return s.Value, s.Value - p.Vaddr + p.Off
			}
		}
	}
	t.Fatalf("no symbol %s", name)
	return 0, 0
}
