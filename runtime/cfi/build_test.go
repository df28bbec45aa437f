package cfi

import (
	"encoding/binary"
)

// This file builds .eh_frame and .debug_frame contents by hand for the unit
// tests and the fuzz seeds.

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		b = append(b, c)
		if done {
			return b
		}
	}
}

// cat concatenates byte groups (an instruction and its operands).
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// op is an opcode followed by uleb128 operands.
func op(code byte, operands ...uint64) []byte {
	b := []byte{code}
	for _, o := range operands {
		b = append(b, uleb(o)...)
	}
	return b
}

// builder assembles a CFI section at address addr.
type builder struct {
	buf     []byte
	addr    uint64
	eh      bool
	dwarf64 bool   // 64-bit DWARF entries (extended length)
	fdeEnc  uint8  // .eh_frame: the "R" encoding of the last CIE (0 without "R")
	augZ    bool   // the last CIE has "z"
	version uint8  // .debug_frame CIE version (default 1)
	seg     []byte // .debug_frame v4: segment selector bytes of FDEs
}

func (b *builder) u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func (b *builder) u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// entry appends an entry whose body (after the length) is id followed by
// rest, where rest is computed knowing the section offset it starts at.
func (b *builder) entry(id func(idOff uint64) []byte, rest func(off uint64) []byte) uint64 {
	start := uint64(len(b.buf))
	hdr := 4
	if b.dwarf64 {
		hdr = 12
	}
	idOff := start + uint64(hdr)
	idb := id(idOff)
	body := append(append([]byte(nil), idb...), rest(idOff+uint64(len(idb)))...)
	for len(body)%4 != 0 { // pad with DW_CFA_nop to a 4-byte multiple
		body = append(body, 0)
	}
	if b.dwarf64 {
		b.buf = append(b.buf, b.u32(0xffffffff)...)
		b.buf = append(b.buf, b.u64(uint64(len(body)))...)
	} else {
		b.buf = append(b.buf, b.u32(uint32(len(body)))...)
	}
	b.buf = append(b.buf, body...)
	return start
}

// cie appends a CIE and returns its offset. augData is the augmentation data
// after the "z" length (the builder adds the length when aug starts with z).
func (b *builder) cie(aug string, codeAlign uint64, dataAlign int64, ra uint64, augData []byte, instrs ...[]byte) uint64 {
	b.augZ = len(aug) > 0 && aug[0] == 'z'
	b.fdeEnc = 0
	for i := 1; b.augZ && i < len(aug); i++ {
		if aug[i] == 'R' {
			b.fdeEnc = augData[len(augData)-1] // tests put R last
		}
	}
	version := byte(1)
	if !b.eh && b.version != 0 {
		version = b.version
	}
	return b.entry(func(uint64) []byte {
		switch {
		case b.eh:
			return b.u32(0)
		case b.dwarf64:
			return b.u64(^uint64(0))
		}
		return b.u32(0xffffffff)
	}, func(uint64) []byte {
		body := append([]byte{version}, aug...)
		body = append(body, 0)
		if version == 4 {
			body = append(body, 8, byte(len(b.seg)))
		}
		body = append(body, uleb(codeAlign)...)
		body = append(body, sleb(dataAlign)...)
		if version == 1 {
			body = append(body, byte(ra))
		} else {
			body = append(body, uleb(ra)...)
		}
		if b.augZ {
			body = append(body, uleb(uint64(len(augData)))...)
			body = append(body, augData...)
		}
		return append(body, cat(instrs...)...)
	})
}

// fde appends an FDE for [begin, begin+size) using the CIE at cieOff.
func (b *builder) fde(cieOff, begin, size uint64, augData []byte, instrs ...[]byte) uint64 {
	return b.entry(func(idOff uint64) []byte {
		switch {
		case b.eh:
			return b.u32(uint32(idOff - cieOff))
		case b.dwarf64:
			return b.u64(cieOff)
		}
		return b.u32(uint32(cieOff))
	}, func(off uint64) []byte {
		var body []byte
		switch {
		case !b.eh:
			body = append(append(body, b.seg...), b.u64(begin)...)
			body = append(body, b.u64(size)...)
		case b.fdeEnc == 0x1b: // pcrel sdata4
			body = append(body, b.u32(uint32(begin-(b.addr+off)))...)
			body = append(body, b.u32(uint32(size))...)
		case b.fdeEnc == 0x03: // udata4
			body = append(body, b.u32(uint32(begin))...)
			body = append(body, b.u32(uint32(size))...)
		default: // absptr
			body = append(body, b.u64(begin)...)
			body = append(body, b.u64(size)...)
		}
		if b.augZ {
			body = append(body, uleb(uint64(len(augData)))...)
			body = append(body, augData...)
		}
		return append(body, cat(instrs...)...)
	})
}

// section returns the built bytes as a frameSection (with a zero terminator
// for .eh_frame).
func (b *builder) section() frameSection {
	data := b.buf
	if b.eh {
		data = append(append([]byte(nil), data...), 0, 0, 0, 0)
	}
	return frameSection{data: data, addr: b.addr, eh: b.eh, order: binary.LittleEndian, ptrSize: 8}
}

// Common instructions: x86-64 DWARF registers rbp 6, rsp 7, r10 10, ra 16.
var (
	defCFArsp8 = op(cfaDefCFA, regRSP, 8)
	raAtCFA8   = []byte{cfaOffset | 16, 1} // with data_align -8
	nop        = []byte{cfaNop}
)

func advance(n byte) []byte { return []byte{cfaAdvanceLoc | n} }

// ehCIE starts a typical GCC .eh_frame at 0x1000 with a "zR" CIE
// (pcrel|sdata4, code_align 1, data_align -8, CFA rsp+8, ra at CFA-8).
func ehCIE() (*builder, uint64) {
	b := &builder{eh: true, addr: 0x1000}
	return b, b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8)
}
