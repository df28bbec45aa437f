package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func (c *checker) block(b *ast.Block) {
	if b == nil {
		return
	}
	c.pushScope()
	defer c.popScope()
	warned := false
	for i := range b.Stmts {
		s := aggBlockAssign(b.Stmts[i])
		b.Stmts[i] = s
		c.stmt(s)
		if !warned && i+1 < len(b.Stmts) && c.terminates(s) {
			// The first statement after the jump, as bpftrace warns.
			c.warnf(b.Stmts[i+1], diag.CodeType, "Unreachable statement.")
			warned = true
		}
	}
}

// aggBlockAssign rewrites `@m = { stmts; agg(x) }` (a block expression,
// such as a macro's expansion, whose value is an aggregation) into the
// block statement `{ stmts; @m = agg(x) }`, so the aggregation is assigned
// directly to the map as it must be; other statements are returned as
// they are. The rewrite is done once, in place.
func aggBlockAssign(s ast.Stmt) ast.Stmt {
	as, ok := s.(*ast.AssignStmt)
	if !ok || as.Op != "=" {
		return s
	}
	m, ok := as.Target.(*ast.MapExpr)
	if !ok {
		return s
	}
	x, ok := as.Value.(*ast.BlockExpr)
	if !ok || !endsInAgg(x.Block) {
		return s
	}
	sinkAgg(x.Block, m, as)
	return &ast.ExprStmt{Pos: as.Pos, X: x}
}

// endsInAgg reports whether the value of block b is an aggregation call,
// directly or as the value of nested block expressions.
func endsInAgg(b *ast.Block) bool {
	_, value := splitValue(b)
	switch v := value.(type) {
	case *ast.Call:
		id, ok := stdlib.LookupFunc(v.Name)
		return ok && stdlib.Funcs[id].Has(stdlib.Aggregation)
	case *ast.BlockExpr:
		return endsInAgg(v.Block)
	}
	return false
}

// sinkAgg replaces the value of b (see endsInAgg) with the assignment of
// the aggregation to m.
func sinkAgg(b *ast.Block, m *ast.MapExpr, as *ast.AssignStmt) {
	last := len(b.Stmts) - 1
	tail := b.Stmts[last].(*ast.ExprStmt)
	if inner, ok := tail.X.(*ast.BlockExpr); ok {
		sinkAgg(inner.Block, m, as)
		b.Stmts[last] = &ast.ExprStmt{Pos: tail.Pos, X: inner}
		return
	}
	b.Stmts[last] = &ast.AssignStmt{Pos: as.Pos, Target: m, Op: "=", Value: tail.X}
}

// terminates reports whether control never passes from s to the
// statement after it: exit(), return, break and continue.
func (c *checker) terminates(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt, *ast.BreakStmt, *ast.ContinueStmt:
		return true
	case *ast.ExprStmt:
		call, ok := s.X.(*ast.Call)
		return ok && c.tab.Calls[call] == stdlib.Exit
	}
	return false
}

