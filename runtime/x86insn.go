package runtime

import (
	"errors"
	"fmt"
)

// x86-64 instruction lengths, for checking that a uprobe inside a
// function starts an instruction (uprobe:BINARY:FUNC+OFFSET), as bpftrace
// checks with its disassembler. Only lengths are decoded: prefixes, REX,
// VEX/EVEX/XOP, the opcode maps, ModRM, SIB, displacement and immediate
// sizes of 64-bit mode. An opcode that is invalid in 64-bit mode is an
// error: the check then fails rather than guess.

// Operand flags of an opcode.
const (
	opModRM = 1 << iota // a ModRM byte (and SIB, displacement) follows
	opImm8              // an 8-bit immediate
	opImm16             // a 16-bit immediate
	opImmZ              // a 16- or 32-bit immediate (operand size)
	opImmV              // a 16-, 32- or 64-bit immediate (mov r, imm)
	opMoffs             // an 8-byte (4 with 0x67) absolute address
	opGrp3              // F6/F7: an immediate only for TEST (/0, /1)
	opBad               // invalid in 64-bit mode
)

// x86OneByte and x86TwoByte give the operands of the one-byte opcodes and
// the 0F-prefixed ones. Prefix bytes and escapes are handled before the
// tables are consulted.
var x86OneByte, x86TwoByte [256]uint8

func init() {
	set := func(t *[256]uint8, flags uint8, ops ...int) {
		for _, op := range ops {
			t[op] = flags
		}
	}
	span := func(lo, hi int) []int {
		var out []int
		for i := lo; i <= hi; i++ {
			out = append(out, i)
		}
		return out
	}
	one := &x86OneByte
	// ALU ops: r/m forms, then AL/eAX, imm.
	for base := 0x00; base <= 0x38; base += 8 {
		set(one, opModRM, span(base, base+3)...)
		set(one, opImm8, base+4)
		set(one, opImmZ, base+5)
	}
	set(one, opBad, 0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f,
		0x60, 0x61, 0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea)
	set(one, opModRM, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
		0xd0, 0xd1, 0xd2, 0xd3, 0xfe, 0xff)
	set(one, opModRM, span(0xd8, 0xdf)...) // x87
	set(one, opImmZ, 0x68, 0xa9)
	set(one, opModRM|opImmZ, 0x69, 0x81, 0xc7)
	set(one, opImm8, 0x6a, 0xa8, 0xcd, 0xe4, 0xe5, 0xe6, 0xe7, 0xeb)
	set(one, opImm8, span(0x70, 0x7f)...) // jcc rel8
	set(one, opImm8, span(0xe0, 0xe3)...) // loop, jrcxz
	set(one, opImm8, span(0xb0, 0xb7)...)
	set(one, opImmV, span(0xb8, 0xbf)...)
	set(one, opModRM|opImm8, 0x6b, 0x80, 0x83, 0xc0, 0xc1, 0xc6)
	set(one, opMoffs, 0xa0, 0xa1, 0xa2, 0xa3)
	set(one, opImm16, 0xc2, 0xca)
	one[0xc8] = opImm16 | opImm8 // enter
	set(one, opImmZ, 0xe8, 0xe9) // call, jmp rel32 (66 is ignored in 64-bit mode)
	set(one, opModRM|opGrp3, 0xf6, 0xf7)

	two := &x86TwoByte
	set(two, opModRM, 0x00, 0x01, 0x02, 0x03, 0x0d, 0xa3, 0xa5, 0xab, 0xad, 0xae, 0xaf, 0xc0, 0xc1, 0xc3, 0xc7)
	set(two, opModRM, span(0x10, 0x1f)...)
	set(two, opModRM, span(0x20, 0x23)...)
	set(two, opModRM, span(0x28, 0x2f)...)
	set(two, opModRM, span(0x40, 0x6f)...)
	set(two, opModRM, span(0x74, 0x7f)...)
	set(two, opModRM, span(0x90, 0x9f)...)
	set(two, opModRM, span(0xb0, 0xbf)...)
	set(two, opModRM, span(0xd0, 0xff)...)
	set(two, opModRM|opImm8, 0x0f, 0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6)
	set(two, opImmZ, span(0x80, 0x8f)...) // jcc rel32
	set(two, opBad, 0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f)
	// 05-09, 0b, 0e, 30-35, 37, 77, a0-a2, a8-aa, c8-cf: no operands.
}

