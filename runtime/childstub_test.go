//go:build linux && amd64

package runtime

import (
	"bytes"
	"debug/elf"
	"testing"
)

// TestStubELF checks the stub executable's structure with debug/elf: a
// static x86-64 executable whose one read+execute segment maps the whole
// file and whose entry point is the first byte of the code.
func TestStubELF(t *testing.T) {
	image := buildStub(elf.EM_X86_64, stubCode)
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		t.Errorf("header: %v %v %v %v", f.Class, f.Data, f.Machine, f.Type)
	}
	if len(f.Progs) != 1 {
		t.Fatalf("%d program headers, want 1", len(f.Progs))
	}
	p := f.Progs[0]
	if p.Type != elf.PT_LOAD || p.Flags != elf.PF_R|elf.PF_X || p.Off != 0 || p.Filesz != uint64(len(image)) || p.Memsz != p.Filesz {
		t.Errorf("segment: %+v", p.ProgHeader)
	}
	if off := f.Entry - p.Vaddr; off != uint64(len(image)-len(stubCode)) {
		t.Errorf("entry at file offset %d, code at %d", off, len(image)-len(stubCode))
	}
}
