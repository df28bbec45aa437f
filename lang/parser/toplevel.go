package parser

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// parseProgram parses top-level items until end of file. Every item starts
// with a fresh lexer in the Root state at the end of the previous item.
func (p *parser) parseProgram() {
	for {
		p.sc.reset(p.lastEnd)
		t := p.peek()
		switch t.kind {
		case kEOF:
			return
		case kDirective:
			p.next()
			p.directive(t)
		case kCDefStart:
			p.cdef()
		case kKeyword:
			p.keywordItem(t)
		case kAttach:
			p.prog.Probes = append(p.prog.Probes, p.probe())
		case kPunct:
			if t.text == ";" { // stray ';' between items
				p.next()
				continue
			}
			p.fail(t, "")
		default:
			p.fail(t, "")
		}
	}
}

// directive records a '#' line: the shebang when it opens the file, a
// preprocessor directive otherwise.
func (p *parser) directive(t token) {
	if strings.HasPrefix(t.text, "#!") {
		if t.pos != 0 {
			p.fail(t, "")
		}
		line, _, _ := strings.Cut(t.text, "\n")
		p.prog.Shebang = strings.TrimSuffix(line, "\r")
		p.lastEnd = len(line)
		return
	}
	body := strings.ReplaceAll(t.text[1:], "\\\r\n", "")
	body = strings.ReplaceAll(body, "\\\n", "")
	body = strings.TrimLeft(body, " \t")
	n := 0
	for n < len(body) && isWordByte(body[n]) {
		n++
	}
	p.prog.Preproc = append(p.prog.Preproc, &ast.Directive{
		Pos:  ast.Pos{S: trimSpan(t)},
		Name: body[:n],
		Text: strings.TrimSpace(body[n:]),
	})
}