// x86MaxInsn is the longest x86 instruction, in bytes.
const x86MaxInsn = 15

// errX86Decode is the error of bytes that are not a valid instruction.
var errX86Decode = errors.New("invalid instruction")

// x86InsnLen returns the length of the x86-64 instruction at the start of
// code.
func x86InsnLen(code []byte) (int, error) {
	d := x86Decoder{code: code}
	n, err := d.insn()
	if err == nil && n > x86MaxInsn {
		err = errX86Decode
	}
	return n, err
}

type x86Decoder struct {
	code []byte
	pos  int
}

func (d *x86Decoder) next() (byte, error) {
	if d.pos >= len(d.code) {
		return 0, fmt.Errorf("%w: truncated", errX86Decode)
	}
	b := d.code[d.pos]
	d.pos++
	return b, nil
}

func (d *x86Decoder) skip(n int) error {
	if d.pos+n > len(d.code) {
		return fmt.Errorf("%w: truncated", errX86Decode)
	}
	d.pos += n
	return nil
}

func (d *x86Decoder) insn() (int, error) {
	var opsize, addrsize, rexW bool
	b, err := d.next()
prefixes:
	for ; err == nil; b, err = d.next() {
		switch b {
		case 0x66:
			opsize = true
		case 0x67:
			addrsize = true
		case 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65:
		default:
			break prefixes
		}
	}
	if err != nil {
		return 0, err
	}
	if b&0xf0 == 0x40 { // REX
		rexW = b&8 != 0
		if b, err = d.next(); err != nil {
			return 0, err
		}
	}
	switch b {
	case 0xc4, 0xc5, 0x62:
		return d.vex(b)
	case 0x8f:
		if d.pos < len(d.code) && d.code[d.pos]&0x38 != 0 {
			return d.xop()
		}
	case 0x0f:
		return d.twoByte()
	}
	flags := x86OneByte[b]
	if flags&opBad != 0 {
		return 0, fmt.Errorf("%w: opcode %#02x", errX86Decode, b)
	}
	var reg byte
	if flags&opModRM != 0 {
		if reg, err = d.modrm(); err != nil {
			return 0, err
		}
	}
	imm := 0
	switch {
	case flags&opGrp3 != 0:
		if reg <= 1 {
			imm = 1
			if b == 0xf7 {
				imm = immZ(opsize)
			}
		}
	case flags&opImmV != 0:
		imm = immZ(opsize)
		if rexW {
			imm = 8
		}
	case flags&opMoffs != 0:
		imm = 8
		if addrsize {
			imm = 4
		}
	default:
		imm = immSize(flags, opsize)
	}
	if err := d.skip(imm); err != nil {
		return 0, err
	}
	return d.pos, nil
}

// immZ is the size of a z-sized immediate.
func immZ(opsize bool) int {
	if opsize {
		return 2
	}
	return 4
}

// immSize is the immediate size of the plain immediate flags.
func immSize(flags uint8, opsize bool) int {
	n := 0
	if flags&opImm8 != 0 {
		n++
	}
	if flags&opImm16 != 0 {
		n += 2
	}
	if flags&opImmZ != 0 {
		n += immZ(opsize)
	}
	return n
}