func (c *checker) stmt(s ast.Stmt) {
	c.cur = s
	switch s := s.(type) {
	case *ast.ExprStmt:
		if call, ok := s.X.(*ast.Call); ok {
			c.call(call, nil)
			return
		}
		c.expr(s.X)
	case *ast.AssignStmt:
		c.assign(s)
	case *ast.LetStmt:
		c.let(s)
	case *ast.DiscardStmt:
		c.expr(s.Value)
	case *ast.IfStmt:
		c.cond(s.Cond)
		c.block(s.Then)
		if s.Else != nil {
			c.stmt(s.Else)
		}
	case *ast.WhileStmt:
		c.cond(s.Cond)
		c.loop++
		c.block(s.Body)
		c.loop--
	case *ast.UnrollStmt:
		c.expr(s.Count)
		n, ok := c.tab.Consts[s.Count]
		switch {
		case !ok:
			c.errorf(s.Count, diag.CodeType, "unroll count must be a constant integer")
		case n < 1:
			c.errorf(s.Count, diag.CodeType, "unroll minimum value is 1")
		case n > 100:
			c.errorf(s.Count, diag.CodeType, "unroll maximum value is 100")
		}
		c.block(s.Body)
	case *ast.ForStmt:
		c.forStmt(s)
	case *ast.ReturnStmt:
		if s.Value != nil {
			if t := c.expr(s.Value); t != nil && !types.IsInt(t) {
				c.errorf(s, diag.CodeType, "Probe return values can only be integers. Found %s", t)
			}
		}
	case *ast.BreakStmt:
		if c.loop == 0 {
			c.errorf(s, diag.CodeSyntax, "'break' statement is not in a loop")
		}
	case *ast.ContinueStmt:
		if c.loop == 0 {
			c.errorf(s, diag.CodeSyntax, "'continue' statement is not in a loop")
		}
	case *ast.ImportStmt:
		c.errorf(s, diag.CodeUnsupported, "import is not supported yet")
	case *ast.Block:
		c.block(s)
	default:
		c.errorf(s, diag.CodeInternal, "unexpected statement %T", s)
	}
}

func (c *checker) cond(e ast.Expr) {
	t := c.expr(e)
	if t != nil && !c.truthy(t) {
		c.errorf(e, diag.CodeType, "invalid condition type: %s", t)
	}
}

func (c *checker) let(s *ast.LetStmt) {
	if _, ok := c.lookupVar(s.Var.Name); ok {
		c.errorf(s.Var, diag.CodeDuplicate, "Variable %s was already declared. Variable shadowing is not allowed.", s.Var.Name)
		return
	}
	sym := &VarSym{Name: s.Var.Name, Decl: s.Var.Span(), let: s.Var, origin: s.Var}
	switch {
	case s.Type != nil:
		sym.Type = c.typeExpr(s.Type)
		sym.sized = true
	default:
		// `let $a;` reads as zero until assigned; its type is that of
		// the assignments that follow (learned in the first pass).
		sym.Type = c.learnedType(s.Var)
	}
	c.declareVar(sym)
	c.tab.Vars[s.Var] = sym
	if s.Value != nil {
		c.assignVar(s.Var, "=", s.Value, s)
	}
}

func (c *checker) assign(s *ast.AssignStmt) {
	switch t := s.Target.(type) {
	case *ast.Var:
		c.assignVar(t, s.Op, s.Value, s)
	case *ast.MapExpr:
		if s.Op != "=" {
			vt := c.expr(s.Value)
			if vt == nil {
				return
			}
			if !types.IsInt(vt) {
				c.errorf(s.Value, diag.CodeType, "compound assignment needs an integer, have %s", vt)
				return
			}
			if pt := c.pointerMap(t); pt != nil && (s.Op == "+=" || s.Op == "-=") {
				c.mapAssign(t, pt, s) // moves by whole elements
				return
			}
			if mt := c.mapAssign(t, types.Int64, s); mt != nil && !types.IsInt(mt) {
				c.errorf(s, diag.CodeType, "compound assignment to map %s of type %s", t.Name, mt)
			}
			return
		}
		if call, ok := s.Value.(*ast.Call); ok {
			if id, ok := stdlib.LookupFunc(call.Name); ok && stdlib.Funcs[id].Has(stdlib.Aggregation) {
				vt := c.call(call, t)
				if vt != nil {
					c.mapAssign(t, c.stored(vt), s)
				}
				return
			}
		}
		// The value may read the map itself (@sum = @sum + $x) before
		// anything else assigned it: see mapRead.
		outer := c.selfAssign
		c.selfAssign = t.Name
		vt := c.valueOf(s.Value)
		c.selfAssign = outer
		if vt == nil {
			return
		}
		if !storable(vt) {
			c.errorf(s.Value, diag.CodeType, "values of type %s cannot be stored in a map", vt)
			return
		}
		c.mapAssign(t, c.stored(vt), s)
	case *ast.TupleIndex:
		c.errorf(s.Target, diag.CodeType, "Tuples are immutable once created")
	default:
		c.errorf(s.Target, diag.CodeType, "can only assign to a variable or a map")
	}
}

