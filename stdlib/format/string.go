package format

// AppendString appends s formatted by v as C's %s does: the precision, when
// given, is the maximum number of bytes printed, and the result is padded
// with spaces to v.Width (on the right with the '-' flag). s is the string
// content; callers stop at the NUL terminator before calling.
func AppendString(dst []byte, v *Verb, s []byte) []byte {
	if v.Prec >= 0 && len(s) > v.Prec {
		s = s[:v.Prec]
	}
	return appendField(dst, v, "", 0, s, false)
}

// Justify applies v's precision (maximum bytes) and width (space padding)
// to the text already appended at dst[start:], in place. It lets callers
// render a value directly into dst (symbols, stacks, addresses …) and then
// treat it like a %s argument, without a temporary buffer.
func Justify(dst []byte, start int, v *Verb) []byte {
	if v.Prec >= 0 && len(dst)-start > v.Prec {
		dst = dst[:start+v.Prec]
	}
	n := len(dst) - start
	pad := v.Width - n
	if pad <= 0 {
		return dst
	}
	if v.hasFlag('-') {
		return appendRepeat(dst, ' ', pad)
	}
	dst = appendRepeat(dst, ' ', pad)
	copy(dst[start+pad:], dst[start:start+n])
	for i := start; i < start+pad; i++ {
		dst[i] = ' '
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendBuffer appends the bytes b rendered by a buffer conversion and
// justified like a string:
//
//	%r   printable ASCII kept, other bytes as \xNN   (AB\x0a)
//	%rx  every byte as \xNN                          (\x41\x42\x0a)
//	%rh  every byte as two hex digits, space-separated (41 42 0a)
//
// Any other conversion renders like %r.
func AppendBuffer(dst []byte, v *Verb, b []byte) []byte {
	start := len(dst)
	dst = AppendRaw(dst, v.RawMode, b)
	return Justify(dst, start, v)
}

// AppendRaw appends b rendered in raw mode mode (0, 'x' or 'h'; see
// AppendBuffer) without any justification.
func AppendRaw(dst []byte, mode byte, b []byte) []byte {
	for i, c := range b {
		switch {
		case mode == 'h':
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
		case mode == 0 && c >= 0x20 && c < 0x7f:
			dst = append(dst, c)
		default:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return dst
}
