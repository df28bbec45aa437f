package parser

import (
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// notExpr are the keywords that cannot begin an expression.
var notExpr = map[string]bool{
	"else": true, "while": true, "unroll": true, "for": true, "return": true,
	"break": true, "continue": true, "let": true, "import": true,
	"macro": true, "fn": true, "struct": true, "union": true, "enum": true,
}

// binPrec gives the precedence of the binary operators (table 4.5 of the
// grammar; all are left-associative). 0 means "not a binary operator".
var binPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
	"==": 6, "!=": 6,
	"<": 7, "<=": 7, ">": 7, ">=": 7,
	"<<": 8, ">>": 8,
	"+": 9, "-": 9,
	"*": 10, "/": 10, "%": 10,
}

// parseExpr parses a full expression: a ternary or anything tighter. With
// noBlock set (conditions of if/while/unroll/for), a '{' never starts an
// operand, so the statement's block is not swallowed by the condition.
func (p *parser) parseExpr(noBlock bool) ast.Expr {
	t := p.peek()
	p.enter(t)
	defer p.leave()
	cond := p.parseBinary(1, noBlock)
	if !p.at("?") {
		return cond
	}
	p.next()
	if p.accept(":") { // elvis a ?: b
		els := p.parseExpr(noBlock)
		return &ast.Ternary{Pos: p.pos(t.pos), Cond: cond, Else: els}
	}
	then := p.parseExpr(noBlock)
	p.expect(":")
	els := p.parseExpr(noBlock)
	return &ast.Ternary{Pos: p.pos(t.pos), Cond: cond, Then: then, Else: els}
}

// parseBinary parses operators of precedence minPrec and above by
// precedence climbing.
func (p *parser) parseBinary(minPrec int, noBlock bool) ast.Expr {
	start := p.peek().pos
	x := p.parseUnary(noBlock)
	for {
		op := p.peek()
		if op.kind != kPunct {
			return x
		}
		prec := binPrec[op.text]
		if prec == 0 || prec < minPrec {
			return x
		}
		p.next()
		y := p.parseBinary(prec+1, noBlock)
		x = &ast.Binary{Pos: p.pos(start), Op: op.text, OpSpan: op.span(), X: x, Y: y}
	}
}

// parseUnary parses prefix operators and casts, then a postfix expression.
func (p *parser) parseUnary(noBlock bool) ast.Expr {
	t := p.peek()
	p.enter(t)
	defer p.leave()
	if t.kind == kPunct {
		switch t.text {
		case "-", "!", "~", "*", "&":
			p.next()
			x := p.parseUnary(noBlock)
			return &ast.Unary{Pos: p.pos(t.pos), Op: t.text, X: x}
		case "++", "--":
			p.next()
			x := p.parseUnary(noBlock)
			return &ast.IncDec{Pos: p.pos(t.pos), X: x, Op: t.text, Prefix: true}
		case "(":
			if p.isCast() {
				p.next()
				typ := p.parseType()
				p.expect(")")
				x := p.parseUnary(noBlock)
				return &ast.Cast{Pos: p.pos(t.pos), Type: typ, X: x}
			}
		}
	}
	return p.parsePostfix(noBlock)
}

// parsePostfix parses a primary followed by field accesses, tuple indexes,
// subscripts and postfix ++/--.
func (p *parser) parsePostfix(noBlock bool) ast.Expr {
	start := p.peek().pos
	x := p.parsePrimary(noBlock)
	for {
		t := p.peek()
		if t.kind != kPunct {
			return x
		}
		switch t.text {
		case ".":
			p.next()
			f := p.peek()
			switch f.kind {
			case kIdent:
				p.next()
				x = &ast.FieldExpr{Pos: p.pos(start), X: x, Name: f.text}
			case kNumber:
				p.next()
				x = &ast.TupleIndex{Pos: p.pos(start), X: x, Index: p.tupleIndex(f)}
			default:
				p.fail(f, "identifier")
			}
		case "->":
			p.next()
			f := p.expectIdent()
			x = &ast.FieldExpr{Pos: p.pos(start), X: x, Name: f.text, Arrow: true}
		case "[":
			p.next()
			i := p.parseExpr(false)
			p.expect("]")
			x = &ast.IndexExpr{Pos: p.pos(start), X: x, Index: i}
		case "++", "--":
			p.next()
			x = &ast.IncDec{Pos: p.pos(start), X: x, Op: t.text}
		default:
			return x
		}
	}
}

