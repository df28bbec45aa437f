package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Scratch variables are lexically scoped, as in bpftrace HEAD: a variable
// first assigned (or declared with let) inside a block exists until the end
// of that block and is unknown after it, so two sibling blocks may each
// have their own $x, even of different types. A let may not shadow a
// variable of an enclosing scope ("Variable $x was already declared").
// Every block is a scope: probe bodies, if/else branches, loop bodies and
// block expressions (macro expansions are block expressions, which is how
// a macro's own variables stay out of its caller's way).
//
// Each declaration gets its own VarSym, which is all codegen sees: a slot
// per symbol.
//
// One exception keeps the scripts written for bpftrace 0.20 and earlier
// running (tcpconnect.bt of those releases assigns $saddr in both branches
// of an if and prints it after): there, a variable lived until the end of
// its probe. A variable first assigned without let in a block and used
// after that block ends is hoisted: the first pass notes the use, and the
// second declares the variable at the top of the probe, as `let $x;`
// would, so every branch assigns the same variable and it reads as zero
// where none did. The use is a warning that says how to write it for
// bpftrace HEAD, which refuses it. Variables declared with let, loop
// variables and those of macros keep their strict scope.

// scope is one level of the scope chain.
type scope struct {
	vars   map[string]*VarSym
	parent *scope
}

// pushScope opens a nested scope.
func (c *checker) pushScope() {
	c.scope = &scope{vars: map[string]*VarSym{}, parent: c.scope}
}

// popScope closes the innermost scope, retiring its implicitly declared
// variables.
func (c *checker) popScope() {
	for name, sym := range c.scope.vars {
		if sym.implicit && !sym.poisoned && c.retired != nil {
			c.retired[name] = true
		}
	}
	c.scope = c.scope.parent
}

// undeclared reports the use of v, which no scope declares; a variable
// assigned in a block that has ended is hoisted for the next pass.
func (c *checker) undeclared(v *ast.Var) {
	if c.retired[v.Name] && c.probe != nil && !c.inMacro(v) {
		if c.hoisted == nil {
			c.hoisted = map[*ast.Probe]map[string]*ast.Var{}
		}
		if c.hoisted[c.probe] == nil {
			c.hoisted[c.probe] = map[string]*ast.Var{}
		}
		if _, ok := c.hoisted[c.probe][v.Name]; !ok {
			c.hoisted[c.probe][v.Name] = v
			return
		}
	}
	c.errorf(v, diag.CodeUnknown, "Undefined or undeclared variable: %s", v.Name)
}

// hoistVars declares the hoisted variables of p in the probe's scope.
func (c *checker) hoistVars(p *ast.Probe) {
	for name, use := range c.hoisted[p] {
		sym := &VarSym{Name: name, Decl: use.Span(), let: use, origin: use, Type: c.learnedType(use)}
		c.declareVar(sym)
		c.warnf(use, diag.CodeUnknown, "Variable %s is used outside the block that assigned it, which bpftrace 0.21 and later refuse: declare it with 'let %s;' before that block", name, name)
	}
}

// inMacro reports whether v lies in the body of a macro being expanded
// (not in the arguments written at its call).
func (c *checker) inMacro(v *ast.Var) bool {
	if len(c.expanding) == 0 {
		return false
	}
	site := c.expanding[len(c.expanding)-1].Span()
	return !(v.Span().Start >= site.Start && v.Span().End <= site.End)
}

// lookupVar finds the variable name in the scope chain.
func (c *checker) lookupVar(name string) (*VarSym, bool) {
	for s := c.scope; s != nil; s = s.parent {
		if sym, ok := s.vars[name]; ok {
			return sym, true
		}
	}
	return nil, false
}

// declareVar adds sym to the innermost scope.
func (c *checker) declareVar(sym *VarSym) {
	c.scope.vars[sym.Name] = sym
	c.allVars = append(c.allVars, sym)
}

