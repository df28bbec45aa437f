package output

import (
	"strconv"
	"time"
)

// strftime() formats time stamps with the C library's strftime(3) in
// bpftrace, after replacing three extensions of its own: %f (microseconds,
// 6 digits), %k (nanoseconds, 9 digits) and %l (milliseconds, 3 digits),
// which shadow glibc's space-padded hours %k and %l.
//
// AppendStrftime reproduces glibc's strftime in the C/POSIX locale byte for
// byte, including its GNU extensions: the flags _ - 0 ^ #, a decimal field
// width, the E and O modifiers (no-ops in the C locale where glibc accepts
// them) and the verbatim copy of a conversion glibc does not know (the
// whole "%…" sequence, padded to the width like any other field). The
// quirks are glibc 2.36's: a width is the minimum number of digits of a
// number (%5d is 00002), and %z pads its sign and its digits separately.

// convSpec is one parsed conversion: flags, width and modifier.
type convSpec struct {
	pad     byte // '_', '-', '0' or 0 (the conversion's default)
	upper   bool // ^ flag (or # on names)
	lower   bool // # on %p, %Z; %P
	swap    bool // # flag
	width   int  // -1 when not given
	mod     byte // 'E', 'O' or 0
	percent int  // index of the '%' in the format, for verbatim copies
}

// C-locale names.
var (
	weekdayAbbr = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthAbbr   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// C-locale composite formats (D_T_FMT, D_FMT, T_FMT, T_FMT_AMPM) and
// glibc's fixed ones.
const (
	fmtC = "%a %b %e %H:%M:%S %Y"
	fmtD = "%m/%d/%y"
	fmtT = "%H:%M:%S"
	fmtR = "%H:%M"
	fmtF = "%Y-%m-%d"
	fmtr = "%I:%M:%S %p"
)

// AppendStrftime appends t formatted with the strftime format f as bpftrace
// does: glibc's strftime in the C locale plus %f, %k and %l (see above).
// It does not allocate when dst has room.
func AppendStrftime(dst []byte, f string, t time.Time) []byte {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			dst = append(dst, f[i])
			continue
		}
		// bpftrace's extensions, recognised only right after the '%'.
		if i+1 < len(f) {
			switch f[i+1] {
			case 'f':
				dst, i = appendFixed(dst, t.Nanosecond()/1000, 6), i+1
				continue
			case 'k':
				dst, i = appendFixed(dst, t.Nanosecond(), 9), i+1
				continue
			case 'l':
				dst, i = appendFixed(dst, t.Nanosecond()/1000000, 3), i+1
				continue
			}
		}
		s := convSpec{width: -1, percent: i}
		i = s.parse(f, i+1)
		var c byte
		if i < len(f) {
			c = f[i]
		} else {
			i-- // '%' and flags at the end: copied verbatim
		}
		dst = s.convert(dst, f, i, c, t)
	}
	return dst
}

