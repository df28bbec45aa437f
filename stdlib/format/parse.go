// Package format parses bpftrace printf-style format strings and formats
// single conversions the way C's snprintf does.
//
// Design: a format string is parsed once, at compile time, into a list of
// Pieces — literal text (with "%%" already turned into "%") and Verbs. The
// runtime then walks the pieces for every event and appends each converted
// argument to a caller-owned byte slice with AppendInt, AppendString or
// AppendBuffer. These functions are hand-written on top of strconv so the
// hot path never goes through fmt and never allocates (beyond growing dst).
//
// Semantics follow bpftrace, which hands every argument to snprintf as a
// 64-bit value: integer conversions without an l/ll/j/z/t length modifier
// see only the low 32 bits (C varargs semantics), "hh" and "h" narrow further
// to 8 and 16 bits, and flags, width and precision behave as in C.
//
// Accepted syntax (the modern bpftrace set):
//
//	%[flags][width][.precision][length]conversion
//	flags:      - + space # 0
//	width:      decimal digits
//	precision:  '.' followed by optional decimal digits (empty means 0)
//	length:     hh h l ll j z t
//	conversion: d i u x X o c s p r rx rh gr
//
// The bpftrace-specific buffer conversions %r, %rx and %rh take no length
// modifier; their modifier letter follows the 'r'. %gr prints an integer
// as the kernel's GFP flags (gfp.go).
package format

import (
	"strconv"
	"strings"
)

// Verb is one conversion specification of a format string.
type Verb struct {
	// Flags holds the flag characters as written ("-", "0", "-+", …).
	Flags string
	// Width is the minimum field width, -1 when absent.
	Width int
	// Prec is the precision, -1 when absent ("%.s" gives 0).
	Prec int
	// Length is the length modifier: "", "hh", "h", "l", "ll", "j", "z"
	// or "t".
	Length string
	// Conv is the conversion character: one of d i u x X o c s p r.
	Conv byte
	// RawMode refines Conv == 'r': 0 for %r, 'x' for %rx, 'h' for %rh;
	// it is 'r' for %gr (Conv 'g').
	RawMode byte
	// Start and End are the byte offsets of the verb in the format
	// string: fmt[Start:End] is the verb's text, e.g. "%-10s".
	Start, End int
}

// Piece is either literal text or one verb. Exactly one of Lit and Verb
// is meaningful: Verb is nil for literal pieces.
type Piece struct {
	// Lit is literal text, with "%%" already replaced by "%".
	Lit string
	// Verb is the conversion, nil for a literal piece.
	Verb *Verb
}

// ParseError reports an invalid conversion in a format string. Its message
// carries no function-name prefix; callers prepend one, e.g. "printf: ".
type ParseError struct {
	// Offset is the byte offset of the offending '%'.
	Offset int
	// Token is the text of the invalid conversion, e.g. "%k" or "%5".
	Token string
}

// Error returns "Unknown format string token: TOKEN".
func (e *ParseError) Error() string {
	tok := strconv.Quote(e.Token)
	return "Unknown format string token: " + tok[1:len(tok)-1]
}

// Parse splits a format string into pieces. Adjacent literal text
// (including "%%") is merged into one piece; the result is empty for an
// empty format. Unknown or incomplete conversions return a *ParseError.
func Parse(fmt string) ([]Piece, error) {
	var pieces []Piece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			pieces = append(pieces, Piece{Lit: lit.String()})
			lit.Reset()
		}
	}
	i := 0
	for i < len(fmt) {
		c := fmt[i]
		if c != '%' {
			j := strings.IndexByte(fmt[i:], '%')
			if j < 0 {
				j = len(fmt) - i
			}
			lit.WriteString(fmt[i : i+j])
			i += j
			continue
		}
		if i+1 < len(fmt) && fmt[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		v, err := parseVerb(fmt, i)
		if err != nil {
			return nil, err
		}
		flush()
		pieces = append(pieces, Piece{Verb: v})
		i = v.End
	}
	flush()
	return pieces, nil
}

