// Package diag holds source positions, diagnostics and their rendering.
//
// Every node of the AST carries a Span: a half-open range of byte offsets into
// the source text. Line and column numbers are worked out only when a
// diagnostic is rendered (Source.Position), so the parser and checker never
// pay for them.
//
// Diagnostics are collected in a List (all semantic errors, not just the
// first) and rendered the way bpftrace renders them:
//
//	stdin:1:9-12: ERROR: Unknown function: foo
//	BEGIN { foo(1); }
//	        ~~~
//	HINT: did you mean 'for'?
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Span is a half-open range [Start, End) of byte offsets into a Source.
type Span struct {
	Start, End int
}

// Join returns the smallest span covering both a and b.
func Join(a, b Span) Span {
	if b.Start < a.Start {
		a.Start = b.Start
	}
	if b.End > a.End {
		a.End = b.End
	}
	return a
}

// Valid reports whether the span is non-negative and ordered.
func (s Span) Valid() bool { return s.Start >= 0 && s.End >= s.Start }

// Severity says whether a diagnostic stops compilation.
type Severity uint8

// Severities, in increasing order of seriousness.
const (
	Warning Severity = iota
	Error
)

// String returns the severity as printed in diagnostics.
func (s Severity) String() string {
	if s == Warning {
		return "WARNING"
	}
	return "ERROR"
}

// Code classifies a diagnostic so tests and fuzzers can assert on it
// without matching message text.
type Code string

// Diagnostic codes.
const (
	CodeSyntax        Code = "syntax"
	CodeUnsupported   Code = "unsupported"
	CodeUnknown       Code = "unknown"
	CodeType          Code = "type"
	CodeArgs          Code = "args"
	CodeProbe         Code = "probe"
	CodePrintf        Code = "printf"
	CodeStack         Code = "stack"
	CodeUnsafe        Code = "unsafe"
	CodeInternal      Code = "internal"
	CodeSignedDivide  Code = "signed-divide"
	CodeVerifier      Code = "verifier"
	CodePreprocessor  Code = "preproc"
	CodeDuplicate     Code = "duplicate"
	CodeInvalidTarget Code = "target"
)

// Diagnostic is one positioned message about the user's script.
type Diagnostic struct {
	Span     Span
	Severity Severity
	Code     Code
	Msg      string
	Hints    []string
}

// List collects diagnostics.
type List struct {
	Items []*Diagnostic
}

// Add appends d and returns it so hints can be attached.
func (l *List) Add(d *Diagnostic) *Diagnostic {
	l.Items = append(l.Items, d)
	return d
}

