package format

import "strconv"

// Bits returns the width in bits the integer conversion v reads from its
// 64-bit argument: 8 for "hh", 16 for "h", 64 for "l", "ll", "j", "z" and
// "t", 32 otherwise (C varargs semantics: a plain %d sees an int). %p
// always reads 64 bits.
func (v *Verb) Bits() int {
	if v.Conv == 'p' {
		return 64
	}
	switch v.Length {
	case "hh":
		return 8
	case "h":
		return 16
	case "l", "ll", "j", "z", "t":
		return 64
	}
	return 32
}

// AppendInt appends x formatted by the integer conversion v (d i u x X o c
// p) and returns the extended slice.
//
// x is the argument as a 64-bit value, sign-extended when the source type
// is signed (signedSrc). As in C, the text of an integer conversion
// depends only on the conversion and length modifier: the value is first
// narrowed to v.Bits() bits, then read as signed for d and i and as
// unsigned otherwise, so %d of 1<<40 prints 0, %u of -5 prints 4294967291
// and %lu of -5 prints 18446744073709551611. signedSrc matters only when v
// is not an integer conversion (%s, %r): the value is then printed as a
// signed or unsigned decimal string.
func AppendInt(dst []byte, v *Verb, x uint64, signedSrc bool) []byte {
	switch v.Conv {
	case 'c':
		return appendChar(dst, v, byte(x))
	case 'p':
		return appendPointer(dst, v, x)
	case 'g':
		var buf [64]byte
		return AppendString(dst, v, AppendGFP(buf[:0], x))
	case 's', 'r':
		var buf [24]byte
		if signedSrc {
			return AppendString(dst, v, strconv.AppendInt(buf[:0], int64(x), 10))
		}
		return AppendString(dst, v, strconv.AppendUint(buf[:0], x, 10))
	}
	bits := v.Bits()
	mag := x
	if bits < 64 {
		mag &= 1<<bits - 1
	}
	neg := false
	base := 10
	switch v.Conv {
	case 'd', 'i':
		s := int64(x) // sign-extend the low bits
		if bits < 64 {
			s = int64(x<<(64-bits)) >> (64 - bits)
		}
		if s < 0 {
			neg = true
			mag = -uint64(s)
		} else {
			mag = uint64(s)
		}
	case 'o':
		base = 8
	case 'x', 'X':
		base = 16
	}

	var digitBuf [24]byte
	digits := strconv.AppendUint(digitBuf[:0], mag, base)
	if v.Conv == 'X' {
		for i, c := range digits {
			if c >= 'a' && c <= 'f' {
				digits[i] = c - 'a' + 'A'
			}
		}
	}
	// Precision: minimum number of digits; ".0" of zero prints nothing.
	zeros := 0
	if v.Prec >= 0 {
		if v.Prec == 0 && mag == 0 {
			digits = digits[:0]
		}
		if v.Prec > len(digits) {
			zeros = v.Prec - len(digits)
		}
	}

	var prefix string
	switch {
	case neg:
		prefix = "-"
	case (v.Conv == 'd' || v.Conv == 'i') && v.hasFlag('+'):
		prefix = "+"
	case (v.Conv == 'd' || v.Conv == 'i') && v.hasFlag(' '):
		prefix = " "
	case v.hasFlag('#') && v.Conv == 'o':
		if zeros == 0 && (len(digits) == 0 || digits[0] != '0') {
			zeros = 1
		}
	case v.hasFlag('#') && v.Conv == 'x' && mag != 0:
		prefix = "0x"
	case v.hasFlag('#') && v.Conv == 'X' && mag != 0:
		prefix = "0X"
	}
	return appendField(dst, v, prefix, zeros, digits, v.Prec < 0)
}

// appendChar formats %c: the low byte of the argument.
func appendChar(dst []byte, v *Verb, c byte) []byte {
	one := [1]byte{c}
	return appendField(dst, v, "", 0, one[:], false)
}

// appendPointer formats %p like glibc: "0x" followed by lowercase hex, or
// "(nil)" for zero.
func appendPointer(dst []byte, v *Verb, x uint64) []byte {
	if x == 0 {
		return appendField(dst, v, "(nil)", 0, nil, false)
	}
	var digitBuf [20]byte
	digits := strconv.AppendUint(digitBuf[:0], x, 16)
	zeros := 0
	if v.Prec > len(digits) {
		zeros = v.Prec - len(digits)
	}
	return appendField(dst, v, "0x", zeros, digits, v.Prec < 0)
}

// appendField appends prefix, zeros '0' bytes and body, justified to
// v.Width. Padding goes on the right for the '-' flag; with the '0' flag
// (when zeroOK) it becomes extra zeros between prefix and body; otherwise
// it is spaces on the left.
func appendField(dst []byte, v *Verb, prefix string, zeros int, body []byte, zeroOK bool) []byte {
	left, right := 0, 0
	if pad := v.Width - (len(prefix) + zeros + len(body)); pad > 0 {
		switch {
		case v.hasFlag('-'):
			right = pad
		case zeroOK && v.hasFlag('0'):
			zeros += pad
		default:
			left = pad
		}
	}
	dst = appendRepeat(dst, ' ', left)
	dst = append(dst, prefix...)
	dst = appendRepeat(dst, '0', zeros)
	dst = append(dst, body...)
	return appendRepeat(dst, ' ', right)
}

// appendRepeat appends n copies of c.
func appendRepeat(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}
