package parser

import (
	"math/bits"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// durations maps the duration suffixes to their value in nanoseconds.
var durations = map[string]uint64{
	"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9, "d": 86400e9,
}

// intSuffixes are the C suffixes accepted and ignored after an integer.
var intSuffixes = map[string]bool{
	"": true, "u": true, "l": true, "ul": true, "lu": true, "ll": true, "ull": true, "llu": true,
}

// intLit converts a Number token. Invalid literals are reported (parsing
// goes on) and yield the value 0.
func (p *parser) intLit(t token) *ast.IntLit {
	v, msg := parseInt(t.text)
	if msg != "" {
		p.errorf(t.span(), "%s: %s", msg, t.text)
	}
	return &ast.IntLit{Pos: ast.Pos{S: t.span()}, Value: v, Raw: t.text}
}

// digitRun returns the length of the prefix of s made of digits accepted by
// ok and '_' separators, and whether its underscores are well placed (never
// first or last).
func digitRun(s string, ok func(byte) bool) (n int, valid bool) {
	for n < len(s) && (ok(s[n]) || s[n] == '_') {
		n++
	}
	return n, n > 0 && s[0] != '_' && s[n-1] != '_'
}

func isDec(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool { return isDec(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// accumulate computes digits (underscores skipped) in base, reporting
// overflow.
func accumulate(digits string, base uint64) (uint64, bool) {
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d uint64
		switch {
		case c == '_':
			continue
		case isDec(c):
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		default:
			d = uint64(c-'A') + 10
		}
		if d >= base {
			return 0, false
		}
		hi, lo := bits.Mul64(v, base)
		if hi != 0 {
			return 0, false
		}
		var carry uint64
		v, carry = bits.Add64(lo, d, 0)
		if carry != 0 {
			return 0, false
		}
	}
	return v, true
}

func mulCheck(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

// parseInt decodes an integer literal: decimal, 0x hex, leading-0 octal,
// '_' separators, NeM exponents, ignored C suffixes (u, l, ul, ll, ull) and
// duration suffixes (ns us ms s m h d, scaled to nanoseconds). It returns an
// error message instead of a value when the text is not a valid literal.
func parseInt(s string) (uint64, string) {
	const invalid, tooBig = "invalid integer literal", "integer literal out of range"
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		n, ok := digitRun(s[2:], isHex)
		if !ok || !intSuffixes[strings.ToLower(s[2+n:])] {
			return 0, invalid
		}
		v, ok := accumulate(s[2:2+n], 16)
		if !ok {
			return 0, tooBig
		}
		return v, ""
	}
	n, ok := digitRun(s, isDec)
	if !ok {
		return 0, invalid
	}
	mant, rest := s[:n], s[n:]
	base := uint64(10)
	if len(mant) > 1 && mant[0] == '0' {
		base = 8
	}
	v, ok := accumulate(mant, base)
	if !ok {
		if base == 8 && strings.ContainsAny(mant, "89") {
			return 0, invalid
		}
		return 0, tooBig
	}
	if len(rest) > 1 && (rest[0] == 'e' || rest[0] == 'E') && isDec(rest[1]) {
		m, ok := digitRun(rest[1:], isDec)
		if !ok {
			return 0, invalid
		}
		exp, ok := accumulate(rest[1:1+m], 10)
		if !ok {
			return 0, tooBig
		}
		for ; exp > 0 && v != 0; exp-- {
			if v, ok = mulCheck(v, 10); !ok {
				return 0, tooBig
			}
		}
		rest = rest[1+m:]
	}
	if intSuffixes[strings.ToLower(rest)] {
		return v, ""
	}
	if mult, ok := durations[rest]; ok {
		if v, ok = mulCheck(v, mult); !ok {
			return 0, tooBig
		}
		return v, ""
	}
	return 0, invalid
}

// decodeString returns the value of a String token with its escapes
// decoded. Invalid escapes are reported and dropped. A raw NUL byte is an
// error too (an invisible character, most likely a binary file): a NUL
// character is written \0.
func (p *parser) decodeString(t token) string {
	s := t.text[1 : len(t.text)-1]
	if i := strings.IndexByte(s, 0); i >= 0 {
		at := t.pos + 1 + i
		p.errorf(diag.Span{Start: at, End: at + 1}, `invalid character '\x00' in a string literal (write \0 for a NUL character)`)
	}
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		start := i
		i++
		switch e := s[i]; {
		case e == 'n':
			b.WriteByte('\n')
		case e == 't':
			b.WriteByte('\t')
		case e == 'r':
			b.WriteByte('\r')
		case e == '"', e == '\\':
			b.WriteByte(e)
		case e >= '0' && e <= '7':
			v, j := 0, i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				v = v*8 + int(s[j]-'0')
				j++
			}
			i = j - 1
			if v > 255 {
				p.badEscape(t, start, j)
				continue
			}
			b.WriteByte(byte(v))
		case e == 'x':
			v, j := 0, i+1
			for j < len(s) && j < i+3 && isHex(s[j]) {
				d, _ := accumulate(s[j:j+1], 16)
				v = v*16 + int(d)
				j++
			}
			if j == i+1 {
				p.badEscape(t, start, j)
				continue
			}
			i = j - 1
			b.WriteByte(byte(v))
		default:
			p.badEscape(t, start, i+1)
		}
	}
	return b.String()
}

// badEscape reports the escape s[from:to] of string token t (offsets are
// relative to the text between the quotes).
func (p *parser) badEscape(t token, from, to int) {
	body := t.text[1 : len(t.text)-1]
	to = min(to, len(body))
	span := diag.Span{Start: t.pos + 1 + from, End: t.pos + 1 + to}
	p.errorf(span, "invalid escape character '%s'", body[from:to])
}
