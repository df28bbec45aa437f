package output

import (
	"strconv"
	"time"
)

// AppendStrftime appends t formatted with a C strftime format, plus %f for
// microseconds (bpftrace's extension).
func AppendStrftime(dst []byte, f string, t time.Time) []byte {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			dst = append(dst, c)
			continue
		}
		i++
		switch f[i] {
		case 'H':
			dst = appendPad(dst, t.Hour(), 2)
		case 'M':
			dst = appendPad(dst, t.Minute(), 2)
		case 'S':
			dst = appendPad(dst, t.Second(), 2)
		case 'Y':
			dst = appendPad(dst, t.Year(), 4)
		case 'y':
			dst = appendPad(dst, t.Year()%100, 2)
		case 'm':
			dst = appendPad(dst, int(t.Month()), 2)
		case 'd':
			dst = appendPad(dst, t.Day(), 2)
		case 'e':
			if t.Day() < 10 {
				dst = append(dst, ' ')
			}
			dst = strconv.AppendInt(dst, int64(t.Day()), 10)
		case 'j':
			dst = appendPad(dst, t.YearDay(), 3)
		case 'f':
			dst = appendPad(dst, t.Nanosecond()/1000, 6)
		case 'T':
			dst = AppendStrftime(dst, "%H:%M:%S", t)
		case 'D':
			dst = AppendStrftime(dst, "%m/%d/%y", t)
		case 'F':
			dst = AppendStrftime(dst, "%Y-%m-%d", t)
		case 'R':
			dst = AppendStrftime(dst, "%H:%M", t)
		case 's':
			dst = strconv.AppendInt(dst, t.Unix(), 10)
		case 'a':
			dst = append(dst, t.Weekday().String()[:3]...)
		case 'A':
			dst = append(dst, t.Weekday().String()...)
		case 'b', 'h':
			dst = append(dst, t.Month().String()[:3]...)
		case 'B':
			dst = append(dst, t.Month().String()...)
		case 'p':
			if t.Hour() < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			dst = appendPad(dst, h, 2)
		case 'Z':
			name, _ := t.Zone()
			dst = append(dst, name...)
		case 'z':
			dst = append(dst, t.Format("-0700")...)
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case '%':
			dst = append(dst, '%')
		default:
			dst = append(dst, '%', f[i])
		}
	}
	return dst
}

func appendPad(dst []byte, n, width int) []byte {
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], int64(n), 10)
	for i := len(digits); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}