// stored is the type a map keeps values of type t in: t itself, or,
// for the persistent maps of an interactive session (Config.Persistent),
// t with its integers (also in tuples and records) widened to 64 bits.
func (c *checker) stored(t types.Type) types.Type {
	if !c.cfg.Persistent {
		return t
	}
	switch x := t.(type) {
	case *types.Int:
		return valueType(x)
	case *types.Tuple:
		elems := make([]types.Type, len(x.Elems))
		for i, e := range x.Elems {
			elems[i] = c.stored(e)
		}
		return types.NewTuple(elems)
	case *types.Record:
		return types.NewRecord(x.Names, c.stored(x.Tuple).(*types.Tuple).Elems)
	}
	return t
}

// storable reports whether values of t can live in variables and maps.
func storable(t types.Type) bool { return storableValue(t) }

func (c *checker) assignVar(v *ast.Var, op string, value ast.Expr, at ast.Node) {
	vt := c.valueOf(value)
	sym, _ := c.lookupVar(v.Name)
	if vt == nil {
		if sym == nil {
			// The value had an error: declare the variable as poisoned so
			// its later uses report nothing more.
			c.declareVar(&VarSym{Name: v.Name, Decl: v.Span(), poisoned: true})
		}
		return
	}
	if op != "=" {
		if sym != nil && sym.Type == nil && sym.let != nil && types.IsInt(vt) {
			// `let $x; $x += n`: $x starts at zero, an integer.
			sym.Type = valueType(vt)
		}
		if sym == nil || sym.Type == nil {
			c.undeclared(v)
			return
		}
		c.tab.Vars[v] = sym
		c.tab.Types[v] = sym.Type
		if _, isPtr := sym.Type.(*types.Pointer); isPtr && (op == "+=" || op == "-=") && types.IsInt(vt) {
			return // moves by whole elements
		}
		if !types.IsInt(sym.Type) || !types.IsInt(vt) {
			c.errorf(at, diag.CodeType, "Type mismatch for %s: '%s' %s '%s'", v.Name, sym.Type, op, vt)
			return
		}
		if (op == "/=" || op == "%=") && c.isZero(value) {
			c.errorf(value, diag.CodeType, "division by zero")
		}
		// $x op= v stores $x op v, a 64-bit result.
		c.promoteVar(sym, arith(sym.Type, vt))
		c.tab.Types[v] = sym.Type
		return
	}
	if !storable(vt) {
		c.errorf(value, diag.CodeType, "values of type %s cannot be assigned to a variable", vt)
		return
	}
	c.bindVar(v, vt, at)
}

// bindVar assigns a value of type vt to the variable v: the first value
// declares it, later ones must unify with its type.
func (c *checker) bindVar(v *ast.Var, vt types.Type, at ast.Node) {
	sym, _ := c.lookupVar(v.Name)
	// Variables keep the integer width of their first value, as in
	// bpftrace: $i = (uint32)x; bswap($i) swaps 4 bytes.
	if sym == nil || sym.poisoned {
		sym = &VarSym{Name: v.Name, Decl: v.Span(), implicit: sym == nil, origin: v, Type: c.learnedType(v)}
		c.declareVar(sym)
	}
	c.tab.Vars[v] = sym
	if _, isStack := vt.(*types.Stack); isStack && !c.stackCapture(assignedValue(at)) {
		sym.storedStack = true
	}
	if sym.Type == nil {
		sym.Type = vt
	} else if sym.sized && types.IsInt(sym.Type) && types.IsInt(vt) {
		// A declared integer type stays: the value is converted to it.
	} else if merged, ok := unify(sym.Type, vt); ok {
		// Strings (also inside tuples) widen to the largest value
		// assigned; codegen reads the final type from the symbol.
		sym.Type = merged
	} else {
		c.errorf(at, diag.CodeType, "Type mismatch for %s: trying to assign value of type '%s' when variable already has a type '%s'", v.Name, vt, sym.Type)
		return
	}
	c.tab.Types[v] = sym.Type
}

