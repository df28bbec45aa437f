package parser

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// ParseStmts parses the whole text as the statements of a block without
// its braces: the REPL's one-shot input (`print(@m); @limit = 10`).
// Spans are offsets into src, so diagnostics point at what the user
// typed. Like Parse it stops at the first syntax error and never panics.
func ParseStmts(src *diag.Source) (block *ast.Block, diags *diag.List) {
	diags = &diag.List{}
	text := src.Text
	p := &parser{text: text, diags: diags, prog: &ast.Program{}}
	p.sc.src = text
	p.sc.win = p.sc.windowSize()
	p.sc.start(0, "Block")
	block = &ast.Block{Pos: ast.Pos{S: diag.Span{Start: 0, End: len(text)}}}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); ok {
				return
			}
			diags.Errorf(diag.Span{}, diag.CodeInternal, "internal parser error: %v", r)
		}
	}()
	for {
		t := p.peek()
		switch {
		case t.kind == kEOF:
			return block, diags
		case t.is(";"):
			p.next()
			continue
		}
		s, simple := p.parseStmt()
		block.Stmts = append(block.Stmts, s)
		if !simple || p.accept(";") {
			continue
		}
		if p.peek().kind != kEOF {
			p.fail(p.peek(), "; or end of input")
		}
		if es, ok := s.(*ast.ExprStmt); ok {
			es.Value = true
		}
	}
}