// tupleIndex decodes the N of `x.N`; it must be plain decimal digits.
func (p *parser) tupleIndex(t token) int {
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 || n > 1<<20 {
		p.errorf(t.span(), "invalid tuple index: %s", t.text)
		return 0
	}
	return n
}

// parsePrimary parses literals, names, calls, maps, parenthesised forms,
// block expressions and the keyword expressions.
func (p *parser) parsePrimary(noBlock bool) ast.Expr {
	t := p.peek()
	switch t.kind {
	case kNumber:
		p.next()
		return p.intLit(t)
	case kString:
		p.next()
		return &ast.StrLit{Pos: ast.Pos{S: t.span()}, Value: p.decodeString(t)}
	case kDollar:
		p.next()
		return p.dollar(t)
	case kMap:
		p.next()
		m := &ast.MapExpr{Name: t.text}
		if p.accept("[") {
			m.Keys = p.exprList("]")
		}
		m.Pos = p.pos(t.pos)
		return m
	case kIdent:
		return p.parseIdentPrimary(t, noBlock)
	case kPunct:
		switch t.text {
		case "(":
			return p.parseParen()
		case "{":
			if !noBlock {
				b := p.parseBlock()
				valueTail(b)
				return &ast.BlockExpr{Pos: b.Pos, Block: b}
			}
		}
	}
	p.fail(t, "")
	return nil
}

// dollar converts a consumed Dollar token: $name, $N or $#.
func (p *parser) dollar(t token) ast.Expr {
	pos := ast.Pos{S: t.span()}
	switch {
	case t.text == "$#":
		return &ast.ParamCount{Pos: pos}
	case isVarToken(t):
		return &ast.Var{Pos: pos, Name: t.text}
	}
	n, err := strconv.Atoi(t.text[1:])
	if err != nil || n > 1<<20 {
		p.errorf(t.span(), "invalid positional parameter: %s", t.text)
		n = 0
	}
	return &ast.ParamExpr{Pos: pos, N: n}
}

// exprList parses `e {, e} close` after the opening bracket; close is
// consumed.
func (p *parser) exprList(close string) []ast.Expr {
	xs := []ast.Expr{p.parseExpr(false)}
	for p.accept(",") {
		xs = append(xs, p.parseExpr(false))
	}
	p.expect(close)
	return xs
}

// parseIdentPrimary parses an expression starting with an identifier:
// true/false, sizeof, offsetof, typeof/typeinfo, comptime, if-expressions,
// calls and bare identifiers.
func (p *parser) parseIdentPrimary(t token, noBlock bool) ast.Expr {
	open := p.peekAt(1).is("(")
	switch t.text {
	case "true", "false":
		p.next()
		return &ast.BoolLit{Pos: ast.Pos{S: t.span()}, Value: t.text == "true"}
	case "sizeof":
		if open {
			p.next()
			p.next()
			s := &ast.Sizeof{}
			s.Type, s.X = p.typeOrExpr()
			p.expect(")")
			s.Pos = p.pos(t.pos)
			return s
		}
	case "offsetof":
		if open {
			return p.parseOffsetof()
		}
	case "typeof", "typeinfo":
		if open {
			p.next()
			p.next()
			s := &ast.TypeofExpr{Keyword: t.text}
			s.Type, s.X = p.typeOrExpr()
			p.expect(")")
			s.Pos = p.pos(t.pos)
			return s
		}
	case "comptime":
		p.next()
		x := p.parseUnary(noBlock)
		return &ast.ComptimeExpr{Pos: p.pos(t.pos), X: x}
	case "if":
		return p.parseIfExpr()
	}
	if notExpr[t.text] {
		p.fail(t, "")
	}
	p.next()
	if !open {
		return &ast.Ident{Pos: ast.Pos{S: t.span()}, Name: t.text}
	}
	p.next()
	c := &ast.Call{Name: t.text, NameSpan: t.span()}
	if !p.accept(")") {
		c.Args = p.exprList(")")
	}
	c.Pos = p.pos(t.pos)
	return c
}

