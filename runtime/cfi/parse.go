package cfi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// errTruncated is the malformed-data error of a field running past its end.
var errTruncated = errors.New("truncated")

// reader reads the fields of one CFI entry. base is the section offset of
// b[0], so that pc-relative pointers know their own address. A read past the
// end returns zeroes and sets bad; callers check bad once per field group.
type reader struct {
	b     []byte
	pos   int
	base  uint64
	order binary.ByteOrder
	bad   bool
}

func (r *reader) left() int { return len(r.b) - r.pos }

func (r *reader) take(n uint64) []byte {
	if r.bad || n > uint64(r.left()) {
		r.bad = true
		return nil
	}
	b := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b
}

func (r *reader) u8() uint8 {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16() uint16 {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return r.order.Uint16(b)
}

func (r *reader) u32() uint32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return r.order.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return r.order.Uint64(b)
}

// uint reads an n-byte unsigned value (n is 1, 2, 4 or 8).
func (r *reader) uint(n int) uint64 {
	switch n {
	case 1:
		return uint64(r.u8())
	case 2:
		return uint64(r.u16())
	case 4:
		return uint64(r.u32())
	case 8:
		return r.u64()
	}
	r.bad = true
	return 0
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := r.u8()
		if r.bad {
			return 0
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *reader) sleb() int64 {
	var v int64
	shift := uint(0)
	for {
		c := r.u8()
		if r.bad {
			return 0
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

// cstring reads a NUL-terminated string.
func (r *reader) cstring() string {
	for i := r.pos; i < len(r.b); i++ {
		if r.b[i] == 0 {
			s := string(r.b[r.pos:i])
			r.pos = i + 1
			return s
		}
	}
	r.bad = true
	return ""
}

// DW_EH_PE_* pointer encodings (LSB, "DWARF Extensions"): the low nibble is
// the format, bits 4-6 the application, bit 7 indirect.
const (
	peAbsptr  = 0x00
	peUleb128 = 0x01
	peUdata2  = 0x02
	peUdata4  = 0x03
	peUdata8  = 0x04
	peSleb128 = 0x09
	peSdata2  = 0x0a
	peSdata4  = 0x0b
	peSdata8  = 0x0c

	pePcrel    = 0x10
	peAppMask  = 0x70
	peIndirect = 0x80
	peOmit     = 0xff
)

// errEncoding says a pointer uses an encoding Rows cannot resolve from the
// section alone; the FDE (or its CIE) is skipped, not the whole section.
var errEncoding = errors.New("unsupported pointer encoding")

// errFormat says a pointer's format (low nibble) is unknown, so its size is
// too: nothing after it can be read.
var errFormat = errors.New("unknown pointer format")

// pointer reads a pointer encoded with enc. With value set only the format is
// applied (FDE pc_range). ptrSize is the size of absptr. It returns
// errEncoding for an encoding it cannot resolve (after reading past the field
// when its size is known) and errTruncated when the field is cut short.
func (r *reader) pointer(enc uint8, ptrSize int, secAddr uint64, value bool) (uint64, error) {
	if enc == peOmit {
		return 0, nil
	}
	fieldAddr := secAddr + r.base + uint64(r.pos)
	var v uint64
	switch enc & 0x0f {
	case peAbsptr:
		v = r.uint(ptrSize)
	case peUleb128:
		v = r.uleb()
	case peUdata2:
		v = uint64(r.u16())
	case peUdata4:
		v = uint64(r.u32())
	case peUdata8:
		v = r.u64()
	case peSleb128:
		v = uint64(r.sleb())
	case peSdata2:
		v = uint64(int64(int16(r.u16())))
	case peSdata4:
		v = uint64(int64(int32(r.u32())))
	case peSdata8:
		v = r.u64()
	default:
		return 0, errFormat // size unknown: cannot even skip it
	}
	if r.bad {
		return 0, errTruncated
	}
	if value {
		return v, nil
	}
	if enc&peIndirect != 0 {
		return 0, errEncoding
	}
	switch enc & peAppMask {
	case 0:
		return v, nil
	case pePcrel:
		return v + fieldAddr, nil
	}
	return 0, errEncoding // textrel, datarel, funcrel, aligned
}

// frameSection is the raw content of .eh_frame or .debug_frame.
type frameSection struct {
	data    []byte
	addr    uint64 // sh_addr: the address of data[0] (for pc-relative pointers)
	eh      bool   // .eh_frame (else .debug_frame)
	order   binary.ByteOrder
	ptrSize int // absptr and .debug_frame address size unless a v4 CIE says otherwise

	stack []regs // DW_CFA_remember_state storage, reused from FDE to FDE
}

// cie is a parsed Common Information Entry.
type cie struct {
	codeAlign uint64
	dataAlign int64
	raReg     uint64
	fdeEnc    uint8 // pointer encoding of FDE addresses (.eh_frame "R")
	hasAugLen bool  // "z": FDEs carry an augmentation data length
	addrSize  int   // .debug_frame: address size of FDE addresses
	segSize   int   // .debug_frame v4: segment selector size
	initial   []byte
	initBase  uint64 // section offset of initial
	skip      error  // not nil: FDEs using this CIE are skipped (unknown augmentation or encoding)
	state     cieState
}

// fde is a parsed Frame Description Entry.
type fde struct {
	cie        *cie
	begin, end uint64
	instr      []byte
	instrBase  uint64 // section offset of instr
}

// entry is the framing of one CIE or FDE: the body (after the CIE id or CIE
// pointer) and what the id says.
type entry struct {
	start   uint64 // section offset of the length field
	next    uint64 // section offset of the following entry
	isCIE   bool
	cieOff  uint64 // FDE: section offset of its CIE
	body    []byte
	bodyOff uint64
}

// readEntry reads the entry at off. A zero length entry (terminator or
// padding) returns an entry with a nil body; callers skip it. In a 64-bit
// .eh_frame entry (extended length) the CIE id / pointer stays 4 bytes, as
// the LSB specifies and LLVM reads it; in .debug_frame it is 8.
func (s *frameSection) readEntry(off uint64) (entry, error) {
	e := entry{start: off}
	r := reader{b: s.data, pos: int(off), order: s.order}
	length := uint64(r.u32())
	dwarf64 := false
	if length == 0xffffffff {
		length, dwarf64 = r.u64(), true
	}
	if r.bad {
		return e, fmt.Errorf("entry at 0x%x: length: %w", off, errTruncated)
	}
	if length > uint64(r.left()) {
		return e, fmt.Errorf("entry at 0x%x: length 0x%x runs past the end of the section", off, length)
	}
	e.next = uint64(r.pos) + length
	if length == 0 {
		return e, nil
	}
	body := reader{b: s.data[:e.next], pos: r.pos, order: s.order}
	idPos := uint64(body.pos)
	var id uint64
	if dwarf64 && !s.eh {
		id = body.u64()
	} else {
		id = uint64(body.u32())
	}
	if body.bad {
		return e, fmt.Errorf("entry at 0x%x: CIE id: %w", off, errTruncated)
	}
	switch {
	case s.eh:
		e.isCIE = id == 0
		if !e.isCIE {
			if id > idPos {
				return e, fmt.Errorf("FDE at 0x%x: CIE pointer 0x%x points before the section", off, id)
			}
			e.cieOff = idPos - id
		}
	case dwarf64:
		e.isCIE = id == ^uint64(0)
		e.cieOff = id
	default:
		e.isCIE = id == 0xffffffff
		e.cieOff = id
	}
	e.body, e.bodyOff = s.data[body.pos:e.next], uint64(body.pos)
	return e, nil
}

// parseCIE parses the CIE whose entry is e. Errors are for broken framing;
// a CIE that is well framed but not understood gets cie.skip.
func (s *frameSection) parseCIE(e entry) (*cie, error) {
	c := &cie{addrSize: s.ptrSize, fdeEnc: peAbsptr}
	r := reader{b: e.body, base: e.bodyOff, order: s.order}
	version := r.u8()
	aug := r.cstring()
	if r.bad {
		return nil, fmt.Errorf("CIE at 0x%x: header: %w", e.start, errTruncated)
	}
	switch {
	case version == 1 || version == 3:
	case version == 4 && !s.eh:
		c.addrSize, c.segSize = int(r.u8()), int(r.u8())
		if c.addrSize != 4 && c.addrSize != 8 {
			c.skip = fmt.Errorf("CIE at 0x%x: address size %d", e.start, c.addrSize)
			return c, nil
		}
	default:
		c.skip = fmt.Errorf("CIE at 0x%x: version %d", e.start, version)
		return c, nil
	}
	if len(aug) >= 2 && aug[:2] == "eh" {
		c.skip = fmt.Errorf("CIE at 0x%x: augmentation %q", e.start, aug)
		return c, nil
	}
	c.codeAlign = r.uleb()
	c.dataAlign = r.sleb()
	if version == 1 {
		c.raReg = uint64(r.u8())
	} else {
		c.raReg = r.uleb()
	}
	if r.bad {
		return nil, fmt.Errorf("CIE at 0x%x: alignment factors: %w", e.start, errTruncated)
	}
	if aug != "" {
		if aug[0] != 'z' {
			c.skip = fmt.Errorf("CIE at 0x%x: augmentation %q", e.start, aug)
			return c, nil
		}
		c.hasAugLen = true
		n := r.uleb()
		data := r.take(n)
		if r.bad {
			return nil, fmt.Errorf("CIE at 0x%x: augmentation data: %w", e.start, errTruncated)
		}
		ar := reader{b: data, base: e.bodyOff + uint64(r.pos) - n, order: s.order}
		if err := c.augmentation(aug[1:], &ar, s); err != nil {
			c.skip = fmt.Errorf("CIE at 0x%x: augmentation %q: %w", e.start, aug, err)
			return c, nil
		}
	}
	c.initial, c.initBase = e.body[r.pos:], e.bodyOff+uint64(r.pos)
	return c, nil
}

// augmentation reads the data of the letters after "z".
func (c *cie) augmentation(letters string, r *reader, s *frameSection) error {
	for i := 0; i < len(letters); i++ {
		switch letters[i] {
		case 'R':
			c.fdeEnc = r.u8()
			if r.bad {
				return errTruncated
			}
		case 'P':
			enc := r.u8()
			if r.bad {
				return errTruncated
			}
			// The personality routine is not needed, only its size, to find
			// the letters after it.
			if _, err := r.pointer(enc, s.ptrSize, s.addr, false); err == errTruncated || err == errFormat {
				return err
			}
		case 'L':
			r.u8() // the LSDA pointer is in the FDE's augmentation data, skipped by its length
			if r.bad {
				return errTruncated
			}
		case 'S', 'B', 'G':
			// signal frame, AArch64 B key, MTE tagged frame: no data
		default:
			return fmt.Errorf("unknown augmentation %q", letters[i])
		}
	}
	return nil
}

// parseFDE parses the FDE whose entry is e and whose CIE is c. It returns
// errEncoding or errFormat (wrapped) when the FDE's addresses cannot be
// resolved.
func (s *frameSection) parseFDE(e entry, c *cie) (fde, error) {
	f := fde{cie: c}
	r := reader{b: e.body, base: e.bodyOff, order: s.order}
	var begin, size uint64
	if s.eh {
		var err error
		if begin, err = r.pointer(c.fdeEnc, s.ptrSize, s.addr, false); err != nil {
			return f, fmt.Errorf("FDE at 0x%x: pc_begin: %w", e.start, err)
		}
		if size, err = r.pointer(c.fdeEnc&0x0f, s.ptrSize, s.addr, true); err != nil {
			return f, fmt.Errorf("FDE at 0x%x: pc_range: %w", e.start, err)
		}
	} else {
		r.take(uint64(c.segSize))
		begin = r.uint(c.addrSize)
		size = r.uint(c.addrSize)
		if r.bad {
			return f, fmt.Errorf("FDE at 0x%x: address range: %w", e.start, errTruncated)
		}
	}
	if c.hasAugLen {
		r.take(r.uleb())
		if r.bad {
			return f, fmt.Errorf("FDE at 0x%x: augmentation data: %w", e.start, errTruncated)
		}
	}
	f.begin, f.end = begin, begin+size
	f.instr, f.instrBase = e.body[r.pos:], e.bodyOff+uint64(r.pos)
	return f, nil
}