// parse reads flags, width and modifier starting at f[i] and returns the
// index of the conversion character (len(f) at the end of the format).
func (s *convSpec) parse(f string, i int) int {
	for ; i < len(f); i++ {
		switch c := f[i]; c {
		case '_', '-', '0':
			s.pad = c
			continue
		case '^':
			s.upper = true
			continue
		case '#':
			s.swap = true
			continue
		}
		break
	}
	if i < len(f) && isDigit(f[i]) {
		s.width = 0
		for ; i < len(f) && isDigit(f[i]); i++ {
			s.width = min(s.width*10+int(f[i]-'0'), 1<<20)
		}
	}
	if i < len(f) && (f[i] == 'E' || f[i] == 'O') {
		s.mod = f[i]
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// convert appends the conversion c ending at f[end].
func (s *convSpec) convert(dst []byte, f string, end int, c byte, t time.Time) []byte {
	// badMods lists the modifiers glibc rejects for c.
	badMods := ""
	switch c {
	case 'a', 'A', 'D', 'F':
		badMods = "EO"
	case 'b', 'h', 'B', 'd', 'e', 'H', 'I', 'j', 'k', 'l', 'm', 'M', 'S', 'U', 'V', 'g', 'G', 'W', 'w':
		badMods = "E"
	case 'c', 'x', 'X', 'Y':
		badMods = "O"
	}
	if c == 'b' || c == 'h' {
		s.swapToUpper() // before the modifier check, as in glibc
	}
	if s.mod != 0 && containsByte(badMods, s.mod) {
		return s.text(dst, f[s.percent:end+1])
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case '%':
		return s.text(dst, "%")
	case 'n':
		return s.text(dst, "\n")
	case 't':
		return s.text(dst, "\t")
	case 'a':
		s.swapToUpper()
		return s.text(dst, weekdayAbbr[t.Weekday()])
	case 'A':
		s.swapToUpper()
		return s.text(dst, t.Weekday().String())
	case 'b', 'h':
		return s.text(dst, monthAbbr[t.Month()-1])
	case 'B':
		s.swapToUpper()
		return s.text(dst, t.Month().String())
	case 'P':
		s.lower = true
		fallthrough
	case 'p':
		if s.swap {
			s.upper, s.lower = false, true
		}
		if t.Hour() < 12 {
			return s.text(dst, "AM")
		}
		return s.text(dst, "PM")
	case 'Z':
		if s.swap {
			s.upper, s.lower = false, true
		}
		name, _ := t.Zone()
		return s.text(dst, name)
	case 'c':
		return s.sub(dst, fmtC, t)
	case 'D', 'x':
		return s.sub(dst, fmtD, t)
	case 'T', 'X':
		return s.sub(dst, fmtT, t)
	case 'R':
		return s.sub(dst, fmtR, t)
	case 'F':
		return s.sub(dst, fmtF, t)
	case 'r':
		return s.sub(dst, fmtr, t)
	case 'C':
		return s.number(dst, 2, int64(floorDiv(t.Year(), 100)), false)
	case 'd':
		return s.number(dst, 2, int64(t.Day()), false)
	case 'e':
		return s.number(dst, 2, int64(t.Day()), true)
	case 'H':
		return s.number(dst, 2, int64(t.Hour()), false)
	case 'k':
		return s.number(dst, 2, int64(t.Hour()), true)
	case 'I':
		return s.number(dst, 2, int64(hour12), false)
	case 'l':
		return s.number(dst, 2, int64(hour12), true)
	case 'j':
		return s.number(dst, 3, int64(t.YearDay()), false)
	case 'm':
		return s.number(dst, 2, int64(t.Month()), false)
	case 'M':
		return s.number(dst, 2, int64(t.Minute()), false)
	case 'S':
		return s.number(dst, 2, int64(t.Second()), false)
	case 's':
		return s.signAndPad(dst, 1, t.Unix())
	case 'u':
		return s.number(dst, 1, int64((int(t.Weekday())+6)%7+1), false)
	case 'w':
		return s.number(dst, 1, int64(t.Weekday()), false)
	case 'U':
		return s.number(dst, 2, int64((t.YearDay()-1-int(t.Weekday())+7)/7), false)
	case 'W':
		return s.number(dst, 2, int64((t.YearDay()-1-(int(t.Weekday())+6)%7+7)/7), false)
	case 'V':
		_, week := t.ISOWeek()
		return s.number(dst, 2, int64(week), false)
	case 'g':
		year, _ := t.ISOWeek()
		return s.number(dst, 2, int64((year%100+100)%100), false)
	case 'G':
		year, _ := t.ISOWeek()
		return s.number(dst, 1, int64(year), false)
	case 'y':
		return s.number(dst, 2, int64((t.Year()%100+100)%100), false)
	case 'Y':
		return s.number(dst, 1, int64(t.Year()), false)
	case 'z':
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		dst = s.text(dst, sign)
		off /= 60
		return s.number(dst, 4, int64(off/60*100+off%60), false)
	}
	return s.text(dst, f[s.percent:end+1])
}

func containsByte(s string, c byte) bool {
	for i := range len(s) {
		if s[i] == c {
			return true
		}
	}
	return false
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// swapToUpper makes the # flag upper-case a name, as glibc does.
func (s *convSpec) swapToUpper() {
	if s.swap {
		s.upper, s.lower = true, false
	}
}

// text appends str padded to the width (glibc's cpy): with zeros under the
// 0 flag, otherwise with spaces; lower- or upper-cased as the flags say.
func (s *convSpec) text(dst []byte, str string) []byte {
	start := len(dst)
	dst = append(dst, str...)
	for i := start; i < len(dst); i++ {
		switch c := dst[i]; {
		case s.lower && 'A' <= c && c <= 'Z':
			dst[i] = c + 'a' - 'A'
		case !s.lower && s.upper && 'a' <= c && c <= 'z':
			dst[i] = c - 'a' + 'A'
		}
	}
	return s.padFrom(dst, start)
}

// padFrom pads the field dst[start:] on the left to the width.
func (s *convSpec) padFrom(dst []byte, start int) []byte {
	n := len(dst) - start
	delta := s.width - n
	if delta <= 0 {
		return dst
	}
	fill := byte(' ')
	if s.pad == '0' {
		fill = '0'
	}
	for range delta {
		dst = append(dst, fill)
	}
	copy(dst[start+delta:], dst[start:start+n])
	for i := start; i < start+delta; i++ {
		dst[i] = fill
	}
	return dst
}

// sub appends a composite conversion: the sub-format's text padded to the
// width as a whole, upper-cased under ^.
func (s *convSpec) sub(dst []byte, format string, t time.Time) []byte {
	start := len(dst)
	dst = AppendStrftime(dst, format, t)
	if s.upper {
		for i := start; i < len(dst); i++ {
			if c := dst[i]; 'a' <= c && c <= 'z' {
				dst[i] = c - 'a' + 'A'
			}
		}
	}
	return s.padFrom(dst, start)
}

// number appends v with at least digits digits (or the width, when wider),
// padded with zeros by default or with spaces when spacePad (%e %k %l);
// the _ - and 0 flags override the default.
func (s *convSpec) number(dst []byte, digits int, v int64, spacePad bool) []byte {
	if spacePad && s.pad != '0' && s.pad != '-' {
		s.pad = '_'
	}
	return s.signAndPad(dst, max(digits, s.width), v)
}

// signAndPad is glibc's do_number_sign_and_padding: the digits padding
// counts against the width, and the rest of the width pads the number as
// text.
func (s *convSpec) signAndPad(dst []byte, digits int, v int64) []byte {
	var buf [24]byte
	num := strconv.AppendInt(buf[:0], v, 10)
	if s.pad != '-' {
		if padding := digits - len(num); padding > 0 {
			if s.pad == '_' {
				for range padding {
					dst = append(dst, ' ')
				}
			} else {
				if num[0] == '-' {
					dst = append(dst, '-')
					num = num[1:]
				}
				for range padding {
					dst = append(dst, '0')
				}
			}
			s.width = max(s.width-padding, 0)
		}
	}
	start := len(dst)
	dst = append(dst, num...)
	return s.padFrom(dst, start)
}

// appendFixed appends n zero-padded to width digits.
func appendFixed(dst []byte, n, width int) []byte {
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], int64(n), 10)
	for i := len(digits); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}