// parseVerb parses the conversion starting at fmt[start] == '%'.
func parseVerb(fmt string, start int) (*Verb, error) {
	v := &Verb{Width: -1, Prec: -1, Start: start}
	i := start + 1
	for i < len(fmt) && strings.IndexByte("-+ #0", fmt[i]) >= 0 {
		i++
	}
	v.Flags = fmt[start+1 : i]
	var ok bool
	if v.Width, i, ok = digits(fmt, i); !ok {
		return nil, badToken(fmt, start, i)
	}
	if i < len(fmt) && fmt[i] == '.' {
		i++
		if v.Prec, i, ok = digits(fmt, i); !ok {
			return nil, badToken(fmt, start, i)
		}
		if v.Prec < 0 {
			v.Prec = 0
		}
	}
	v.Length, i = lengthModifier(fmt, i)
	if i >= len(fmt) {
		return nil, badToken(fmt, start, i)
	}
	v.Conv = fmt[i]
	i++
	switch v.Conv {
	case 'd', 'i', 'u', 'x', 'X', 'o', 'c', 's', 'p':
	case 'r':
		if v.Length != "" {
			return nil, badToken(fmt, start, i)
		}
		if i < len(fmt) && (fmt[i] == 'x' || fmt[i] == 'h') {
			v.RawMode = fmt[i]
			i++
		}
	case 'g':
		// Only %gr (GFP flags); floating point is not supported.
		if i >= len(fmt) || fmt[i] != 'r' {
			return nil, badToken(fmt, start, i)
		}
		v.RawMode = 'r'
		i++
	default:
		return nil, badToken(fmt, start, i)
	}
	v.End = i
	return v, nil
}

// digits reads an optional decimal number at fmt[i:]; n is -1 when there
// are no digits. ok is false when the number does not fit in an int.
func digits(fmt string, i int) (n, next int, ok bool) {
	j := i
	for j < len(fmt) && fmt[j] >= '0' && fmt[j] <= '9' {
		j++
	}
	if j == i {
		return -1, i, true
	}
	n, err := strconv.Atoi(fmt[i:j])
	if err != nil || n > 1<<20 {
		return 0, j, false
	}
	return n, j, true
}

// lengthModifier reads an optional length modifier at fmt[i:].
func lengthModifier(fmt string, i int) (string, int) {
	rest := fmt[i:]
	for _, m := range [...]string{"hh", "ll", "h", "l", "j", "z", "t"} {
		if strings.HasPrefix(rest, m) {
			return m, i + len(m)
		}
	}
	return "", i
}

func badToken(fmt string, start, end int) error {
	if end > len(fmt) {
		end = len(fmt)
	}
	return &ParseError{Offset: start, Token: fmt[start:end]}
}

// Count returns the number of verbs (arguments expected) in pieces.
func Count(pieces []Piece) int {
	n := 0
	for _, p := range pieces {
		if p.Verb != nil {
			n++
		}
	}
	return n
}

// String returns the verb as written, e.g. "%-10s".
func (v *Verb) String() string {
	b := make([]byte, 0, 16)
	b = append(b, '%')
	b = append(b, v.Flags...)
	if v.Width >= 0 {
		b = strconv.AppendInt(b, int64(v.Width), 10)
	}
	if v.Prec >= 0 {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(v.Prec), 10)
	}
	b = append(b, v.Length...)
	b = append(b, v.Conv)
	if v.RawMode != 0 {
		b = append(b, v.RawMode)
	}
	return string(b)
}

// Spec returns the conversion name bpftrace uses in diagnostics: the
// length modifier and conversion, e.g. "d", "lu", "s", "rx".
func (v *Verb) Spec() string {
	s := v.Length + string(v.Conv)
	if v.RawMode != 0 {
		s += string(v.RawMode)
	}
	return s
}

// hasFlag reports whether flag character f was given.
func (v *Verb) hasFlag(f byte) bool {
	return strings.IndexByte(v.Flags, f) >= 0
}