// promoteVar widens the integer variable sym to hold values of type t
// (the 64-bit result of arithmetic stored back into it), unless it was
// declared with a type.
func (c *checker) promoteVar(sym *VarSym, t types.Type) {
	x, ok1 := sym.Type.(*types.Int)
	y, ok2 := t.(*types.Int)
	if ok1 && ok2 && !sym.sized {
		sym.Type = types.PromoteInt(x, y)
	}
}

func (c *checker) isZero(e ast.Expr) bool {
	n, ok := c.tab.Consts[e]
	return ok && n == 0
}

// mapKey checks the keys of m and returns the key type (nil for scalar).
func (c *checker) mapKey(m *ast.MapExpr) (types.Type, bool) {
	if len(m.Keys) == 0 {
		return nil, true
	}
	elems := make([]types.Type, len(m.Keys))
	for i, k := range m.Keys {
		t := c.valueOf(k)
		if t == nil {
			return nil, false
		}
		if !storable(t) {
			c.errorf(k, diag.CodeType, "values of type %s cannot be used as map keys", t)
			return nil, false
		}
		elems[i] = c.stored(t)
	}
	var kt types.Type = types.NewTuple(elems)
	if len(elems) == 1 {
		kt = elems[0]
	}
	return kt, true
}

// unifyKey merges a key type into the map's; strings widen to the larger
// capacity.
func (c *checker) unifyKey(m *ast.MapExpr, sym *MapSym, kt types.Type) bool {
	switch {
	case sym.Key == nil && sym.Value == nil:
		sym.Key = kt
		c.keyUse(sym, m.Span().Start, m.Keys, kt)
		return true
	case (sym.Key == nil) != (kt == nil):
		if kt == nil {
			c.errorf(m, diag.CodeType, "%s used as a scalar map, but it has keys of type '%s'", m.Name, sym.Key)
		} else {
			c.errorf(m, diag.CodeType, "%s used with a key, but it is a scalar map", m.Name)
		}
		return false
	case kt == nil:
		return true
	}
	merged, ok := c.widen(m, m, sym, sym.Key, kt, "keys")
	if !ok {
		return false
	}
	sym.Key = merged
	c.keyUse(sym, m.Span().Start, m.Keys, merged)
	return true
}

// accessKey checks the key kt given to a function that looks up or
// deletes in map m (has_key, find, delete) and promotes the map's key
// type to it, as a map access does; the error is at the key (at).
func (c *checker) accessKey(m *ast.MapExpr, sym *MapSym, kt types.Type, at ast.Node) bool {
	merged, ok := c.widen(m, at, sym, sym.Key, kt, "keys")
	if ok {
		sym.Key = merged
		if key, isExpr := at.(ast.Expr); isExpr {
			c.keyUse(sym, at.Span().Start, []ast.Expr{key}, merged)
		}
	}
	return ok
}

// widen merges the key or value type of a map (have, part "keys" or
// "values") with that of a new use (add). A map that already exists in
// the kernel (MapSym.fixed) cannot change its layout.
func (c *checker) widen(m *ast.MapExpr, at ast.Node, sym *MapSym, have, add types.Type, part string) (types.Type, bool) {
	merged, ok := unify(have, add)
	switch {
	case !ok && part == "keys":
		c.errorf(at, diag.CodeType, "Argument mismatch for %s: trying to access with arguments: '%s' when map expects arguments: '%s'", m.Name, add, have)
	case !ok:
		c.errorf(at, diag.CodeType, "Type mismatch for %s: trying to assign value of type '%s' when map already has a type '%s'", m.Name, add, have)
	case sym.fixed && !sameLayout(merged, have):
		c.errorf(at, diag.CodeType, "%s already exists with %s of type '%s', which cannot hold '%s'", m.Name, part, have, add)
		ok = false
	}
	return merged, ok
}

