package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Block expressions, if expressions and the ?: operator. A block
// expression runs its statements and yields its trailing value; its
// variables have symbols of their own (the checker scopes them), so code
// generation is just the statements followed by the value. Macro
// expansions reach codegen as block expressions.

// blockStmts compiles the statements of a block expression and returns
// its value (nil when it has none).
func (g *gen) blockStmts(b *ast.Block) ast.Expr {
	stmts, value := check.BlockValue(b)
	for _, s := range stmts {
		m := g.e.mark()
		g.stmt(s)
		g.e.release(m)
	}
	return value
}

// blockInt evaluates a block expression with a scalar value into R0.
func (g *gen) blockInt(b *ast.Block) {
	if v := g.blockStmts(b); v != nil {
		g.intExpr(v)
	}
}

// blockValueTo writes the value of a block expression at dst.
func (g *gen) blockValueTo(b *ast.Block, dst loc, dt types.Type) {
	if v := g.blockStmts(b); v != nil {
		g.valueTo(v, dst, dt)
	}
}

// blockExprStmt runs a block expression for its effects.
func (g *gen) blockExprStmt(b *ast.Block) {
	if v := g.blockStmts(b); v != nil {
		g.exprStmt(v)
	}
}

// ifExprStmt runs an if expression for its effects.
func (g *gen) ifExprStmt(x *ast.IfExpr) {
	var els func()
	if x.Else != nil {
		els = func() { g.blockExprStmt(x.Else) }
	}
	g.ifElse(x.Cond, func() { g.blockExprStmt(x.Then) }, els)
}

// elvisInt evaluates the scalar `a ?: b` into R0: a when it is not zero,
// else b.
func (g *gen) elvisInt(x *ast.Ternary) {
	end := g.e.newLabel("elvis")
	g.intExpr(x.Cond)
	g.e.emit(asm.JNE.Imm(asm.R0, 0, end))
	g.intExpr(x.Else)
	g.e.place(end)
}

// elvisTo writes the value of `a ?: b` at dst: a when it is true (a
// non-empty string), else b.
func (g *gen) elvisTo(x *ast.Ternary, dst loc, dt types.Type) {
	end := g.e.newLabel("elvis")
	g.valueTo(x.Cond, dst, dt)
	g.e.emit(asm.LoadMem(asm.R0, dst.base, dst.off, asm.Byte))
	g.e.emit(asm.JNE.Imm(asm.R0, 0, end))
	g.valueTo(x.Else, dst, dt)
	g.e.place(end)
}

// hasStmts reports whether x contains statements (a block or if
// expression): evaluating it may emit events of its own, which must not
// happen while a record is reserved.
func hasStmts(x ast.Expr) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.BlockExpr, *ast.IfExpr:
			found = true
		}
		return !found
	})
	return found
}

// hoistStmts evaluates the event arguments that contain statements into
// temporaries before the record is reserved; the returned locations (by
// argument index) are copied into the record instead.
func (g *gen) hoistStmts(args []eventArg) map[int]loc {
	var out map[int]loc
	for i, a := range args {
		if !hasStmts(a.x) {
			continue
		}
		if out == nil {
			out = map[int]loc{}
		}
		l := g.e.slot(max(a.t.Size(), 8))
		g.valueTo(a.x, l, a.t)
		out[i] = l
	}
	return out
}
