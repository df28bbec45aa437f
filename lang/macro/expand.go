// Package macro expands bpftrace macros before type checking.
//
// A macro is `macro name(params) { body }`; a call `name(args)` (or a bare
// `name` for a macro without parameters) is replaced by a copy of the
// body as a block expression, so the checker and codegen only ever see
// block expressions, never macros. Expansion is hygienic, as in bpftrace
// HEAD:
//
//   - a `$x` parameter takes a variable of the caller, which the body may
//     read and assign (it is renamed to the caller's variable);
//   - an `@m` parameter takes a map of the caller, likewise; any other map
//     in a body is an error ("Unhygienic access to map");
//   - an identifier parameter takes any expression, substituted wherever
//     the identifier appears (a variable or map passed this way is wrapped
//     in a block so the body cannot assign it), or a type written
//     typeof(T), substituted into casts, sizeof and offsetof;
//   - every other variable of a body belongs to the expansion: it is
//     renamed $$macro_x ($$macro_depth_x for nested expansions) and lives
//     in the expansion's block scope, so it can clash with nothing.
//
// Definitions may be overloaded by parameter kinds (strlen($v) and
// strlen(e)); a call picks the exact match, a user definition before a
// standard library one. Macros may call macros defined in any order;
// recursion is an error naming the call chain.
//
// Spans are not rewritten: nodes of an expansion keep the span of the
// macro body they were copied from (the diagnostics of a body point into
// its definition), and the block replacing a call has the call's span.
// The standard library (stdlib.go) is parsed only when a script names one
// of its macros, and its spans point into its own files.
package macro

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// maxExpansions and maxNodes bound the expansions of one script and the
// syntax tree nodes they copy: macros calling macros (or using their
// arguments) several times each grow exponentially.
const (
	maxExpansions = 10000
	maxNodes      = 200000
)

// Result describes the expansions of a script.
type Result struct {
	// Failed are the calls not expanded because of an error Expand
	// reported (the checker says nothing more about them).
	Failed map[ast.Expr]bool
	// Macros names the macro of every block that is an expansion, so
	// diagnostics inside it can name the call site.
	Macros map[*ast.BlockExpr]string
}

// Expand replaces the macro calls in the probes of prog by their
// expansions, reporting misuse to diags. Standard library files are added
// to src when the script uses them.
func Expand(src *diag.Source, prog *ast.Program, diags *diag.List) *Result {
	res := &Result{Failed: map[ast.Expr]bool{}, Macros: map[*ast.BlockExpr]string{}}
	valueIfs(prog)
	reg := &registry{byName: map[string][]*def{}}
	for _, m := range prog.Macros {
		reg.add(m, false, diags)
	}
	if usesStdlib(prog) {
		loadStdlib(src, reg, diags)
	}
	if len(reg.byName) == 0 {
		return res
	}
	x := &expander{reg: reg, diags: diags, budget: new(int), nodes: new(int), exhausted: new(bool), res: res}
	for _, p := range prog.Probes {
		if p.Pred != nil {
			p.Pred = x.expr(p.Pred)
		}
		x.walk(reflect.ValueOf(p.Body))
	}
	return res
}

// expander expands the macro calls in one context: the script (stack
// empty) or the body of one expansion.
type expander struct {
	reg   *registry
	diags *diag.List
	// stack is the chain of macros being expanded.
	stack []*def
	// vars and maps rename $var and @map parameters to the caller's
	// names; exprs are the expressions (or typeof types) of identifier
	// parameters.
	vars  map[string]string
	maps  map[string]string
	exprs map[string]ast.Expr
	// budget counts the expansions made and nodes the nodes copied
	// (shared); exhausted is set once a limit is reached.
	budget    *int
	nodes     *int
	exhausted *bool
	// res collects the results.
	res *Result
}

// inMacro reports whether x renames (it expands a macro body).
func (x *expander) inMacro() bool { return len(x.stack) > 0 }

var (
	exprType  = reflect.TypeOf((*ast.Expr)(nil)).Elem()
	stmtType  = reflect.TypeOf((*ast.Stmt)(nil)).Elem()
	varPtr    = reflect.TypeOf((*ast.Var)(nil))
	mapPtr    = reflect.TypeOf((*ast.MapExpr)(nil))
	typeExprT = reflect.TypeOf((*ast.TypeExpr)(nil))
)