// sameLayout reports whether values of a and b are stored alike in a map
// (Identical ignores string capacities, which change the layout).
func sameLayout(a, b types.Type) bool {
	return types.Identical(a, b) && a.Size() == b.Size()
}

// unify returns the common type of a and b: integers promote
// (types.PromoteInt), strings widen, tuples unify elementwise.
func unify(a, b types.Type) (types.Type, bool) {
	switch x := a.(type) {
	case *types.Int:
		if y, ok := b.(*types.Int); ok {
			return types.PromoteInt(x, y), true
		}
		return a, types.IsInt(b)
	case *types.Bool, *types.Enum:
		return a, types.IsInt(b)
	case *types.String:
		if y, ok := b.(*types.String); ok {
			if y.Cap > x.Cap {
				return y, true
			}
			return x, true
		}
		return nil, false
	case *types.Tuple:
		y, ok := b.(*types.Tuple)
		if !ok || len(x.Elems) != len(y.Elems) {
			return nil, false
		}
		elems := make([]types.Type, len(x.Elems))
		for i := range x.Elems {
			e, ok := unify(x.Elems[i], y.Elems[i])
			if !ok {
				return nil, false
			}
			elems[i] = e
		}
		return types.NewTuple(elems), true
	case *types.Record:
		if y, ok := b.(*types.Record); ok {
			return unifyRecords(x, y)
		}
		return nil, false
	}
	return a, types.Identical(a, b)
}

// mapRead checks a map used as a value.
func (c *checker) mapRead(m *ast.MapExpr) types.Type {
	kt, ok := c.mapKey(m)
	if !ok {
		return nil
	}
	sym, ok := c.info.Maps[m.Name]
	if (!ok || sym.Value == nil) && !c.report && m.Name == c.selfAssign {
		// Read in its own first assignment: an integer (0 until set),
		// as in bpftrace. The assignment gives the map its type in the
		// first pass, so the second finds it defined.
		return types.Int64
	}
	if !ok || sym.Value == nil {
		if c.report {
			d := c.errorf(m, diag.CodeUnknown, "Undefined map: %s", m.Name)
			names := make([]string, 0, len(c.info.Maps))
			for n := range c.info.Maps {
				names = append(names, n)
			}
			if s := diag.Nearest(m.Name, names); s != "" {
				d.Hint("did you mean %s?", s)
			}
		}
		return nil
	}
	if !c.unifyKey(m, sym, kt) {
		return nil
	}
	if agg, ok := sym.Value.(*types.Agg); ok {
		if t := aggReadType(agg); t != nil {
			return t
		}
		c.errorf(m, diag.CodeUnsupported, "reading the value of aggregation map %s (%s) in a probe is not supported yet", m.Name, sym.Value)
		return nil
	}
	return sym.Value
}

// mapAssign records that m is assigned a value of type vt and returns the
// map's (possibly widened) value type.
func (c *checker) mapAssign(m *ast.MapExpr, vt types.Type, at ast.Node) types.Type {
	kt, ok := c.mapKey(m)
	if !ok {
		return nil
	}
	sym, ok := c.info.Maps[m.Name]
	if !ok {
		sym = &MapSym{Name: m.Name, Decl: m.Span()}
		c.info.Maps[m.Name] = sym
	}
	if !c.unifyKey(m, sym, kt) {
		return nil
	}
	if sym.Value == nil {
		sym.Value = vt
		c.tab.Types[m] = vt
		return vt
	}
	merged, ok := c.widen(m, at, sym, sym.Value, vt, "values")
	if !ok {
		return nil
	}
	sym.Value = merged
	c.tab.Types[m] = merged
	return merged
}

// pointerMap returns the value type of map m when it already holds
// pointers (so += and ++ move by whole elements), else nil.
func (c *checker) pointerMap(m *ast.MapExpr) *types.Pointer {
	if sym, ok := c.info.Maps[m.Name]; ok {
		if pt, ok := sym.Value.(*types.Pointer); ok {
			return pt
		}
	}
	return nil
}