// Errorf adds an error at span.
func (l *List) Errorf(span Span, code Code, format string, args ...any) *Diagnostic {
	return l.Add(&Diagnostic{Span: span, Severity: Error, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// Warnf adds a warning at span.
func (l *List) Warnf(span Span, code Code, format string, args ...any) *Diagnostic {
	return l.Add(&Diagnostic{Span: span, Severity: Warning, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// Hint appends a HINT line to d.
func (d *Diagnostic) Hint(format string, args ...any) *Diagnostic {
	d.Hints = append(d.Hints, fmt.Sprintf(format, args...))
	return d
}

// HasErrors reports whether any diagnostic is an error.
func (l *List) HasErrors() bool {
	for _, d := range l.Items {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (l *List) Errors() []*Diagnostic {
	var out []*Diagnostic
	for _, d := range l.Items {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders diagnostics by position, keeping insertion order for ties.
func (l *List) Sort() {
	sort.SliceStable(l.Items, func(i, j int) bool { return l.Items[i].Span.Start < l.Items[j].Span.Start })
}

// Source is a named script text with a lazily built line index.
//
// Other files may be included after the script (the standard library
// written in the language): their spans are offsets past the end of the
// script, and Locate maps them back to the file they belong to.
type Source struct {
	Name  string // "stdin" for -e programs, else the file name
	Text  string
	lines []int // byte offset of the start of each line
	// included are the files added by Include, in increasing base order.
	included []included
}

// included is a file placed after the script at offset base.
type included struct {
	base int
	src  *Source
}

// Include places the text of another file after the script and every file
// included before, and returns the offset of its first byte: spans into
// it are offsets from there.
func (s *Source) Include(name, text string) int {
	base := len(s.Text) + 1
	if n := len(s.included); n > 0 {
		last := s.included[n-1]
		base = last.base + len(last.src.Text) + 1
	}
	s.included = append(s.included, included{base, NewSource(name, text)})
	return base
}

// Locate returns the file holding byte offset off (s itself, or a file
// added by Include) and the offset within that file.
func (s *Source) Locate(off int) (*Source, int) {
	for i := len(s.included) - 1; i >= 0; i-- {
		if in := s.included[i]; off >= in.base {
			return in.src, off - in.base
		}
	}
	return s, off
}

// LocateSpan is Locate for a span (located by its start).
func (s *Source) LocateSpan(span Span) (*Source, Span) {
	f, start := s.Locate(span.Start)
	shift := span.Start - start
	return f, Span{start, span.End - shift}
}

// NewSource returns a Source for text.
func NewSource(name, text string) *Source { return &Source{Name: name, Text: text} }

func (s *Source) index() {
	if s.lines != nil {
		return
	}
	s.lines = []int{0}
	for i := 0; i < len(s.Text); i++ {
		if s.Text[i] == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
}

// Position returns the 1-based line and column of a byte offset (in the
// file that holds it, see Locate).
func (s *Source) Position(off int) (line, col int) {
	s, off = s.Locate(off)
	s.index()
	if off < 0 {
		off = 0
	}
	if off > len(s.Text) {
		off = len(s.Text)
	}
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
	return i + 1, off - s.lines[i] + 1
}

// Line returns the text of 1-based line n without its newline.
func (s *Source) Line(n int) string {
	s.index()
	if n < 1 || n > len(s.lines) {
		return ""
	}
	start := s.lines[n-1]
	end := len(s.Text)
	if n < len(s.lines) {
		end = s.lines[n] - 1
	}
	return strings.TrimSuffix(s.Text[start:end], "\r")
}

// maxLineWidth is the longest source line a diagnostic shows in full.
const maxLineWidth = 160

// Format renders one diagnostic in bpftrace's layout: a location line, the
// source line, a ~~~ underline of the span (clipped to the first line), and
// HINT lines.
func (s *Source) Format(d *Diagnostic) string {
	var b strings.Builder
	s, span := s.LocateSpan(d.Span)
	line, col, ecol := s.columns(span)
	fmt.Fprintf(&b, "%s:%d:%d-%d: %s: %s\n", s.Name, line, col, ecol, d.Severity, d.Msg)
	text := strings.ReplaceAll(s.Line(line), "\t", " ")
	// Very long lines are cut to a window around the span, so the
	// diagnostic stays on one screen.
	from, to := col-1, ecol-1
	if len(text) > maxLineWidth {
		start := max(0, from-maxLineWidth/4)
		end := min(len(text), start+maxLineWidth)
		to = min(to, end)
		prefix := ""
		if start > 0 {
			prefix = "..."
		}
		suffix := ""
		if end < len(text) {
			suffix = "..."
		}
		text = prefix + text[start:end] + suffix
		from, to = from-start+len(prefix), to-start+len(prefix)
	}
	b.WriteString(text)
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", from))
	b.WriteString(strings.Repeat("~", max(to-from, 1)))
	b.WriteByte('\n')
	for _, h := range d.Hints {
		b.WriteString("HINT: ")
		b.WriteString(h)
		b.WriteByte('\n')
	}
	return b.String()
}

// columns returns the line of span's start and the columns it covers on
// that line (clipped to the line; at least one column).
func (s *Source) columns(span Span) (line, col, ecol int) {
	line, col = s.Position(span.Start)
	eline, ecol := s.Position(span.End)
	if eline != line {
		ecol = len(s.Line(line)) + 1
	}
	if ecol <= col {
		ecol = col + 1
	}
	return line, col, ecol
}

// Location renders span as bpftrace prefixes messages without source
// context (errorf, warnf): "NAME:LINE:COL-ENDCOL".
func (s *Source) Location(span Span) string {
	s, span = s.LocateSpan(span)
	line, col, ecol := s.columns(span)
	return fmt.Sprintf("%s:%d:%d-%d", s.Name, line, col, ecol)
}

// Render writes every diagnostic of l, sorted by position.
func (s *Source) Render(l *List) string {
	l.Sort()
	var b strings.Builder
	for _, d := range l.Items {
		b.WriteString(s.Format(d))
	}
	return b.String()
}

// Nearest returns the candidate closest to name by edit distance, or "" when
// nothing is close enough to be a plausible misspelling.
func Nearest(name string, candidates []string) string {
	limit := min(len(name)/2+1, 3)
	best, bestD := "", limit
	for _, c := range candidates {
		if c == name {
			return "" // not a misspelling
		}
		if d := levenshtein(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
