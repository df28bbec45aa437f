package parser

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// attachPoint builds an AttachPoint from a raw Attach token: the text is
// split on ':' outside double quotes; the first part is the provider as
// written, the others have their quotes removed.
func (p *parser) attachPoint(t token) *ast.AttachPoint {
	parts := splitAttach(t.text)
	ap := &ast.AttachPoint{Pos: ast.Pos{S: t.span()}, Raw: t.text, Provider: parts[0]}
	for _, part := range parts[1:] {
		ap.Parts = append(ap.Parts, strings.ReplaceAll(part, `"`, ""))
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
		case ':':
			if !quoted {
				parts = append(parts, raw[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, raw[start:])
}
