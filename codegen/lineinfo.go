package codegen

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Source comments. The first instruction of every statement carries a
// comment "line N: excerpt", shown by -d asm and, as BTF line info, in the
// verifier's log. The excerpt is the start of the statement's text, cut at
// the end of its line and at maxExcerpt bytes: a statement's span may
// cover the rest of a long line (a one-line chain of else ifs nests each
// branch inside the previous one), and whole spans would make the comments,
// and the BTF string table the kernel must accept, grow with the square of
// the line's length.

// maxExcerpt is the most bytes of source text in one comment.
const maxExcerpt = 100

// sourceLine describes a span for instruction comments: "line N: text".
func (g *gen) sourceLine(span diag.Span) string {
	src := g.c.opts.Source
	if src == nil {
		return ""
	}
	f, span := src.LocateSpan(span)
	line, _ := f.Position(span.Start)
	return fmt.Sprintf("line %d: %s", line, excerpt(f.Text, span))
}

// excerpt returns the start of text[span]: up to the first newline and at
// most maxExcerpt bytes (never splitting a UTF-8 sequence), with " …"
// when cut. NUL bytes, which BTF strings cannot hold, are written \0.
func excerpt(text string, span diag.Span) string {
	start := max(0, min(span.Start, len(text)))
	end := max(start, min(span.End, len(text)))
	s := text[start:end]
	cut := false
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s, cut = s[:i], true
	}
	if len(s) > maxExcerpt {
		n := maxExcerpt
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	s = strings.ReplaceAll(s, "\x00", `\0`)
	if cut {
		s += " …"
	}
	return s
}