// trimSpan is the span of t without trailing white space (a directive's
// token may end in '\r').
func trimSpan(t token) diag.Span {
	return diag.Span{Start: t.pos, End: t.pos + len(strings.TrimRight(t.text, " \t\r"))}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// cdef parses `struct|union|enum [NAME] { balanced text } [;]` (the name
// is optional: anonymous enums define constants only).
func (p *parser) cdef() {
	start := p.next()
	head := append(strings.Fields(strings.TrimSuffix(start.text, "{")), "")
	depth := 1
	for {
		t := p.next()
		switch t.kind {
		case kCLBrace:
			depth++
		case kCRBrace:
			depth--
			if depth == 0 {
				d := &ast.CDef{
					Pos:  p.pos(start.pos),
					Kind: head[0],
					Name: head[1],
					Body: p.text[start.end():t.pos],
				}
				p.prog.CDefs = append(p.prog.CDefs, d)
				d.Attrs = p.cAttributes(t.end())
				return // a ';' after it is skipped as a stray ';' at top level
			}
		case kEOF:
			p.fail(t, "}")
		}
	}
}

// cAttributes reads the `__attribute__((a, b(1)))` lists (with white
// space and comments around them) that follow a C definition's closing
// brace at off, returns their items and moves the end of the item past
// them. Text that is not a complete attribute list is left alone.
func (p *parser) cAttributes(off int) []string {
	var attrs []string
	for {
		i := skipSpaceAndComments(p.text, off)
		rest, ok := strings.CutPrefix(p.text[i:], "__attribute__")
		if !ok || rest != "" && isWordByte(rest[0]) {
			return attrs
		}
		i = skipSpaceAndComments(p.text, len(p.text)-len(rest))
		if !strings.HasPrefix(p.text[i:], "((") {
			return attrs
		}
		depth, j := 0, i
		for ; j < len(p.text); j++ {
			if p.text[j] == '(' {
				depth++
			} else if p.text[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j == len(p.text) || !strings.HasSuffix(p.text[:j+1], "))") {
			return attrs
		}
		for _, a := range splitTopLevel(p.text[i+2:j-1], ',') {
			if a = strings.Join(strings.Fields(a), ""); a != "" {
				attrs = append(attrs, a)
			}
		}
		off = j + 1
		p.lastEnd = off
	}
}

// skipSpaceAndComments returns the offset of the first byte at or after
// off that is neither white space nor inside a comment.
func skipSpaceAndComments(text string, off int) int {
	for off < len(text) {
		switch {
		case strings.ContainsRune(" \t\r\n\f\v", rune(text[off])):
			off++
		case strings.HasPrefix(text[off:], "//"):
			nl := strings.IndexByte(text[off:], '\n')
			if nl < 0 {
				return len(text)
			}
			off += nl + 1
		case strings.HasPrefix(text[off:], "/*"):
			end := strings.Index(text[off+2:], "*/")
			if end < 0 {
				return off
			}
			off += 2 + end + 2
		default:
			return off
		}
	}
	return off
}

// splitTopLevel splits s at the sep bytes outside parentheses.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// keywordItem dispatches the top-level keywords config, import, macro, fn
// and let (the lexer is now in the Block state).
func (p *parser) keywordItem(t token) {
	switch t.text {
	case "config":
		p.config()
	case "import":
		p.next()
		s := p.peek()
		if s.kind != kString {
			p.fail(s, "string")
		}
		p.next()
		p.prog.Imports = append(p.prog.Imports, &ast.Import{Pos: p.pos(t.pos), Path: p.decodeString(s)})
		p.accept(";")
	case "macro":
		p.macro()
	case "fn":
		p.funcDef()
	case "let":
		p.mapDecl()
	}
}

// config parses `config = { key = value; … }`.
func (p *parser) config() {
	kw := p.next()
	p.expect("=")
	p.expect("{")
	cfg := &ast.Config{}
	for !p.at("}") {
		key := p.expectIdent()
		p.expect("=")
		item := &ast.ConfigItem{Key: key.text}
		v := p.peek()
		switch {
		case v.kind == kNumber:
			item.Value = p.intLit(p.next())
		case v.kind == kString:
			p.next()
			item.Value = &ast.StrLit{Pos: ast.Pos{S: v.span()}, Value: p.decodeString(v)}
		case v.isIdent("true"), v.isIdent("false"):
			p.next()
			item.Value = &ast.BoolLit{Pos: ast.Pos{S: v.span()}, Value: v.text == "true"}
		case v.kind == kIdent:
			p.next()
			item.Value = &ast.Ident{Pos: ast.Pos{S: v.span()}, Name: v.text}
		default:
			p.fail(v, "")
		}
		item.Pos = p.pos(key.pos)
		cfg.Items = append(cfg.Items, item)
		if !p.accept(";") && !p.at("}") {
			p.fail(p.peek(), "; or }")
		}
	}
	p.next()
	cfg.Pos = p.pos(kw.pos)
	if p.prog.Config != nil {
		p.diags.Errorf(cfg.S, diag.CodeDuplicate, "only one config block is allowed")
		return
	}
	p.prog.Config = cfg
}

// macro parses `macro name(params) { body }`.
func (p *parser) macro() {
	kw := p.next()
	name := p.expectIdent()
	p.expect("(")
	m := &ast.MacroDef{Name: name.text}
	for !p.at(")") {
		t := p.peek()
		switch t.kind {
		case kDollar, kMap, kIdent:
			x := p.parsePrimary(false)
			switch x.(type) {
			case *ast.Var, *ast.Ident:
			case *ast.MapExpr:
				if x.(*ast.MapExpr).Keys != nil {
					p.fail(p.peek(), ", or )")
				}
			default:
				p.fail(t, "")
			}
			m.Params = append(m.Params, x)
		default:
			p.fail(t, "")
		}
		if !p.accept(",") && !p.at(")") {
			p.fail(p.peek(), ", or )")
		}
	}
	p.next()
	m.Body = p.parseBlock()
	m.Pos = p.pos(kw.pos)
	p.prog.Macros = append(p.prog.Macros, m)
}

// funcDef parses `fn name($a: T, …): R { body }`.
func (p *parser) funcDef() {
	kw := p.next()
	name := p.expectIdent()
	p.expect("(")
	f := &ast.FuncDef{Name: name.text}
	for !p.at(")") {
		v := p.peek()
		if v.kind != kDollar || !isVarToken(v) {
			p.fail(v, "variable")
		}
		p.next()
		p.expect(":")
		f.Params = append(f.Params, &ast.Param{Name: v.text, Type: p.parseType(), Pos: p.pos(v.pos)})
		if !p.accept(",") && !p.at(")") {
			p.fail(p.peek(), ", or )")
		}
	}
	p.next()
	if p.accept(":") {
		f.Result = p.parseType()
	}
	f.Body = p.parseBlock()
	f.Pos = p.pos(kw.pos)
	p.prog.Funcs = append(p.prog.Funcs, f)
}

// mapDecl parses `let @name = kind(size) [;]`.
func (p *parser) mapDecl() {
	kw := p.next()
	m := p.peek()
	if m.kind != kMap {
		p.fail(m, "map")
	}
	p.next()
	p.expect("=")
	kind := p.expectIdent()
	p.expect("(")
	size := p.parseExpr(false)
	p.expect(")")
	p.prog.MapDecls = append(p.prog.MapDecls, &ast.MapDecl{Pos: p.pos(kw.pos), Name: m.text, Kind: kind.text, Size: size})
	p.accept(";")
}

// probe parses `attach[, attach…][,] [/pred/] { body }`.
func (p *parser) probe() *ast.Probe {
	pr := &ast.Probe{}
	start := p.peek().pos
	for {
		t := p.next()
		pr.Attach = append(pr.Attach, p.attachPoint(t))
		if !p.accept(",") || p.peek().kind != kAttach {
			break
		}
	}
	t := p.peek()
	switch {
	case t.is("/"):
		p.next()
		pr.Pred = p.parseExpr(false)
		end := p.peek()
		if end.kind != kPredEnd {
			p.fail(end, "/")
		}
		p.next()
		pr.Body = p.parseBlockBody(end.end() - 1)
	case t.is("{"):
		pr.Body = p.parseBlock()
	default:
		p.fail(t, "{")
	}
	pr.Pos = p.pos(start)
	return pr
}