// walk visits the children of the node v (a pointer to a node struct),
// replacing expressions by their expansions.
func (x *expander) walk(v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	if of, ok := v.Addr().Interface().(*ast.TypeofExpr); ok && x.typeofParam(of) {
		return // the operand is the caller's, already expanded
	}
	if let, ok := v.Addr().Interface().(*ast.LetStmt); ok && x.inMacro() {
		if _, isParam := x.vars[let.Var.Name]; isParam {
			x.diags.Errorf(let.Span(), diag.CodeDuplicate, "Variable declaration shadows macro arg %s", let.Var.Name)
			// Declare a variable of the expansion instead, so the
			// checker reports nothing more.
			delete(x.vars, let.Var.Name)
		}
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		x.field(f)
	}
}

// field processes one field of a node.
func (x *expander) field(f reflect.Value) {
	switch {
	case f.Type() == exprType:
		if !f.IsNil() {
			f.Set(reflect.ValueOf(x.expr(f.Interface().(ast.Expr))))
		}
	case f.Type() == varPtr:
		if !f.IsNil() {
			x.rename(f.Interface().(*ast.Var))
		}
	case f.Type() == mapPtr:
		if !f.IsNil() {
			x.expr(f.Interface().(*ast.MapExpr))
		}
	case f.Type() == typeExprT:
		if !f.IsNil() {
			x.typeExpr(f.Interface().(*ast.TypeExpr))
			x.walk(f) // typeof(x) operands
		}
	case f.Type() == stmtType:
		if !f.IsNil() {
			x.walk(reflect.ValueOf(f.Interface()))
		}
	case f.Kind() == reflect.Slice:
		for i := 0; i < f.Len(); i++ {
			x.field(f.Index(i))
		}
	case f.Kind() == reflect.Pointer:
		x.walk(f)
	}
}

// rename renames a variable of a macro body: a $var parameter becomes the
// caller's variable, any other variable the expansion's own.
func (x *expander) rename(v *ast.Var) {
	if !x.inMacro() {
		return
	}
	if to, ok := x.vars[v.Name]; ok {
		v.Name = to
		return
	}
	if strings.HasPrefix(v.Name, "$$") {
		return
	}
	m := x.stack[len(x.stack)-1]
	base := "$$" + m.Name
	if n := len(x.stack); n > 1 {
		base += fmt.Sprintf("_%d", n)
	}
	v.Name = base + "_" + strings.TrimPrefix(v.Name, "$")
}

// expr returns e with its macro calls expanded.
func (x *expander) expr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.Var:
		x.rename(e)
		return e
	case *ast.MapExpr:
		if x.inMacro() {
			if to, ok := x.maps[e.Name]; ok {
				e.Name = to
			} else {
				x.diags.Errorf(e.Span(), diag.CodeUnknown, "Unhygienic access to map: %s. Maps must be passed into the macro as arguments.", e.Name)
			}
		}
		for i, k := range e.Keys {
			e.Keys[i] = x.expr(k)
		}
		return e
	case *ast.Ident:
		if arg, ok := x.exprs[e.Name]; ok {
			if x.overBudget(e) {
				return e
			}
			return clone(arg, x.nodes)
		}
		return x.call(e, e.Name, nil)
	case *ast.Call:
		for i, a := range e.Args {
			e.Args[i] = x.expr(a)
		}
		return x.call(e, e.Name, e.Args)
	case *ast.Sizeof:
		if t := x.typeOfExpr(e.X); t != nil {
			e.Type, e.X = t, nil
			return e
		}
	case *ast.Offsetof:
		if len(e.Fields) == 1 {
			if id, ok := x.exprs[e.Fields[0]].(*ast.Ident); ok {
				e.Fields[0] = id.Name
			}
		}
	}
	x.walk(reflect.ValueOf(e))
	return e
}