// blockExpr checks `{ stmts; value }` (the block of e, nil for the
// branches of an if expression): the statements in a scope of their
// own, then the value, whose type is the block's. A block without a
// trailing value has type void (it can only be used as a statement).
func (c *checker) blockExpr(e ast.Expr, b *ast.Block) types.Type {
	c.pushScope()
	defer c.popScope()
	if x, ok := e.(*ast.BlockExpr); ok && c.macros.Macros[x] != "" {
		c.expanding = append(c.expanding, x)
		defer func() { c.expanding = c.expanding[:len(c.expanding)-1] }()
	}
	stmts, value := splitValue(b)
	for i := range stmts {
		stmts[i] = aggBlockAssign(stmts[i])
		c.stmt(stmts[i])
	}
	if value == nil {
		return &types.Void{}
	}
	if call, ok := value.(*ast.Call); ok {
		t := c.call(call, nil)
		if t != nil {
			c.tab.Types[value] = t
		}
		return t
	}
	t := c.expr(value)
	if len(stmts) == 0 && e != nil {
		// { 1 } and { "s" } are constants (a macro whose body is a
		// literal can give printf its format).
		if n, ok := c.tab.Consts[value]; ok {
			c.tab.Consts[e] = n
		}
		if s, ok := c.tab.StrConsts[value]; ok {
			c.tab.StrConsts[e] = s
		}
	}
	return t
}

// splitValue splits a block into its statements and trailing value
// expression (nil when the block does not end in one).
func splitValue(b *ast.Block) ([]ast.Stmt, ast.Expr) {
	if n := len(b.Stmts); n > 0 {
		if es, ok := b.Stmts[n-1].(*ast.ExprStmt); ok && es.Value {
			return b.Stmts[:n-1], es.X
		}
	}
	return b.Stmts, nil
}

// BlockValue returns the statements of a block expression and its value
// (nil when the block has none), for codegen.
func BlockValue(b *ast.Block) ([]ast.Stmt, ast.Expr) { return splitValue(b) }

// ifExpr checks `if c { a } else { b }` used as a value: both branches are
// block expressions and must agree in type, as a ternary's.
func (c *checker) ifExpr(e *ast.IfExpr) types.Type {
	ct := c.expr(e.Cond)
	a := c.blockExpr(nil, e.Then)
	var b types.Type = &types.Void{}
	if e.Else != nil {
		b = c.blockExpr(nil, e.Else)
	}
	if ct == nil || a == nil || b == nil {
		return nil
	}
	if !c.truthy(ct) {
		c.errorf(e.Cond, diag.CodeType, "invalid condition type: %s", ct)
		return nil
	}
	return c.branchType(e, a, b)
}

// branchType is the type of a conditional whose branches have types a
// and b (ternary, ?:, if expression).
func (c *checker) branchType(at ast.Node, a, b types.Type) types.Type {
	switch {
	case types.IsInt(a) && types.IsInt(b):
		if _, ok := a.(*types.Bool); ok {
			if _, ok := b.(*types.Bool); ok {
				return a
			}
		}
		return arith(a, b)
	case types.IsString(a) && types.IsString(b):
		return &types.String{Cap: max(a.Size(), b.Size())}
	case isBuffer(a) && isBuffer(b):
		return &types.Buffer{Cap: max(a.(*types.Buffer).Cap, b.(*types.Buffer).Cap)}
	case types.Identical(a, b):
		return a
	}
	c.errorf(at, diag.CodeType, "Ternary operator must return the same type: have '%s' and '%s'", a, b)
	return nil
}

// elvis checks `a ?: b`: a if it is true, else b; a is evaluated once.
func (c *checker) elvis(t *ast.Ternary, ct types.Type) types.Type {
	b := c.expr(t.Else)
	if ct == nil || b == nil {
		return nil
	}
	if !c.truthy(ct) {
		c.errorf(t.Cond, diag.CodeType, "invalid condition type: %s", ct)
		return nil
	}
	return c.branchType(t, ct, b)
}

// expansionHint names the call site of the innermost macro expansion
// being checked when d lies in the macro's body (not in the arguments
// written at the call).
func (c *checker) expansionHint(d *diag.Diagnostic) {
	if len(c.expanding) == 0 {
		return
	}
	x := c.expanding[len(c.expanding)-1]
	if site := x.Span(); d.Span.Start >= site.Start && d.Span.End <= site.End {
		return
	}
	f, off := c.src.Locate(x.Span().Start)
	line, col := f.Position(off)
	d.Hint("in the expansion of macro %s() at %s:%d:%d", c.macros.Macros[x], f.Name, line, col)
}

func isBuffer(t types.Type) bool {
	_, ok := t.(*types.Buffer)
	return ok
}
