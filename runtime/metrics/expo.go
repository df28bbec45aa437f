package metrics

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// The exposition is written by hand rather than with client_golang's
// expfmt, whose packages (and their init functions: protobuf
// descriptors, the default registry's Go and process collectors) would
// be linked into, and start with, every run of the tracer. It follows
// expfmt byte for byte in the two formats served: the Prometheus text
// format 0.0.4 and OpenMetrics 1.0.0 (the goldens, produced by
// client_golang, and a differential test against expfmt check that).
//
// Both formats write a family as its HELP line, its TYPE line and one
// line per sample; label names are in sorted order, with le (a
// histogram's bucket bound) last. They differ in:
//
//	                         text 0.0.4              OpenMetrics 1.0.0
//	counter family name      x_total                 x (samples x_total)
//	HELP text escapes        \\ \n                   \\ \n \"
//	float values             1 0 2.5 1e+06           1.0 0.0 2.5 1e+06
//	counts (bucket, _count)  as floats               integers
//	end                      nothing                 # EOF
//
// Label values escape backslash, double quote and newline in both.
// Metric and label names are always valid legacy names here (names.go
// makes them so), so they are never quoted.

// format is an exposition format.
type format uint8

const (
	formatText        format = iota // Prometheus text format 0.0.4
	formatOpenMetrics               // OpenMetrics 1.0.0
)

// expo writes families in one format to a writer, through a buffer
// flushed every flushSize bytes or so (a whole exposition can take
// megabytes; it is never held at once).
type expo struct {
	w   io.Writer
	err error // the first write error; later writes are dropped
	b   []byte
	fm  format
	// labels is scratch space: the label pairs of the current series,
	// without braces.
	labels []byte
	// les is scratch space: the le="…" pairs of a histogram's buckets.
	les [][]byte
}

// family writes f, which must have been sorted; a family without series
// writes nothing (as client_golang leaves it out).
func (e *expo) family(f *family) {
	if len(f.samples) == 0 {
		return
	}
	name := f.name
	if e.fm == formatOpenMetrics && f.kind == kindCounter {
		name = strings.TrimSuffix(name, "_total")
	}
	e.b = append(e.b, "# HELP "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = appendEscaped(e.b, f.help, e.fm == formatOpenMetrics)
	e.b = append(e.b, "\n# TYPE "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, typeNames[f.kind]...)
	if f.kind == kindHistogram {
		e.setLes(f.les)
	}
	for i := range f.samples {
		s := &f.samples[i]
		e.labels = e.labels[:0]
		for k, j := range f.order {
			if k > 0 {
				e.labels = append(e.labels, ',')
			}
			e.labels = append(e.labels, f.names[k]...)
			e.labels = append(e.labels, '=', '"')
			e.labels = appendEscaped(e.labels, s.label(j), true)
			e.labels = append(e.labels, '"')
		}
		switch f.kind {
		case kindSummary:
			e.float(f.name, "_sum", nil, s.value)
			e.count(f.name, "_count", nil, s.count)
		case kindHistogram:
			var sum uint64 // buckets before first are empty in every row
			for k, le := range e.les[:len(f.les)] {
				if b := s.row.Value.Buckets; f.first+k < len(b) {
					sum += b[f.first+k]
				}
				e.count(f.name, "_bucket", le, sum)
			}
			e.count(f.name, "_bucket", e.les[len(f.les)], s.count)
			e.float(f.name, "_sum", nil, s.value)
			e.count(f.name, "_count", nil, s.count)
		default:
			e.float(f.name, "", nil, s.value)
		}
		if len(e.b) >= flushSize {
			e.flush()
		}
	}
}

// flushSize is the size from which the buffer is written out.
const flushSize = 32 << 10

// flush writes the buffer out.
func (e *expo) flush() {
	if e.err == nil && len(e.b) > 0 {
		_, e.err = e.w.Write(e.b)
	}
	e.b = e.b[:0]
}

// typeNames are the TYPE line endings of each kind.
var typeNames = [...]string{
	kindCounter:   " counter\n",
	kindGauge:     " gauge\n",
	kindSummary:   " summary\n",
	kindHistogram: " histogram\n",
	kindInfo:      " gauge\n",
}

// float writes a sample line of the current series with a float value.
func (e *expo) float(name, suffix string, le []byte, v float64) {
	e.b = append(appendFloat(e.line(name, suffix, le), v, e.fm), '\n')
}

// count writes a sample line of the current series with a count.
func (e *expo) count(name, suffix string, le []byte, n uint64) {
	e.b = append(appendCount(e.line(name, suffix, le), n, e.fm), '\n')
}

// line appends the start of a sample line of the current series to the
// buffer: the name with suffix, the label pairs and le (nil: none), and
// the space before the value.
func (e *expo) line(name, suffix string, le []byte) []byte {
	b := append(e.b, name...)
	b = append(b, suffix...)
	if len(e.labels) > 0 || le != nil {
		b = append(b, '{')
		b = append(b, e.labels...)
		if le != nil {
			if len(e.labels) > 0 {
				b = append(b, ',')
			}
			b = append(b, le...)
		}
		b = append(b, '}')
	}
	return append(b, ' ')
}

// setLes formats the le pairs of bounds and of +Inf (the last).
func (e *expo) setLes(bounds []float64) {
	e.les = e.les[:0]
	for _, hi := range append(bounds[:len(bounds):len(bounds)], math.Inf(1)) {
		le := append([]byte(`le="`), appendFloat(nil, hi, e.fm)...)
		e.les = append(e.les, append(le, '"'))
	}
}

// end ends the exposition and writes out what is buffered.
func (e *expo) end() error {
	if e.fm == formatOpenMetrics {
		e.b = append(e.b, "# EOF\n"...)
	}
	e.flush()
	return e.err
}

// appendEscaped appends s with backslashes and newlines escaped, and
// double quotes too when quote is set.
func appendEscaped(b []byte, s string, quote bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '\\':
			esc = `\\`
		case '\n':
			esc = `\n`
		case '"':
			if !quote {
				continue
			}
			esc = `\"`
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// appendFloat appends a sample value or bucket bound as client_golang
// writes it: the shortest representation ('g' format, so 1e+06 from a
// million on), 0 for -0, NaN, +Inf and -Inf; OpenMetrics adds ".0" to a
// number with neither a point nor an exponent.
func appendFloat(b []byte, f float64, fm format) []byte {
	switch {
	case f == 0:
		if fm == formatOpenMetrics {
			return append(b, "0.0"...)
		}
		return append(b, '0')
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if fm == formatOpenMetrics {
		for _, c := range b[start:] {
			if c == '.' || c == 'e' {
				return b
			}
		}
		b = append(b, '.', '0')
	}
	return b
}

// appendCount appends the count of a summary or histogram or bucket: an
// integer in OpenMetrics, a float in the text format (where a count from
// a million on has an exponent).
func appendCount(b []byte, n uint64, fm format) []byte {
	if fm == formatOpenMetrics || n < 1e6 {
		return strconv.AppendUint(b, n, 10)
	}
	return appendFloat(b, float64(n), fm)
}