// overBudget reports (once) and records that the expansion at n would
// exceed the limits.
func (x *expander) overBudget(n ast.Expr) bool {
	if *x.budget < maxExpansions && *x.nodes < maxNodes {
		return false
	}
	if !*x.exhausted {
		*x.exhausted = true
		x.diags.Errorf(n.Span(), diag.CodeType, "too many macro expansions (more than %d, or more than %d nodes)", maxExpansions, maxNodes)
	}
	x.res.Failed[n] = true
	return true
}

// typeOfExpr returns the type an expression names when it is a type
// parameter (t) or an array of one (t[2]), else nil.
func (x *expander) typeOfExpr(e ast.Expr) *ast.TypeExpr {
	switch e := e.(type) {
	case *ast.Ident:
		return x.typeArg(e.Name)
	case *ast.IndexExpr:
		id, ok := e.X.(*ast.Ident)
		n, isLit := e.Index.(*ast.IntLit)
		if !ok || !isLit || n.Value > 1<<20 {
			return nil
		}
		if t := x.typeArg(id.Name); t != nil && t.Array == 0 {
			t.Array = int(n.Value)
			return t
		}
	}
	return nil
}

// typeofParam substitutes a parameter that is the operand of typeof:
// with `macro m(x)` called as m(1), typeof(x) is typeof(1); called as
// m(typeof(T)), it is typeof(T). It reports whether it substituted.
func (x *expander) typeofParam(of *ast.TypeofExpr) bool {
	t := of.Type
	if t == nil || t.Ptr != 0 || t.Array != 0 || t.Of != nil {
		return false
	}
	arg, ok := x.exprs[t.Name]
	if !ok || x.overBudget(of) {
		return false
	}
	if a, isType := arg.(*ast.TypeofExpr); isType {
		c := clone(a, x.nodes)
		of.Type, of.X = c.Type, c.X
		return true
	}
	of.Type, of.X = nil, clone(arg, x.nodes)
	return true
}

// typeArg returns a copy of the type passed as typeof(T) for the
// identifier parameter name, or nil.
func (x *expander) typeArg(name string) *ast.TypeExpr {
	if t, ok := x.exprs[name].(*ast.TypeofExpr); ok && t.Type != nil {
		return clone(t.Type, x.nodes)
	}
	return nil
}

// typeExpr substitutes a type parameter in a type: with `macro m(t)`
// called as m(typeof(uint8)), `(t *)x` becomes `(uint8 *)x`.
func (x *expander) typeExpr(t *ast.TypeExpr) {
	if strings.ContainsRune(t.Name, ' ') {
		// struct t: a parameter may name the struct.
		kw, name, _ := strings.Cut(t.Name, " ")
		if id, ok := x.exprs[name].(*ast.Ident); ok {
			t.Name = kw + " " + id.Name
		}
		return
	}
	if id, ok := x.exprs[t.Name].(*ast.Ident); ok {
		t.Name = id.Name
		return
	}
	if a := x.typeArg(t.Name); a != nil {
		t.Name = a.Name
		t.Ptr += a.Ptr
		if a.Array != 0 {
			t.Array = a.Array
		}
	}
}

