package cfi

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// Tests of Rows itself: which section it reads, on ELF files built in
// memory.

// testSection is a section of an in-memory ELF file.
type testSection struct {
	name string
	typ  elf.SectionType
	addr uint64
	data []byte
}

// makeELF builds a little-endian ELF64 shared object with the sections.
func makeELF(t *testing.T, machine elf.Machine, secs ...testSection) *elf.File {
	t.Helper()
	shstrtab := []byte{0}
	names := make([]uint32, len(secs)+1)
	for i, s := range secs {
		names[i] = uint32(len(shstrtab))
		shstrtab = append(append(shstrtab, s.name...), 0)
	}
	names[len(secs)] = uint32(len(shstrtab))
	shstrtab = append(shstrtab, ".shstrtab\x00"...)

	var body bytes.Buffer
	const ehsize = 64
	hdrs := []elf.Section64{{}}
	for i, s := range secs {
		hdrs = append(hdrs, elf.Section64{Name: names[i], Type: uint32(s.typ), Flags: uint64(elf.SHF_ALLOC),
			Addr: s.addr, Off: uint64(ehsize + body.Len()), Size: uint64(len(s.data)), Addralign: 1})
		if s.typ != elf.SHT_NOBITS {
			body.Write(s.data)
		}
	}
	hdrs = append(hdrs, elf.Section64{Name: names[len(secs)], Type: uint32(elf.SHT_STRTAB),
		Off: uint64(ehsize + body.Len()), Size: uint64(len(shstrtab)), Addralign: 1})
	body.Write(shstrtab)
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	h := elf.Header64{Type: uint16(elf.ET_DYN), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Shoff: uint64(ehsize + body.Len()), Ehsize: ehsize, Shentsize: 64,
		Shnum: uint16(len(hdrs)), Shstrndx: uint16(len(hdrs) - 1)}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	var out bytes.Buffer
	for _, v := range []any{h, body.Bytes(), hdrs} {
		if err := binary.Write(&out, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	f, err := elf.NewFile(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatalf("in-memory ELF: %v", err)
	}
	return f
}

// oneFDE is a section with one FDE [begin, begin+0x10) whose CFA is rsp+off
// from begin+1.
func oneFDE(eh bool, addr, begin uint64, off uint64) []byte {
	b := &builder{eh: eh, addr: addr}
	c := b.cie("", 1, -8, 16, nil, defCFArsp8, raAtCFA8)
	if eh {
		c = b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8)
	}
	b.fde(c, begin, 0x10, nil, advance(1), op(cfaDefCFAOffset, off))
	return b.section().data
}

func TestRowsSectionChoice(t *testing.T) {
	const ehAddr = 0x2000
	eh := testSection{".eh_frame", elf.SHT_PROGBITS, ehAddr, oneFDE(true, ehAddr, 0x1000, 16)}
	debug := testSection{".debug_frame", elf.SHT_PROGBITS, 0, oneFDE(false, 0, 0x1100, 24)}
	fromEh := []Row{rsp(0x1000, 8), rsp(0x1001, 16), undef(0x1010)}
	fromDebug := []Row{rsp(0x1100, 8), rsp(0x1101, 24), undef(0x1110)}
	nobits := eh
	nobits.typ = elf.SHT_NOBITS
	for _, tc := range []struct {
		name string
		secs []testSection
		want []Row
		err  string
	}{
		{"eh_frame", []testSection{eh}, fromEh, ""},
		{"debug_frame", []testSection{debug}, fromDebug, ""},
		{"both: eh_frame wins", []testSection{debug, eh}, fromEh, ""},
		{"NOBITS eh_frame (debug file)", []testSection{nobits, debug}, fromDebug, ""},
		{"none", []testSection{{".text", elf.SHT_PROGBITS, 0x1000, []byte{0xc3}}}, nil, ErrNoCFI.Error()},
		{"malformed", []testSection{{".eh_frame", elf.SHT_PROGBITS, ehAddr, []byte{0xff, 0, 0, 0}}},
			nil, "reading .eh_frame: entry at 0x0: length 0xff runs past the end of the section"},
		{"malformed debug_frame", []testSection{{".debug_frame", elf.SHT_PROGBITS, 0, []byte{8, 0, 0, 0, 0, 0}}},
			nil, "reading .debug_frame: entry at 0x0: length 0x8 runs past the end of the section"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Rows(makeELF(t, elf.EM_X86_64, tc.secs...))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if tc.err == ErrNoCFI.Error() && !errors.Is(err, ErrNoCFI) {
					t.Errorf("error %v is not ErrNoCFI", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, got, tc.want)
		})
	}
}

func TestRowsOtherMachine(t *testing.T) {
	_, err := Rows(makeELF(t, elf.EM_AARCH64, testSection{".eh_frame", elf.SHT_PROGBITS, 0x2000, oneFDE(true, 0x2000, 0x1000, 16)}))
	if err == nil || !strings.Contains(err.Error(), "only x86-64") {
		t.Errorf("error %v, want one about x86-64 only", err)
	}
}

func checkEqual(t *testing.T, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("rows:\n got %+v\nwant %+v", got, want)
		}
	}
}
