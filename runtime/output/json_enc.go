package output

import (
	"math/bits"
	"unicode/utf8"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// appendJSONNum appends x (signed or unsigned) as a JSON number, or as a
// quoted decimal string when a float64 cannot hold it exactly, as bpftrace
// HEAD does after RFC 8259's advice: 2^60 stays a number, 2^53+1 becomes
// "9007199254740993".
func appendJSONNum(dst []byte, x uint64, signed bool) []byte {
	mag := x
	if signed && int64(x) < 0 {
		mag = -x
	}
	if exactFloat(mag) {
		return appendNum(dst, x, signed)
	}
	dst = append(dst, '"')
	dst = appendNum(dst, x, signed)
	return append(dst, '"')
}

// exactFloat reports whether float64 represents u exactly: its significant
// bits fit in the 53-bit mantissa.
func exactFloat(u uint64) bool {
	return u == 0 || bits.Len64(u)-bits.TrailingZeros64(u) <= 53
}

// appendJSONKey appends the quoted key of a map row as HEAD writes it: the
// text form of the key with the enclosing parentheses of a tuple and every
// space removed ("(1, a b)" becomes "1,ab").
func appendJSONKey(dst []byte, t types.Type, key []byte, r Resolver) []byte {
	dst = append(dst, '"')
	start := len(dst)
	dst = appendText(dst, t, key, r, stackIndent)
	if n := len(dst) - start; n >= 2 && dst[start] == '(' && dst[len(dst)-1] == ')' {
		copy(dst[start:], dst[start+1:len(dst)-1])
		dst = dst[:len(dst)-2]
	}
	w := start
	for _, c := range dst[start:] {
		if c != ' ' {
			dst[w] = c
			w++
		}
	}
	dst = escapeJSON(dst[:w], start)
	return append(dst, '"')
}

// appendJSONString appends s as a quoted, escaped JSON string.
func appendJSONString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := len(dst)
	dst = append(dst, s...)
	dst = escapeJSON(dst, start)
	return append(dst, '"')
}

// escapeJSON escapes dst[start:] for use inside a JSON string as bpftrace
// HEAD does: \" \\ \n \r \t, other bytes below 0x20 as \u00xx, the rest
// kept. Valid UTF-8 is kept as it is; a byte that does not belong to a
// valid UTF-8 sequence becomes \ufffd (HEAD copies it, which makes the
// output invalid JSON). It does not allocate when dst has room for the
// escaped text after its end.
func escapeJSON(dst []byte, start int) []byte {
	if !needsEscape(dst[start:]) {
		return dst
	}
	// Write the escaped text after the end, then move it into place.
	end := len(dst)
	for i := start; i < end; {
		c := dst[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(dst[i:end])
			if r == utf8.RuneError && size <= 1 {
				dst = append(dst, `\ufffd`...)
				i++
				continue
			}
			dst = append(dst, dst[i:i+size]...)
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hexDigit(c>>4), hexDigit(c&15))
			} else {
				dst = append(dst, c)
			}
		}
		i++
	}
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

// needsEscape reports whether s has a byte escapeJSON changes.
func needsEscape(s []byte) bool {
	ascii := true
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return true
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return !ascii && !utf8.Valid(s)
}

func hexDigit(c byte) byte { return "0123456789abcdef"[c] }
