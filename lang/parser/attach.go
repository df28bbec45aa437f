package parser

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// attachPoint builds an AttachPoint from a raw Attach token: the text is
// split on ':' outside double quotes; the first part is the provider as
// written, the others have their quotes removed and, inside quotes, the
// backslashes that escape a character (usdt:./prog:test:"\"probe1\"" names
// the probe "probe1" with its quotes), as bpftrace's attach point lexer.
func (p *parser) attachPoint(t token) *ast.AttachPoint {
	parts := splitAttach(t.text)
	ap := &ast.AttachPoint{Pos: ast.Pos{S: t.span()}, Raw: t.text, Provider: parts[0]}
	for _, part := range parts[1:] {
		ap.Parts = append(ap.Parts, unquoteAttach(part))
	}
	return ap
}

// splitAttach splits raw on every ':' that is not inside a quoted segment.
// It always returns at least one element.
func splitAttach(raw string) []string {
	var parts []string
	quoted := false
	start := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++ // an escaped character
			}
		case ':':
			if !quoted {
				parts = append(parts, raw[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, raw[start:])
}

// unquoteAttach removes the quotes of an attach point's part and, inside
// them, the backslash of each escaped character.
func unquoteAttach(part string) string {
	if !strings.Contains(part, `"`) {
		return part
	}
	var b strings.Builder
	quoted := false
	for i := 0; i < len(part); i++ {
		switch c := part[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted && i+1 < len(part):
			i++
			b.WriteByte(part[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
