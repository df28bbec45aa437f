package macro

import "github.com/gobpftrace/gobpftrace/lang/ast"

// A block used as a value (a macro body, a block expression, a branch of
// an if expression) may end in an if/else whose branches all end in
// values: `macro f(x) { if x { 1 } else { 2 } }`. The parser reads such
// an if as a statement (it cannot know the block is a value); valueIfs
// turns it into an if expression, the block's value.

// valueIfs rewrites the value blocks in n.
func valueIfs(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.MacroDef:
			valueIf(n.Body)
		case *ast.BlockExpr:
			valueIf(n.Block)
		case *ast.IfExpr:
			valueIf(n.Then)
			valueIf(n.Else)
		}
		return true
	})
}

// valueIf turns a trailing value if/else of b into an if expression.
func valueIf(b *ast.Block) {
	if b == nil || len(b.Stmts) == 0 {
		return
	}
	last := len(b.Stmts) - 1
	s, ok := b.Stmts[last].(*ast.IfStmt)
	if !ok || !endsInValues(s) {
		return
	}
	x := ifExpr(s)
	b.Stmts[last] = &ast.ExprStmt{Pos: s.Pos, X: x, Value: true}
}

// endsInValues reports whether every branch of s ends in a value and the
// chain ends in an else.
func endsInValues(s *ast.IfStmt) bool {
	if !endsInValue(s.Then) {
		return false
	}
	switch e := s.Else.(type) {
	case *ast.Block:
		return endsInValue(e)
	case *ast.IfStmt:
		return endsInValues(e)
	}
	return false
}

func endsInValue(b *ast.Block) bool {
	if len(b.Stmts) == 0 {
		return false
	}
	es, ok := b.Stmts[len(b.Stmts)-1].(*ast.ExprStmt)
	return ok && es.Value
}

// ifExpr converts an if/else chain that ends in values.
func ifExpr(s *ast.IfStmt) *ast.IfExpr {
	x := &ast.IfExpr{Pos: s.Pos, Cond: s.Cond, Then: s.Then}
	switch e := s.Else.(type) {
	case *ast.Block:
		x.Else = e
	case *ast.IfStmt:
		inner := ifExpr(e)
		x.Else = &ast.Block{Pos: e.Pos, Stmts: []ast.Stmt{&ast.ExprStmt{Pos: e.Pos, X: inner, Value: true}}}
	}
	return x
}