// parseOffsetof parses `offsetof(T|expr, a.b.c)`.
func (p *parser) parseOffsetof() ast.Expr {
	kw := p.next()
	p.next()
	o := &ast.Offsetof{}
	o.Type, o.X = p.typeOrExpr()
	p.expect(",")
	o.Fields = append(o.Fields, p.expectIdent().text)
	for p.accept(".") {
		o.Fields = append(o.Fields, p.expectIdent().text)
	}
	p.expect(")")
	o.Pos = p.pos(kw.pos)
	return o
}

// parseIfExpr parses `if cond { a } [else { b } | else if …]` in expression
// position. An `else if` chain is wrapped in a block whose value is the
// nested if-expression.
func (p *parser) parseIfExpr() *ast.IfExpr {
	kw := p.next()
	e := &ast.IfExpr{Cond: p.parseExpr(true)}
	e.Then = p.parseBlock()
	valueTail(e.Then)
	if p.peek().isIdent("else") {
		p.next()
		if p.peek().isIdent("if") {
			inner := p.parseIfExpr()
			e.Else = &ast.Block{Pos: inner.Pos, Stmts: []ast.Stmt{&ast.ExprStmt{Pos: inner.Pos, X: inner, Value: true}}}
		} else {
			e.Else = p.parseBlock()
			valueTail(e.Else)
		}
	}
	e.Pos = p.pos(kw.pos)
	return e
}

// valueTail makes an if statement that ends a block in expression
// position, and whose branches all end in a value, the block's value:
// `{ if c { 1 } else { 2 } }` is the if expression, at any depth.
func valueTail(b *ast.Block) {
	if n := len(b.Stmts); n > 0 {
		if s, ok := b.Stmts[n-1].(*ast.IfStmt); ok {
			if e := ifValue(s); e != nil {
				b.Stmts[n-1] = &ast.ExprStmt{Pos: s.Pos, X: e, Value: true}
			}
		}
	}
}

// ifValue converts s to an if expression when it has an else and every
// branch ends in a value (after valueTail); nil otherwise, leaving s as
// it was.
func ifValue(s *ast.IfStmt) *ast.IfExpr {
	var els *ast.Block
	switch e := s.Else.(type) {
	case *ast.Block:
		els = e
	case *ast.IfStmt:
		inner := ifValue(e)
		if inner == nil {
			return nil
		}
		els = &ast.Block{Pos: inner.Pos, Stmts: []ast.Stmt{&ast.ExprStmt{Pos: inner.Pos, X: inner, Value: true}}}
	default:
		return nil
	}
	if !endsInValue(s.Then) || !endsInValue(els) {
		return nil
	}
	return &ast.IfExpr{Pos: s.Pos, Cond: s.Cond, Then: s.Then, Else: els}
}

// endsInValue applies valueTail to b and reports whether b ends in a
// value.
func endsInValue(b *ast.Block) bool {
	valueTail(b)
	if n := len(b.Stmts); n > 0 {
		if es, ok := b.Stmts[n-1].(*ast.ExprStmt); ok && es.Value {
			return true
		}
	}
	return false
}

// parseParen parses the forms starting with '(' that are not casts: the
// empty tuple, records, tuples (a trailing comma is allowed, so `(1,)` is a
// one-element tuple) and parenthesised expressions.
func (p *parser) parseParen() ast.Expr {
	open := p.next()
	if p.accept(")") {
		return &ast.Tuple{Pos: p.pos(open.pos)}
	}
	if p.peek().kind == kIdent && p.peekAt(1).is("=") {
		r := &ast.Record{}
		for {
			name := p.expectIdent()
			p.expect("=")
			r.Names = append(r.Names, name.text)
			r.Values = append(r.Values, p.parseExpr(false))
			if !p.accept(",") || p.at(")") {
				break
			}
		}
		p.expect(")")
		r.Pos = p.pos(open.pos)
		return r
	}
	x := p.parseExpr(false)
	if !p.at(",") {
		p.expect(")")
		return x
	}
	tup := &ast.Tuple{Elems: []ast.Expr{x}}
	for p.accept(",") && !p.at(")") {
		tup.Elems = append(tup.Elems, p.parseExpr(false))
	}
	p.expect(")")
	tup.Pos = p.pos(open.pos)
	return tup
}