// call expands a call of name (node n, a *ast.Call or a bare *ast.Ident)
// with args, which are already expanded, or returns n when no macro has
// that name.
func (x *expander) call(n ast.Expr, name string, args []ast.Expr) ast.Expr {
	onlyStdlib := x.inMacro() && x.stack[len(x.stack)-1].stdlib
	m, closest := x.reg.lookup(name, args, onlyStdlib)
	if _, bare := n.(*ast.Ident); bare && m != nil && m.stdlib && isBuiltinVar(name) {
		// A bare builtin (comm) is the builtin itself, not the standard
		// library's wrapper for comm().
		return n
	}
	if m == nil {
		if closest != nil && !closest.stdlib {
			x.mismatch(n, name, args, closest)
			x.res.Failed[n] = true
		}
		return n
	}
	for i, s := range x.stack {
		if s == m {
			chain := make([]string, 0, len(x.stack)-i+1)
			for _, t := range x.stack[i:] {
				chain = append(chain, t.Name)
			}
			chain = append(chain, m.Name)
			x.diags.Errorf(n.Span(), diag.CodeType, "Recursive macro call detected. Call chain: %s", strings.Join(chain, " > "))
			x.res.Failed[n] = true
			return n
		}
	}
	if x.overBudget(n) {
		return n
	}
	*x.budget++
	inner := &expander{reg: x.reg, diags: x.diags, budget: x.budget, nodes: x.nodes, exhausted: x.exhausted, res: x.res,
		stack: append(x.stack[:len(x.stack):len(x.stack)], m),
		vars:  map[string]string{}, maps: map[string]string{}, exprs: map[string]ast.Expr{}}
	for i, p := range m.Params {
		switch p := p.(type) {
		case *ast.Var:
			inner.vars[p.Name] = args[i].(*ast.Var).Name
		case *ast.MapExpr:
			inner.maps[p.Name] = args[i].(*ast.MapExpr).Name
		case *ast.Ident:
			a := args[i]
			switch a.(type) {
			case *ast.Var, *ast.MapExpr:
				// A block keeps the body from assigning the caller's
				// variable or map.
				a = &ast.BlockExpr{Pos: ast.Pos{S: a.Span()}, Block: &ast.Block{Pos: ast.Pos{S: a.Span()},
					Stmts: []ast.Stmt{&ast.ExprStmt{Pos: ast.Pos{S: a.Span()}, X: a, Value: true}}}}
			}
			inner.exprs[p.Name] = a
		}
	}
	if lit := literalBody(m.Body); lit != nil {
		// A literal needs no block: `macro fmt() { "%d\n" }` can be
		// printf's format.
		lit = clone(lit, x.nodes)
		setSpan(lit, n.Span())
		return lit
	}
	body := clone(m.Body, x.nodes)
	inner.walk(reflect.ValueOf(body))
	body.Pos = ast.Pos{S: n.Span()}
	b := &ast.BlockExpr{Pos: ast.Pos{S: n.Span()}, Block: body}
	x.res.Macros[b] = m.Name
	return b
}

// mismatch reports a call of a user macro whose arguments fit none of
// its definitions.
func (x *expander) mismatch(n ast.Expr, name string, args []ast.Expr, m *def) {
	if len(m.Params) != len(args) {
		if _, bare := n.(*ast.Ident); bare {
			x.diags.Errorf(n.Span(), diag.CodeArgs, "Call to %s() has the wrong number of arguments. Expected: %d but got 0.", name, len(m.Params))
			return
		}
		x.diags.Errorf(n.Span(), diag.CodeArgs, "Call to %s() has arguments that do not match any definition.", name).
			Hint("The closest definition of %s() has a different number of arguments. Expected: %d but got %d", name, len(m.Params), len(args))
		return
	}
	x.diags.Errorf(n.Span(), diag.CodeArgs, "Call to %s() has arguments that do not match any definition.", name)
	for i, p := range m.Params {
		got := "an expression"
		switch args[i].(type) {
		case *ast.Var:
			got = "a variable"
		case *ast.MapExpr:
			if isMap(args[i]) {
				got = "a map"
			}
		}
		switch p := p.(type) {
		case *ast.Var:
			if got != "a variable" {
				x.diags.Errorf(args[i].Span(), diag.CodeArgs, "Mismatched arg. %s() expects a variable for arg %s but got %s.", name, p.Name, got)
			}
		case *ast.MapExpr:
			if got != "a map" {
				x.diags.Errorf(args[i].Span(), diag.CodeArgs, "Mismatched arg. %s() expects a map for arg %s but got %s.", name, p.Name, got)
			}
		}
	}
}

// literalBody returns the literal a macro body consists of, or nil.
func literalBody(b *ast.Block) ast.Expr {
	if len(b.Stmts) != 1 {
		return nil
	}
	es, ok := b.Stmts[0].(*ast.ExprStmt)
	if !ok || !es.Value {
		return nil
	}
	switch es.X.(type) {
	case *ast.StrLit, *ast.IntLit, *ast.BoolLit:
		return es.X
	}
	return nil
}

// setSpan sets the span of a literal.
func setSpan(x ast.Expr, span diag.Span) {
	switch x := x.(type) {
	case *ast.StrLit:
		x.S = span
	case *ast.IntLit:
		x.S = span
	case *ast.BoolLit:
		x.S = span
	}
}
