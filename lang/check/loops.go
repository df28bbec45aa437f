package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// For loops.
//
// `for ($kv : @map) { }` visits the elements of a keyed map; $kv is the
// tuple (key, value), the key itself a tuple for maps with several keys.
// `for ($i : a..b) { }` counts $i from a up to b, excluded; a and b are
// integers evaluated once. The loop variable exists in the body only and
// may not shadow a variable of the probe.
//
// Code generation compiles the body as a callback of bpf_for_each_map_elem
// or bpf_loop, which does not have the probe's context in its register:
// builtins and functions that read the context's fields (args, argN,
// retval, ctx, usermode, reg, override) are refused in the body, as bpftrace refuses args
// and ctx there. (kstack and ustack, which hand the context to a helper,
// get it from where the probe spilled it.)

// ctxVars are the builtin variables that read the probe's context.
var ctxVars = map[stdlib.VarID]bool{
	stdlib.Args: true, stdlib.ArgN: true, stdlib.Retval: true, stdlib.Ctx: true,
	stdlib.Usermode: true,
}

// ctxFuncs are the functions that read the probe's context.
var ctxFuncs = map[stdlib.FuncID]bool{
	stdlib.Reg: true, stdlib.Override: true,
}

// forStmt checks a for loop.
func (c *checker) forStmt(s *ast.ForStmt) {
	var vt types.Type
	if s.Map != nil {
		vt = c.forMapType(s.Map)
	} else {
		vt = c.rangeType(s)
	}
	name := s.Var.Name
	prev, had := c.lookupVar(name)
	if had && !prev.poisoned {
		d := c.errorf(s.Var, diag.CodeDuplicate, "Loop declaration shadows existing variable: %s", name)
		if prev.Decl != (diag.Span{}) {
			line, col := c.src.Position(prev.Decl.Start)
			d.Hint("%s is declared at line %d, column %d", name, line, col)
		}
	}
	// The loop variable lives in a scope of the loop's own.
	c.pushScope()
	sym := &VarSym{Name: name, Decl: s.Var.Span(), Type: vt, poisoned: vt == nil}
	c.declareVar(sym)
	c.tab.Vars[s.Var] = sym
	if vt != nil {
		c.tab.Types[s.Var] = vt
	}
	c.loop++
	c.block(s.Body)
	c.loop--
	c.popScope()
	c.noContextIn(s.Body)
}

// forMapType is the type of the variable of a loop over m: (key, value).
func (c *checker) forMapType(m *ast.MapExpr) types.Type {
	sym, ok := c.info.Maps[m.Name]
	if !ok || sym.Value == nil {
		c.mapRead(m) // reports the undefined map
		return nil
	}
	if sym.Key == nil {
		c.errorf(m, diag.CodeType, "%s has no explicit keys (scalar map), and cannot be used for iteration", m.Name)
		return nil
	}
	val := sym.Value
	if agg, ok := val.(*types.Agg); ok {
		if val = aggReadType(agg); val == nil {
			c.errorf(m, diag.CodeType, "Loop expression does not support type: %s", agg)
			return nil
		}
	}
	c.tab.Types[m] = sym.Value
	return types.NewTuple([]types.Type{valueType(sym.Key), valueType(val)})
}

// rangeType is the type of the variable of a loop over a range: the wider
// of the bounds' integer types, signed when either is.
func (c *checker) rangeType(s *ast.ForStmt) types.Type {
	st, et := c.expr(s.Start), c.expr(s.End)
	ok := st != nil && et != nil
	if st != nil && !types.IsInt(st) {
		c.errorf(s.Start, diag.CodeType, "Loop range requires an integer for the start value, have %s", st)
		ok = false
	}
	if et != nil && !types.IsInt(et) {
		c.errorf(s.End, diag.CodeType, "Loop range requires an integer for the end value, have %s", et)
		ok = false
	}
	if !ok {
		return nil
	}
	a, b := intOf(st), intOf(et)
	return &types.Int{Bits: max(a.Bits, b.Bits), Signed: a.Signed || b.Signed}
}

// intOf is the integer type of an integer-like type (bool, enum: uint64).
func intOf(t types.Type) *types.Int {
	if it, ok := t.(*types.Int); ok {
		return it
	}
	return types.Uint64
}

// noContextIn reports the builtins and functions of a loop body that read
// the probe's context, which the loop's callback does not have.
func (c *checker) noContextIn(body *ast.Block) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if b, ok := c.tab.Builtins[n]; ok && ctxVars[b.ID] {
				c.errorf(n, diag.CodeUnsupported, "'%s' builtin is not allowed in a for-loop", n.Name)
			}
		case *ast.Call:
			if id, ok := c.tab.Calls[n]; ok && ctxFuncs[id] {
				c.errorf(n, diag.CodeUnsupported, "'%s' is not allowed in a for-loop", n.Name)
			}
		}
		return true // nested loops report again; dedupe keeps one
	})
}