// twoByte decodes after 0x0F.
func (d *x86Decoder) twoByte() (int, error) {
	b, err := d.next()
	if err != nil {
		return 0, err
	}
	switch b {
	case 0x38, 0x3a: // three-byte maps: ModRM, and imm8 for 0F 3A
		if _, err := d.next(); err != nil {
			return 0, err
		}
		if _, err := d.modrm(); err != nil {
			return 0, err
		}
		if b == 0x3a {
			if err := d.skip(1); err != nil {
				return 0, err
			}
		}
		return d.pos, nil
	}
	flags := x86TwoByte[b]
	if flags&opBad != 0 {
		return 0, fmt.Errorf("%w: opcode 0f %#02x", errX86Decode, b)
	}
	if flags&opModRM != 0 {
		if _, err := d.modrm(); err != nil {
			return 0, err
		}
	}
	if err := d.skip(immSize(flags, false)); err != nil {
		return 0, err
	}
	return d.pos, nil
}

// vex decodes a VEX (C4, C5) or EVEX (62) instruction: the prefix's
// payload, the opcode of its map, ModRM and an imm8 where the map's
// opcode has one.
func (d *x86Decoder) vex(esc byte) (int, error) {
	payload := map[byte]int{0xc5: 1, 0xc4: 2, 0x62: 3}[esc]
	start := d.pos
	if err := d.skip(payload); err != nil {
		return 0, err
	}
	opmap := byte(1)
	switch esc {
	case 0xc4:
		opmap = d.code[start] & 0x1f
	case 0x62:
		opmap = d.code[start] & 0x07
	}
	op, err := d.next()
	if err != nil {
		return 0, err
	}
	if esc != 0x62 && opmap == 1 && op == 0x77 { // vzeroupper, vzeroall
		return d.pos, nil
	}
	if _, err := d.modrm(); err != nil {
		return 0, err
	}
	imm := 0
	switch opmap {
	case 1:
		imm = immSize(x86TwoByte[op]&opImm8, false)
	case 3:
		imm = 1
	}
	if err := d.skip(imm); err != nil {
		return 0, err
	}
	return d.pos, nil
}

// xop decodes an AMD XOP instruction (8F with a map of 8 or more).
func (d *x86Decoder) xop() (int, error) {
	start := d.pos
	if err := d.skip(2); err != nil {
		return 0, err
	}
	opmap := d.code[start] & 0x1f
	if _, err := d.next(); err != nil {
		return 0, err
	}
	if _, err := d.modrm(); err != nil {
		return 0, err
	}
	imm := map[byte]int{8: 1, 0xa: 4}[opmap]
	if err := d.skip(imm); err != nil {
		return 0, err
	}
	return d.pos, nil
}

// modrm decodes a ModRM byte with its SIB byte and displacement (64-bit
// mode, where 32-bit addressing has the same layout), and returns its reg
// field.
func (d *x86Decoder) modrm() (byte, error) {
	m, err := d.next()
	if err != nil {
		return 0, err
	}
	mod, reg, rm := m>>6, m>>3&7, m&7
	if mod == 3 {
		return reg, nil
	}
	disp := map[byte]int{0: 0, 1: 1, 2: 4}[mod]
	if rm == 4 {
		sib, err := d.next()
		if err != nil {
			return 0, err
		}
		if mod == 0 && sib&7 == 5 {
			disp = 4
		}
	} else if mod == 0 && rm == 5 {
		disp = 4 // RIP-relative
	}
	return reg, d.skip(disp)
}

// x86Boundary reports whether offset off into code (a function's bytes
// from its start) starts an instruction.
func x86Boundary(code []byte, off uint64) (bool, error) {
	pos := uint64(0)
	for pos < off {
		if pos >= uint64(len(code)) {
			return false, fmt.Errorf("%w: truncated", errX86Decode)
		}
		n, err := x86InsnLen(code[pos:])
		if err != nil {
			return false, fmt.Errorf("at offset %d: %w", pos, err)
		}
		pos += uint64(n)
	}
	return pos == off, nil
}
