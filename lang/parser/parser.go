package parser

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// maxDepth bounds the nesting of blocks and expressions so that hostile
// input cannot exhaust the goroutine stack (which would be fatal, not a
// recoverable panic).
const maxDepth = 500

// bailout is panicked by fail to abandon the parse after the first syntax
// error, as bpftrace does; Parse recovers it.
type bailout struct{}

// parser holds the state of one Parse call.
type parser struct {
	text    string
	sc      scanner
	diags   *diag.List
	prog    *ast.Program
	lastEnd int // end offset of the last consumed token
	depth   int
}

// Parse parses a whole script. It always returns a non-nil Program, which
// is partial when the returned list holds errors: parsing stops at the first
// syntax error (lexical errors inside literals are reported and parsing
// continues). Parse never panics.
func Parse(src *diag.Source) (*ast.Program, *diag.List) {
	return parse(src, 0)
}

// parse is Parse with the scanner's window size (0 = default), which tests
// vary to check that windowed lexing never changes the result.
func parse(src *diag.Source, window int) (prog *ast.Program, diags *diag.List) {
	diags = &diag.List{}
	text := ""
	if src != nil {
		text = src.Text
	}
	p := &parser{text: text, diags: diags}
	p.sc.src, p.sc.size = text, window
	prog = &ast.Program{Pos: ast.Pos{S: diag.Span{Start: 0, End: len(text)}}}
	p.prog = prog
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); ok {
				return
			}
			diags.Errorf(diag.Span{}, diag.CodeInternal, "internal parser error: %v", r)
		}
	}()
	p.parseProgram()
	return prog, diags
}

// ---- token helpers ----

func (p *parser) peek() token        { return p.sc.peek(0) }
func (p *parser) peekAt(i int) token { return p.sc.peek(i) }

func (p *parser) next() token {
	t := p.sc.next()
	if t.kind != kEOF {
		p.lastEnd = t.end()
	}
	return t
}

// is reports whether t is the punctuation s.
func (t token) is(s string) bool { return t.kind == kPunct && t.text == s }

// isIdent reports whether t is the identifier (or keyword) s.
func (t token) isIdent(s string) bool { return t.kind == kIdent && t.text == s }

// at reports whether the next token is the punctuation s.
func (p *parser) at(s string) bool { return p.peek().is(s) }

// accept consumes the next token when it is the punctuation s.
func (p *parser) accept(s string) bool {
	if p.at(s) {
		p.next()
		return true
	}
	return false
}

// expect consumes the punctuation s or fails with a bison-style message.
func (p *parser) expect(s string) token {
	t := p.peek()
	if !t.is(s) {
		p.fail(t, s)
	}
	return p.next()
}

// expectIdent consumes an identifier or fails.
func (p *parser) expectIdent() token {
	t := p.peek()
	if t.kind != kIdent {
		p.fail(t, "identifier")
	}
	return p.next()
}

// span returns the span from start to the end of the last consumed token.
func (p *parser) span(start int) diag.Span {
	end := p.lastEnd
	if end < start {
		end = start
	}
	return diag.Span{Start: start, End: end}
}

func (p *parser) pos(start int) ast.Pos { return ast.Pos{S: p.span(start)} }

// enter guards recursion depth; callers defer p.leave().
func (p *parser) enter(t token) {
	p.depth++
	if p.depth > maxDepth {
		p.diags.Errorf(t.span(), diag.CodeSyntax, "syntax error, nesting too deep")
		panic(bailout{})
	}
}

func (p *parser) leave() { p.depth-- }

// ---- diagnostics ----

// fail reports the syntax error for the unexpected token t and abandons the
// parse. expecting lists what would have been accepted ("{", "; or }"); it
// may be empty. Lexical error tokens report their own message instead.
func (p *parser) fail(t token, expecting string) {
	switch t.kind {
	case kUntermString:
		p.diags.Errorf(t.span(), diag.CodeSyntax, "unterminated string")
	case kUntermComment:
		p.diags.Errorf(t.span(), diag.CodeSyntax, "end of file during comment")
	case kInvalid:
		p.diags.Errorf(t.span(), diag.CodeSyntax, "invalid character '%s'", printable(t.text))
	default:
		msg := "syntax error, unexpected " + describe(t)
		if expecting != "" {
			msg += ", expecting " + expecting
		}
		p.diags.Errorf(t.span(), diag.CodeSyntax, "%s", msg)
	}
	panic(bailout{})
}

// errorf reports a non-fatal error; parsing continues.
func (p *parser) errorf(span diag.Span, format string, args ...any) {
	p.diags.Errorf(span, diag.CodeSyntax, format, args...)
}

func printable(s string) string {
	if len(s) == 1 && (s[0] < 0x20 || s[0] >= 0x7f) {
		return fmt.Sprintf("\\x%02x", s[0])
	}
	return s
}
