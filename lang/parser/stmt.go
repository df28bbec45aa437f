package parser

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// assignOps are the assignment operators; assignment is a statement.
var assignOps = map[string]bool{
	"=": true, "+=": true, "-=": true, "*=": true, "/=": true, "%=": true,
	"&=": true, "|=": true, "^=": true, "<<=": true, ">>=": true,
}

// parseBlock parses `{ stmts }`; the next token must be '{'.
func (p *parser) parseBlock() *ast.Block {
	t := p.expect("{")
	return p.parseBlockBody(t.pos)
}

// parseBlockBody parses statements up to and including the closing '}'.
// open is the offset of the '{' that was already consumed. Statements are
// separated by ';', which is optional before '}' and after compound
// statements; stray ';' are skipped. A final expression statement without
// ';' is marked as the block's value.
func (p *parser) parseBlockBody(open int) *ast.Block {
	p.enter(p.peek())
	defer p.leave()
	b := &ast.Block{}
	for {
		t := p.peek()
		switch {
		case t.is("}"):
			p.next()
			b.Pos = p.pos(open)
			return b
		case t.is(";"):
			p.next()
			continue
		case t.kind == kEOF:
			p.fail(t, "")
		}
		s, simple := p.parseStmt()
		b.Stmts = append(b.Stmts, s)
		if !simple || p.accept(";") {
			continue
		}
		if !p.at("}") {
			p.fail(p.peek(), "; or }")
		}
		if es, ok := s.(*ast.ExprStmt); ok {
			es.Value = true
		}
	}
}

// parseStmt parses one statement. simple reports whether the statement
// must be followed by ';' or '}' (compound statements need neither).
func (p *parser) parseStmt() (s ast.Stmt, simple bool) {
	t := p.peek()
	if t.is("{") {
		return p.parseBlock(), false
	}
	if t.kind == kIdent {
		switch t.text {
		case "if":
			return p.parseIf(), false
		case "while":
			p.next()
			cond := p.parseExpr(true)
			body := p.parseBlock()
			return &ast.WhileStmt{Pos: p.pos(t.pos), Cond: cond, Body: body}, false
		case "unroll":
			p.next()
			count := p.parseExpr(true)
			body := p.parseBlock()
			return &ast.UnrollStmt{Pos: p.pos(t.pos), Count: count, Body: body}, false
		case "for":
			return p.parseFor(), false
		case "return":
			p.next()
			r := &ast.ReturnStmt{}
			if n := p.peek(); !n.is(";") && !n.is("}") {
				r.Value = p.parseExpr(false)
			}
			r.Pos = p.pos(t.pos)
			return r, true
		case "break":
			p.next()
			return &ast.BreakStmt{Pos: p.pos(t.pos)}, true
		case "continue":
			p.next()
			return &ast.ContinueStmt{Pos: p.pos(t.pos)}, true
		case "let":
			return p.parseLet(), true
		case "import":
			if s := p.peekAt(1); s.kind == kString {
				p.next()
				p.next()
				return &ast.ImportStmt{Pos: p.pos(t.pos), Path: p.decodeString(s)}, true
			}
		case "_":
			if p.peekAt(1).is("=") {
				p.next()
				p.next()
				v := p.parseExpr(false)
				return &ast.DiscardStmt{Pos: p.pos(t.pos), Value: v}, true
			}
		}
	}
	x := p.parseExpr(false)
	if op := p.peek(); op.kind == kPunct && assignOps[op.text] {
		if !assignable(x) {
			p.fail(op, "; or }")
		}
		p.next()
		v := p.parseExpr(false)
		return &ast.AssignStmt{Pos: p.pos(t.pos), Target: x, Op: op.text, Value: v}, true
	}
	return &ast.ExprStmt{Pos: p.pos(t.pos), X: x}, true
}

// assignable reports whether x may appear left of an assignment operator.
// The parser accepts every place expression; the checker narrows this down
// (e.g. "Tuples are immutable once created").
func assignable(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Var, *ast.MapExpr, *ast.Ident, *ast.FieldExpr, *ast.TupleIndex, *ast.IndexExpr:
		return true
	case *ast.Unary:
		return x.Op == "*"
	}
	return false
}

// parseIf parses `if cond { } [else (if … | { })]`.
func (p *parser) parseIf() *ast.IfStmt {
	kw := p.next()
	s := &ast.IfStmt{Cond: p.parseExpr(true)}
	s.Then = p.parseBlock()
	if p.peek().isIdent("else") {
		p.next()
		if p.peek().isIdent("if") {
			s.Else = p.parseIf()
		} else {
			s.Else = p.parseBlock()
		}
	}
	s.Pos = p.pos(kw.pos)
	return s
}

// parseFor parses `for ($v : @map) { }` and `for $v : a..b { }`, with or
// without parentheses around the head.
func (p *parser) parseFor() *ast.ForStmt {
	kw := p.next()
	paren := p.accept("(")
	v := p.peek()
	if v.kind != kDollar || !isVarToken(v) {
		p.fail(v, "variable")
	}
	p.next()
	f := &ast.ForStmt{Var: &ast.Var{Pos: ast.Pos{S: v.span()}, Name: v.text}}
	p.expect(":")
	first := p.parseBinary(1, !paren)
	if p.accept("..") {
		f.Start, f.End = first, p.parseBinary(1, !paren)
	} else if m, ok := first.(*ast.MapExpr); ok && m.Keys == nil {
		f.Map = m
	} else {
		p.fail(p.peek(), "..")
	}
	if paren {
		p.expect(")")
	}
	f.Body = p.parseBlock()
	f.Pos = p.pos(kw.pos)
	return f
}

// parseLet parses `let $x [: type] [= value]`.
func (p *parser) parseLet() *ast.LetStmt {
	kw := p.next()
	v := p.peek()
	if v.kind != kDollar || !isVarToken(v) {
		p.fail(v, "variable")
	}
	p.next()
	s := &ast.LetStmt{Var: &ast.Var{Pos: ast.Pos{S: v.span()}, Name: v.text}}
	if p.accept(":") {
		s.Type = p.parseType()
	}
	if p.accept("=") {
		s.Value = p.parseExpr(false)
	}
	s.Pos = p.pos(kw.pos)
	return s
}

// isVarToken reports whether a Dollar token is a scratch variable ($name),
// not a positional parameter or $#.
func isVarToken(t token) bool {
	return len(t.text) > 1 && (t.text[1] == '_' || t.text[1] >= 'a' && t.text[1] <= 'z' || t.text[1] >= 'A' && t.text[1] <= 'Z')
}
