package check

import (
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// callChecker checks one call of a builtin function. target is the map an
// aggregation is assigned to (nil elsewhere).
type callChecker func(c *checker, call *ast.Call, target *ast.MapExpr) types.Type

// callCheckers is indexed by FuncID; every implemented function has an
// entry (enforced by a test). It is filled in init to break the
// initialisation cycle through checker.expr.
var callCheckers [stdlib.NumFuncs]callChecker

func init() {
	callCheckers = [stdlib.NumFuncs]callChecker{
		stdlib.Printf:   (*checker).checkPrintf,
		stdlib.Print:    (*checker).checkPrint,
		stdlib.Exit:     (*checker).checkExit,
		stdlib.Str:      (*checker).checkStr,
		stdlib.Count:    (*checker).checkAgg,
		stdlib.Sum:      (*checker).checkAgg,
		stdlib.Avg:      (*checker).checkAgg,
		stdlib.Min:      (*checker).checkAgg,
		stdlib.Max:      (*checker).checkAgg,
		stdlib.Stats:    (*checker).checkAgg,
		stdlib.Hist:     (*checker).checkAgg,
		stdlib.LHist:    (*checker).checkAgg,
		stdlib.Clear:    (*checker).checkMapOp,
		stdlib.Zero:     (*checker).checkMapOp,
		stdlib.Delete:   (*checker).checkDelete,
		stdlib.Time:     (*checker).checkTime,
		stdlib.Strftime: (*checker).checkStrftime,
	}
}

// call checks a function call. ident is set when the call was written as a
// bare identifier (`count` for `count()`).
func (c *checker) call(call *ast.Call, target *ast.MapExpr) types.Type {
	if c.macros.Failed[call] {
		return nil
	}
	id, ok := stdlib.LookupFunc(call.Name)
	if !ok && len(call.Args) == 0 {
		if v, _, isVar := stdlib.LookupVar(call.Name); isVar && v != stdlib.ArgN {
			return c.builtinCall(call)
		}
	}
	if _, _, isVar := stdlib.LookupVar(call.Name); !ok && isVar {
		// bpftrace HEAD has comm(pid), a kfunc read in tracing programs.
		c.errorf(call, diag.CodeUnsupported, "%s is a builtin variable: %s() with arguments is not supported yet", call.Name, call.Name)
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil
	}
	if !ok {
		d := c.errorAt(call.NameSpan, diag.CodeUnknown, "Unknown function: %s", call.Name)
		if s := diag.Nearest(call.Name, stdlib.FuncNames()); s != "" {
			d.Hint("did you mean '%s'?", s)
		}
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil
	}
	def := &stdlib.Funcs[id]
	c.tab.Calls[call] = id
	if def.Has(stdlib.Unsafe) && !def.Has(stdlib.UnsafeLate) && !c.cfg.Unsafe {
		c.errorf(call, diag.CodeUnsafe, "%s() is an unsafe function being used in safe mode", def.Name).
			Hint("run with --unsafe to allow it")
		return nil
	}
	if !def.Has(stdlib.Implemented) || callCheckers[id] == nil {
		c.errorf(call, diag.CodeUnsupported, "%s() is not supported yet", def.Name)
		return nil
	}
	n := len(call.Args)
	if n < def.MinArgs || (def.MaxArgs >= 0 && n > def.MaxArgs) {
		c.errorf(call, diag.CodeArgs, "%s() %s (%d provided)", def.Name, argsWanted(def), n)
		return nil
	}
	if def.Has(stdlib.Aggregation) && target == nil {
		c.errorf(call, diag.CodeType, "%s() should be directly assigned to a map", def.Name)
		return nil
	}
	t := callCheckers[id](c, call, target)
	if t != nil {
		c.tab.Types[call] = t
	}
	return t
}

func argsWanted(def *stdlib.FuncDef) string {
	switch {
	case def.MaxArgs == 0:
		return "requires no arguments"
	case def.MinArgs == def.MaxArgs && def.MinArgs == 1:
		return "requires one argument"
	case def.MinArgs == def.MaxArgs:
		return "requires " + itoa(def.MinArgs) + " arguments"
	case def.MaxArgs < 0:
		return "requires at least " + itoa(def.MinArgs) + " arguments"
	default:
		return "requires " + itoa(def.MinArgs) + " to " + itoa(def.MaxArgs) + " arguments"
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

var void = &types.Void{}

func (c *checker) checkPrint(call *ast.Call, _ *ast.MapExpr) types.Type {
	if m, ok := call.Args[0].(*ast.MapExpr); ok && len(m.Keys) == 0 {
		if _, known := c.info.Maps[m.Name]; known || len(call.Args) > 1 {
			if !known {
				c.errorf(m, diag.CodeUnknown, "Undefined map: %s", m.Name)
				return nil
			}
			for _, a := range call.Args[1:] {
				if t := c.expr(a); t != nil && !types.IsInt(t) {
					c.errorf(a, diag.CodeType, "print() top and div arguments must be integers")
				}
			}
			return void
		}
	}
	if len(call.Args) > 1 {
		c.errorf(call, diag.CodeArgs, "print() with more than one argument needs a map as its first argument")
		return nil
	}
	t := c.valueOf(call.Args[0])
	if t == nil {
		return nil
	}
	if !storable(t) {
		c.errorf(call.Args[0], diag.CodeType, "print() cannot print values of type %s", t)
		return nil
	}
	return void
}

// MaxExitCode is the largest exit code a script may give exit(): 255 is
// gobpftrace's own failure status, so a script's exit code is never
// mistaken for a failure to load, attach or trace. A computed code is not
// checked: the process exits with its low 8 bits, as exit(2) does.
const MaxExitCode = 254

func (c *checker) checkExit(call *ast.Call, _ *ast.MapExpr) types.Type {
	if len(call.Args) == 1 {
		t := c.expr(call.Args[0])
		if t != nil && !types.IsInt(t) {
			c.errorf(call.Args[0], diag.CodeType, "exit() expects an integer exit code")
		} else if n, ok := c.tab.Consts[call.Args[0]]; ok && (n < 0 || n > MaxExitCode) {
			c.errorf(call.Args[0], diag.CodeType, "exit code %d is out of range: want 0..%d (255 is gobpftrace's failure status)", n, MaxExitCode)
		}
	}
	return void
}

func (c *checker) checkStr(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	if len(call.Args) == 2 {
		lt := c.expr(call.Args[1])
		if lt != nil && !types.IsInt(lt) {
			c.errorf(call.Args[1], diag.CodeType, "str() length must be an integer")
			return nil
		}
	}
	// Constant strings: string literals and positional parameters,
	// optionally advanced by a constant offset (str($1 + 1)).
	if s, ok := c.constString(arg); ok {
		if len(call.Args) == 2 {
			// The length includes the terminating NUL (modern bpftrace).
			if n, ok := c.tab.Consts[call.Args[1]]; ok && n >= 1 && int(n) <= len(s) {
				s = s[:n-1]
			}
		}
		c.tab.StrConsts[call] = s
		return &types.String{Cap: len(s) + 1}
	}
	switch t.(type) {
	case *types.String:
		return t
	case *types.Int, *types.Pointer:
		capacity := c.info.StrLen
		if len(call.Args) == 2 {
			// A constant length (which includes the NUL) bounds the
			// string's capacity.
			if n, ok := c.tab.Consts[call.Args[1]]; ok && n >= 1 && n < int64(capacity) {
				capacity = int(n)
			}
		}
		return &types.String{Cap: capacity}
	}
	c.errorf(call, diag.CodeType, "str() expects an integer or a pointer type as first argument (%s provided)", t)
	return nil
}

// literalArg checks the first argument of fn, which must be a string
// known when the script is compiled (a literal, a string #define or
// parameter), and returns it.
func (c *checker) literalArg(call *ast.Call, fn string) (string, bool) {
	arg := call.Args[0]
	c.expr(arg)
	s, ok := c.constString(arg)
	if !ok {
		c.errorf(arg, diag.CodeType, "%s() expects a string literal", fn)
	}
	return s, ok
}

// constString evaluates e as a compile-time string: a literal, a string
// parameter (also as str($1)), or either plus a constant offset.
func (c *checker) constString(e ast.Expr) (string, bool) {
	if b, ok := e.(*ast.Binary); ok && b.Op == "+" {
		s, ok := c.constString(b.X)
		n, nok := c.tab.Consts[b.Y]
		if ok && nok && n >= 0 {
			if int(n) > len(s) {
				return "", true
			}
			return s[n:], true
		}
		return "", false
	}
	switch e := e.(type) {
	case *ast.StrLit, *ast.ParamExpr:
		s, ok := c.tab.StrConsts[e]
		return s, ok
	case *ast.Call:
		// str($1): a string parameter read as a string is the parameter.
		if c.tab.Calls[e] == stdlib.Str && len(e.Args) == 1 {
			return c.constString(e.Args[0])
		}
	}
	return "", false
}

// aggKinds maps each aggregation function to the kind of map value it
// makes; every function with the Aggregation flag has an entry (tested).
var aggKinds = [stdlib.NumFuncs]types.AggKind{
	stdlib.Count: types.Count, stdlib.Sum: types.Sum, stdlib.Avg: types.Avg,
	stdlib.Min: types.Min, stdlib.Max: types.Max, stdlib.Stats: types.Stats,
	stdlib.Hist: types.Hist, stdlib.LHist: types.LHist,
}

func (c *checker) checkAgg(call *ast.Call, target *ast.MapExpr) types.Type {
	id := c.tab.Calls[call]
	var argT types.Type
	for i, a := range call.Args {
		t := c.expr(a)
		if t == nil {
			return nil
		}
		if !types.IsInt(t) {
			c.errorf(a, diag.CodeType, "%s() expects an integer argument (%s provided)", call.Name, t)
			return nil
		}
		if i == 0 {
			argT = t
		}
	}
	agg := &types.Agg{Kind: aggKinds[id], Signed: argT != nil && !isUnsigned(argT)}
	switch id {
	case stdlib.Hist:
		if len(call.Args) == 2 {
			k, ok := c.tab.Consts[call.Args[1]]
			switch {
			case !ok:
				c.errorf(call.Args[1], diag.CodeType, "hist() bits must be a constant integer")
				return nil
			case k < 0 || k > 5:
				c.errorf(call, diag.CodeType, "hist: bits %d must be 0..5", k)
				return nil
			}
			agg.Bits = int(k)
		}
	case stdlib.LHist:
		var vals [3]int64
		for i, a := range call.Args[1:] {
			n, ok := c.tab.Consts[a]
			if !ok {
				c.errorf(a, diag.CodeType, "lhist() %s must be a constant integer", [3]string{"min", "max", "step"}[i])
				return nil
			}
			vals[i] = n
		}
		agg.Min, agg.Max, agg.Step = vals[0], vals[1], vals[2]
		switch {
		case agg.Step <= 0:
			c.errorf(call.Args[3], diag.CodeType, "lhist() step must be >= 1 (%d provided)", agg.Step)
			return nil
		case agg.Max <= agg.Min:
			c.errorf(call, diag.CodeType, "lhist() max must be greater than min (provided min %d, max %d)", agg.Min, agg.Max)
			return nil
		case (agg.Max-agg.Min)/agg.Step > 1000:
			c.errorf(call, diag.CodeType, "lhist() too many buckets: (max - min) / step must be <= 1000")
			return nil
		}
	}
	return agg
}

// mapArg checks the first argument of clear/zero/delete.
func (c *checker) mapArg(call *ast.Call) (*ast.MapExpr, *MapSym) {
	m, ok := call.Args[0].(*ast.MapExpr)
	if !ok {
		c.errorf(call.Args[0], diag.CodeType, "%s() expects a map argument", call.Name)
		return nil, nil
	}
	sym, ok := c.info.Maps[m.Name]
	if !ok {
		if c.report {
			c.errorf(m, diag.CodeUnknown, "Undefined map: %s", m.Name)
		}
		return nil, nil
	}
	return m, sym
}

func (c *checker) checkMapOp(call *ast.Call, _ *ast.MapExpr) types.Type {
	m, _ := c.mapArg(call)
	if m == nil {
		return nil
	}
	if len(m.Keys) != 0 {
		c.errorf(m, diag.CodeType, "%s() expects a map with no keys", call.Name)
		return nil
	}
	return void
}

func (c *checker) checkDelete(call *ast.Call, _ *ast.MapExpr) types.Type {
	m, sym := c.mapArg(call)
	if m == nil {
		return nil
	}
	var kt types.Type
	switch {
	case len(call.Args) == 2:
		if len(m.Keys) != 0 {
			c.errorf(m, diag.CodeType, "delete(@map, key) expects a map without a key as its first argument")
			return nil
		}
		t := c.expr(call.Args[1])
		if t == nil {
			return nil
		}
		kt = t
		if sym.Key == nil {
			c.errorf(call.Args[1], diag.CodeType, "%s is a scalar map; delete it with delete(%s)", m.Name, m.Name)
			return nil
		}
		if !c.accessKey(m, sym, kt, call.Args[1]) {
			return nil
		}
	default:
		var ok bool
		if kt, ok = c.mapKey(m); !ok {
			return nil
		}
		if !c.unifyKey(m, sym, kt) {
			return nil
		}
	}
	if a, ok := sym.Value.(*types.Agg); ok && (a.Kind == types.Hist || a.Kind == types.LHist) && sym.Key != nil {
		c.errorf(call, diag.CodeUnsupported, "delete() of one key of a %s map is not supported yet", a.Kind)
		return nil
	}
	// delete() returns whether the key was present (modern bpftrace).
	return &types.Bool{}
}

func (c *checker) checkTime(call *ast.Call, _ *ast.MapExpr) types.Type {
	if len(call.Args) == 1 {
		c.expr(call.Args[0])
		if _, ok := c.tab.StrConsts[call.Args[0]]; !ok {
			c.errorf(call.Args[0], diag.CodeType, "time() expects a string literal format")
			return nil
		}
	}
	return void
}

func (c *checker) checkStrftime(call *ast.Call, _ *ast.MapExpr) types.Type {
	c.expr(call.Args[0])
	if _, ok := c.tab.StrConsts[call.Args[0]]; !ok {
		c.errorf(call.Args[0], diag.CodeType, "strftime() expects a string literal format")
		return nil
	}
	if t := c.expr(call.Args[1]); t != nil && !types.IsInt(t) {
		c.errorf(call.Args[1], diag.CodeType, "strftime() expects an integer timestamp")
		return nil
	}
	return &types.Timestamp{}
}
