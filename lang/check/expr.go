package check

import (
	"math"
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/uapi"
)

// expr checks e and returns its type (nil after an error).
func (c *checker) expr(e ast.Expr) types.Type {
	c.cur = e
	if c.macros.Failed[e] {
		return nil
	}
	t := c.expr1(e)
	if t != nil {
		c.tab.Types[e] = t
	}
	return t
}

func (c *checker) expr1(e ast.Expr) types.Type {
	switch e := e.(type) {
	case *ast.IntLit:
		c.tab.Consts[e] = int64(e.Value)
		return types.LiteralInt(e.Value)
	case *ast.StrLit:
		c.tab.StrConsts[e] = e.Value
		return &types.String{Cap: len(e.Value) + 1}
	case *ast.BoolLit:
		if e.Value {
			c.tab.Consts[e] = 1
		} else {
			c.tab.Consts[e] = 0
		}
		return &types.Bool{}
	case *ast.Var:
		return c.varUse(e)
	case *ast.ParamExpr:
		return c.param(e)
	case *ast.ParamCount:
		c.tab.Consts[e] = int64(len(c.cfg.Params))
		return types.Int64
	case *ast.MapExpr:
		return c.mapRead(e)
	case *ast.Ident:
		return c.ident(e)
	case *ast.Call:
		return c.call(e, nil)
	case *ast.Unary:
		return c.unary(e)
	case *ast.Binary:
		return c.binary(e)
	case *ast.Ternary:
		return c.ternary(e)
	case *ast.IncDec:
		return c.incDec(e)
	case *ast.Cast:
		return c.cast(e)
	case *ast.FieldExpr:
		return c.field(e)
	case *ast.TupleIndex:
		return c.tupleIndex(e)
	case *ast.Tuple:
		// Tuple elements keep their integer widths, as in bpftrace:
		// ((int8)1, (int16)2, (int32)3) takes 8 bytes.
		elems := make([]types.Type, len(e.Elems))
		for i, x := range e.Elems {
			t := c.valueOf(x)
			if t == nil {
				return nil
			}
			elems[i] = t
		}
		return types.NewTuple(elems)
	case *ast.Sizeof:
		return c.sizeof(e)
	case *ast.IndexExpr:
		return c.index(e)
	case *ast.Record:
		return c.record(e)
	case *ast.Offsetof:
		return c.offsetof(e)
	case *ast.TypeofExpr:
		c.errorf(e, diag.CodeUnsupported, "%s() is not supported yet", e.Keyword)
	case *ast.ComptimeExpr:
		c.errorf(e, diag.CodeUnsupported, "comptime is not supported yet")
	case *ast.BlockExpr:
		return c.blockExpr(e, e.Block)
	case *ast.IfExpr:
		return c.ifExpr(e)
	default:
		c.errorf(e, diag.CodeInternal, "unexpected expression %T", e)
	}
	return nil
}

// isLiteral reports whether e is an integer literal, or arithmetic on
// literals that folds to a constant: such an expression is typed as the
// literal it folds to (types.LiteralInt).
func (c *checker) isLiteral(e ast.Expr) bool {
	if _, ok := c.tab.Consts[e]; !ok {
		return false
	}
	switch e := e.(type) {
	case *ast.IntLit:
		return true
	case *ast.Unary:
		return (e.Op == "-" || e.Op == "~") && c.isLiteral(e.X)
	case *ast.Binary:
		switch e.Op {
		case "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>":
			return c.isLiteral(e.X) && c.isLiteral(e.Y)
		}
	}
	return false
}

// literalType is the type of an integer literal of value v.
func literalType(v int64) *types.Int {
	if v >= 0 {
		return types.LiteralInt(uint64(v))
	}
	return types.SignedLiteralInt(v)
}

// valueType is the type a value takes when stored in a variable, map or
// tuple: integers widen to 64 bits.
func valueType(t types.Type) types.Type {
	if it, ok := t.(*types.Int); ok {
		if it.Signed {
			return types.Int64
		}
		return types.Uint64
	}
	return t
}

func (c *checker) varUse(v *ast.Var) types.Type {
	sym, ok := c.lookupVar(v.Name)
	if !ok {
		c.undeclared(v)
		return nil
	}
	if sym.poisoned {
		return nil
	}
	c.tab.Vars[v] = sym
	if sym.Type == nil {
		c.errorf(v, diag.CodeType, "variable %s is used before it is assigned a value", v.Name)
		return nil
	}
	return sym.Type
}

func (c *checker) param(p *ast.ParamExpr) types.Type {
	if p.N < 1 {
		c.errorf(p, diag.CodeUnknown, "param $%d is out of range (positional parameters start at $1)", p.N)
		return nil
	}
	if p.N > len(c.cfg.Params) {
		c.tab.Consts[p] = 0
		c.tab.StrConsts[p] = ""
		return types.Int64
	}
	s := c.cfg.Params[p.N-1]
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		c.tab.Consts[p] = n
		c.tab.StrConsts[p] = s
		return types.Int64
	}
	if n, err := strconv.ParseUint(s, 0, 64); err == nil {
		c.tab.Consts[p] = int64(n)
		c.tab.StrConsts[p] = s
		return types.Uint64
	}
	c.tab.StrConsts[p] = s
	return &types.String{Cap: len(s) + 1}
}

func (c *checker) ident(id *ast.Ident) types.Type {
	if v, n, ok := stdlib.LookupVar(id.Name); ok {
		return c.builtin(id, v, n)
	}
	if d, ok := c.defines[id.Name]; ok {
		t := c.expr(d)
		if n, ok := c.tab.Consts[d]; ok {
			c.tab.Consts[id] = n
		}
		if s, ok := c.tab.StrConsts[d]; ok {
			c.tab.StrConsts[id] = s
		}
		return t
	}
	if e, ok := c.enums[id.Name]; ok {
		c.tab.Consts[id] = e.value
		return e.typ
	}
	if c.cfg.Host != nil && isUpperIdent(id.Name) {
		if v, et, ok := c.cfg.Host.KernelEnumValue(id.Name); ok {
			c.tab.Consts[id] = v
			return et
		}
	}
	if v, ok := uapi.Lookup(id.Name); ok {
		// A UAPI macro (AF_INET, O_RDONLY …) that BTF cannot provide.
		c.tab.Consts[id] = v
		return types.Int64
	}
	if id.Name == "true" || id.Name == "false" {
		return c.expr1(&ast.BoolLit{Pos: id.Pos, Value: id.Name == "true"})
	}
	if _, ok := stdlib.LookupFunc(id.Name); ok {
		c.errorf(id, diag.CodeType, "%s is a function: call it as %s()", id.Name, id.Name)
		return nil
	}
	d := c.errorf(id, diag.CodeUnknown, "Unknown identifier: '%s'", id.Name)
	if s := diag.Nearest(id.Name, stdlib.VarNames()); s != "" {
		d.Hint("did you mean '%s'?", s)
	}
	return nil
}

// isUpperIdent reports whether name looks like a C constant (upper case,
// digits and underscores): only those are looked up among kernel
// enumerators.
func isUpperIdent(name string) bool {
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return name != ""
}

func (c *checker) builtin(id *ast.Ident, v stdlib.VarID, n int) types.Type {
	def := &stdlib.Vars[v]
	c.tab.Builtins[id] = Builtin{ID: v, N: n}
	kind := c.attach.Kind
	switch v {
	case stdlib.Args:
		// uprobe and rawtracepoint args are looked up on first use.
		var lookup func(*ast.Ident) *types.Ctx
		switch {
		case kind == stdlib.Uprobe && c.attach.Func != "":
			lookup = c.uprobeArgs
		case kind == stdlib.RawTracepoint && c.attach.Event != "":
			lookup = c.rawTracepointArgs
		}
		if lookup != nil {
			a := lookup(id)
			if a == nil {
				return nil
			}
			c.tab.PerAttach = true
			return a
		}
		if a := c.argsType(); a != nil {
			c.tab.PerAttach = true
			return a
		}
		if kind != stdlib.ProbeInvalid {
			c.errorf(id, diag.CodeProbe, "The args builtin can only be used with tracepoint, rawtracepoint, fentry/fexit, and uprobe probes (%s used here)", kind)
		}
		return nil
	case stdlib.ArgN:
		// usdt probes have as many as their notes describe (usdtArgN
		// checks).
		if n > stdlib.MaxArgN && kind != stdlib.USDT {
			c.errorf(id, diag.CodeUnknown, "arg%d is out of range (arg0 to arg%d)", n, stdlib.MaxArgN)
			return nil
		}
		if kind != stdlib.ProbeInvalid && !stdlib.Probes[kind].HasArgN {
			c.errorf(id, diag.CodeProbe, "The %s builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes", id.Name)
			return nil
		}
		if kind == stdlib.USDT && !c.usdtArgN(id, n) {
			return nil
		}
	case stdlib.Ctx:
		if t := c.iterCtx(id); t != nil {
			return t
		}
	case stdlib.Retval:
		if kind == stdlib.Fexit {
			return c.fexitRetval(id)
		}
		if kind != stdlib.ProbeInvalid && !stdlib.Probes[kind].HasRetval {
			d := c.errorf(id, diag.CodeProbe, "The retval builtin can only be used with 'kretprobe', 'uretprobe' and 'fexit' probes")
			if kind == stdlib.Tracepoint {
				d.Hint("try to use args.ret instead")
			}
			return nil
		}
	}
	if !def.Implemented {
		c.errorf(id, diag.CodeUnsupported, "builtin %s is not supported yet", id.Name)
		return nil
	}
	if v == stdlib.Ppid || v == stdlib.Pcomm {
		field := "tgid"
		if v == stdlib.Pcomm {
			field = "comm"
		}
		cur := &ast.Ident{Pos: id.Pos, Name: "curtask"}
		parent := &ast.FieldExpr{Pos: id.Pos, X: cur, Name: "real_parent", Arrow: true}
		expansion := &ast.FieldExpr{Pos: id.Pos, X: parent, Name: field, Arrow: true}
		t := c.expr(expansion)
		if t != nil {
			c.tab.Desugared[id] = expansion
		}
		return t
	}
	if v == stdlib.Curtask {
		// A kernel pointer, also in probes on user code.
		t := c.typeExpr(&ast.TypeExpr{Pos: id.Pos, Name: "struct task_struct", Ptr: 1})
		if pt, ok := t.(*types.Pointer); ok {
			return &types.Pointer{Elem: pt.Elem, Space: types.Kernel}
		}
		return t
	}
	if v == stdlib.Probetype {
		name := kind.TypeName()
		c.tab.StrConsts[id] = name
		return &types.String{Cap: len(name) + 1}
	}
	if v == stdlib.FuncVar {
		// The traced function: one program per function, so a constant.
		if c.attach.Func == "" {
			if kind != stdlib.ProbeInvalid {
				c.errorf(id, diag.CodeProbe, "The func builtin can only be used with kprobes and uprobes (%s used here)", kind)
			}
			return nil
		}
		c.tab.StrConsts[id] = c.attach.Func
		c.tab.PerAttach = true // each function's own name
		return &types.String{Cap: len(c.attach.Func) + 1}
	}
	if v == stdlib.ConfigVar {
		expansion := c.configRecord(id.Pos)
		t := c.expr(expansion)
		if t != nil {
			c.tab.Desugared[id] = expansion
		}
		return t
	}
	if v == stdlib.Kstack || v == stdlib.Ustack {
		// The config's stack_mode is the default style.
		st := *def.Type.(*types.Stack)
		st.Mode = c.defaultStackMode(id, st.User)
		return &st
	}
	return def.Type
}

func (c *checker) unary(u *ast.Unary) types.Type {
	t := c.expr(u.X)
	if t == nil {
		return nil
	}
	switch u.Op {
	case "-", "~":
		if !types.IsInt(t) {
			c.errorf(u, diag.CodeType, "invalid type for unary '%s': %s", u.Op, t)
			return nil
		}
		if n, ok := c.tab.Consts[u.X]; ok {
			if u.Op == "-" {
				c.tab.Consts[u] = -n
			} else {
				c.tab.Consts[u] = ^n
			}
		}
		if n, ok := c.tab.Consts[u]; ok && c.isLiteral(u.X) {
			return literalType(n)
		}
		if u.Op == "-" {
			return types.Int64
		}
		return valueType(t)
	case "!":
		if !c.truthy(t) {
			c.errorf(u, diag.CodeType, "invalid type for '!': %s", t)
			return nil
		}
		return &types.Bool{}
	case "*":
		return c.deref(u, u.X, t, "the * operator")
	case "&":
		return c.addressOf(u)
	default:
		c.errorf(u, diag.CodeInternal, "unknown unary operator %s", u.Op)
	}
	return nil
}

// arith is the result type of integer arithmetic on a and b.
func arith(a, b types.Type) types.Type { return ArithType(a, b) }

// ArithType is the type integer arithmetic and comparisons on a and b are
// carried out in, following C's usual conversions on 64-bit values:
// unsigned when either operand is a 64-bit unsigned integer or a pointer
// (or both are unsigned), else signed. Codegen uses it to pick signed or
// unsigned instructions.
func ArithType(a, b types.Type) types.Type {
	if isUnsigned64(a) || isUnsigned64(b) || (isUnsigned(a) && isUnsigned(b)) {
		return types.Uint64
	}
	return types.Int64
}

func isUnsigned64(t types.Type) bool {
	switch t := t.(type) {
	case *types.Int:
		return !t.Signed && t.Bits == 64
	case *types.Pointer:
		return true
	}
	return false
}

func isUnsigned(t types.Type) bool {
	switch t := t.(type) {
	case *types.Int:
		return !t.Signed
	case *types.Bool:
		return true
	}
	return false
}

func (c *checker) binary(b *ast.Binary) types.Type {
	x := c.expr(b.X)
	y := c.expr(b.Y)
	if x == nil || y == nil {
		return nil
	}
	switch b.Op {
	case "&&", "||":
		if !c.truthy(x) || !c.truthy(y) {
			c.errorf(b, diag.CodeType, "invalid operands for '%s': %s and %s", b.Op, x, y)
			return nil
		}
		return &types.Bool{}
	case "==", "!=", "<", "<=", ">", ">=":
		if t, ok := c.compareValues(b, x, y); ok {
			return t
		}
		if types.IsString(x) && types.IsString(y) {
			if b.Op != "==" && b.Op != "!=" {
				c.errorf(b, diag.CodeType, "strings can only be compared with == and !=")
				return nil
			}
			return &types.Bool{}
		}
		if types.IsInt(x) && types.IsInt(y) {
			return &types.Bool{}
		}
		if isPtrOrInt(x) && isPtrOrInt(y) {
			return &types.Bool{}
		}
		if _, ok := x.(*types.ProbeName); ok && (b.Op == "==" || b.Op == "!=") {
			if _, ok := y.(*types.ProbeName); ok {
				return &types.Bool{} // the probes' ids
			}
		}
		c.errorf(b, diag.CodeType, "Type mismatch for '%s': comparing '%s' with '%s'", b.Op, x, y)
		return nil
	case "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>":
		if b.Op == "+" && types.IsString(x) && types.IsInt(y) {
			// A constant string advanced by a constant: str($1 + 1).
			if s, ok := c.constString(b); ok {
				c.tab.StrConsts[b] = s
				return &types.String{Cap: len(s) + 1}
			}
		}
		if !types.IsInt(x) || !types.IsInt(y) {
			if (b.Op == "+" || b.Op == "-") && isPtrOrInt(x) && isPtrOrInt(y) {
				return c.pointerArith(b, x, y)
			}
			c.errorf(b, diag.CodeType, "Type mismatch for '%s': '%s' and '%s'", b.Op, x, y)
			return nil
		}
		cx, okx := c.tab.Consts[b.X]
		cy, oky := c.tab.Consts[b.Y]
		if (b.Op == "/" || b.Op == "%") && oky && cy == 0 {
			c.errorAt(b.OpSpan, diag.CodeType, "division by zero")
			return nil
		}
		rt := arith(x, y)
		if b.Op == "<<" || b.Op == ">>" {
			rt = valueType(x)
			if _, isBool := x.(*types.Bool); isBool {
				rt = types.Uint64
			}
		}
		if okx && oky {
			if v, ok := fold(b.Op, cx, cy, rt == types.Uint64); ok {
				c.tab.Consts[b] = v
				if rt != types.Uint64 && c.isLiteral(b.X) && c.isLiteral(b.Y) {
					// Literals fold to a literal, as in bpftrace.
					return literalType(v)
				}
			}
		}
		return rt
	}
	c.errorf(b, diag.CodeInternal, "unknown operator %s", b.Op)
	return nil
}

func isPointer(t types.Type) bool {
	_, ok := t.(*types.Pointer)
	return ok
}

func isPtrOrInt(t types.Type) bool {
	_, ok := t.(*types.Pointer)
	return ok || types.IsInt(t)
}

// fold evaluates a constant binary expression the way the generated code
// would (C semantics for signed division).
func fold(op string, x, y int64, unsigned bool) (int64, bool) {
	ux, uy := uint64(x), uint64(y)
	switch op {
	case "+":
		return x + y, true
	case "-":
		return x - y, true
	case "*":
		return x * y, true
	case "/":
		if unsigned {
			return int64(ux / uy), true
		}
		if x == math.MinInt64 && y == -1 {
			return x, true
		}
		return x / y, true
	case "%":
		if unsigned {
			return int64(ux % uy), true
		}
		if y == -1 {
			return 0, true
		}
		return x % y, true
	case "&":
		return x & y, true
	case "|":
		return x | y, true
	case "^":
		return x ^ y, true
	case "<<":
		return int64(ux << (uy & 63)), true
	case ">>":
		if unsigned {
			return int64(ux >> (uy & 63)), true
		}
		return x >> (uy & 63), true
	}
	return 0, false
}

func (c *checker) ternary(t *ast.Ternary) types.Type {
	ct := c.expr(t.Cond)
	if t.Then == nil {
		return c.elvis(t, ct)
	}
	a := c.expr(t.Then)
	b := c.expr(t.Else)
	if ct == nil || a == nil || b == nil {
		return nil
	}
	if !c.truthy(ct) {
		c.errorf(t.Cond, diag.CodeType, "invalid condition type: %s", ct)
		return nil
	}
	return c.branchType(t, a, b)
}

func (c *checker) incDec(e *ast.IncDec) types.Type {
	switch x := e.X.(type) {
	case *ast.Var:
		sym, ok := c.lookupVar(x.Name)
		if !ok || sym.Type == nil {
			c.undeclared(x)
			return nil
		}
		c.tab.Vars[x] = sym
		if _, isPtr := sym.Type.(*types.Pointer); !types.IsInt(sym.Type) && !isPtr {
			c.errorf(e, diag.CodeType, "The %s operator can only be applied to integers, %s has type %s", e.Op, x.Name, sym.Type)
			return nil
		}
		// The variable stores $x + 1, a 64-bit value (signed after --).
		if it, ok := sym.Type.(*types.Int); ok && !it.Signed && e.Op == "++" {
			c.promoteVar(sym, types.Uint64)
		} else {
			c.promoteVar(sym, types.Int64)
		}
		c.tab.Types[x] = sym.Type
		return sym.Type
	case *ast.MapExpr:
		var vt types.Type = types.Int64
		if pt := c.pointerMap(x); pt != nil {
			vt = pt
		}
		vt = c.mapAssign(x, vt, e)
		if vt == nil {
			return nil
		}
		if _, isPtr := vt.(*types.Pointer); !types.IsInt(vt) && !isPtr {
			c.errorf(e, diag.CodeType, "The %s operator can only be applied to integer maps, %s has type %s", e.Op, x.Name, vt)
			return nil
		}
		c.tab.Types[x] = vt
		return vt
	}
	c.errorf(e, diag.CodeType, "The %s operator must be applied to a map or variable", e.Op)
	return nil
}

func (c *checker) field(e *ast.FieldExpr) types.Type {
	xt := c.expr(e.X)
	if xt == nil {
		return nil
	}
	var st *types.Struct
	switch t := xt.(type) {
	case *types.Ctx:
		st = t.Struct
	case *types.Struct:
		if e.Arrow {
			c.errorf(e, diag.CodeType, "Can not access field '%s' on type '%s'. Try dereferencing it first, or using '.'", e.Name, xt)
			return nil
		}
		st = t
	case *types.Record:
		return c.recordField(e, t)
	case *types.Pointer:
		if s, ok := c.completePointer(t).Elem.(*types.Struct); ok {
			st = s
		}
	}
	if st == nil {
		c.errorf(e, diag.CodeType, "Can not access field '%s' on expression of type '%s'", e.Name, xt)
		return nil
	}
	if incomplete(st) {
		if !c.badCDefs[st.Kind+" "+st.Name] {
			c.errorf(e, diag.CodeUnknown, "Can not access field '%s': '%s' is not defined, neither in the script nor in the kernel's BTF", e.Name, st)
		}
		return nil
	}
	f, ok := st.Field(e.Name)
	if !ok {
		d := c.missingField(e, st, e.Name)
		if d == nil {
			return nil
		}
		names := make([]string, 0, len(st.Fields))
		for _, f := range st.Fields {
			names = append(names, f.Name)
		}
		if s := diag.Nearest(e.Name, names); s != "" {
			d.Hint("did you mean '%s'?", s)
		}
		return nil
	}
	c.tab.Fields[e] = f
	switch ft := f.Type.(type) {
	case *types.Int, *types.Bool:
		return c.fieldEnum(f)
	case *types.Pointer:
		return c.loadedPointer(e, ft)
	case *types.String:
		return ft
	case *types.Struct:
		// An embedded struct: usable for further field accesses.
		if _, isCtx := xt.(*types.Ctx); !isCtx {
			return ft
		}
	case *types.Array:
		// char arrays of kernel structs are strings, as in bpftrace;
		// other byte arrays (addresses: ntop(args.saddr)) stay arrays.
		if it, ok := ft.Elem.(*types.Int); ok && it.Bits == 8 {
			if _, isCtx := xt.(*types.Ctx); !isCtx && it.Signed {
				return &types.String{Cap: ft.Len, Array: true}
			}
			return ft
		}
		// Arrays of other values (long args[6], int m[2][2], struct
		// s a[4]) are indexed or copied.
		if _, isCtx := xt.(*types.Ctx); !isCtx || isScalarType(ft.Elem) {
			return ft
		}
	}
	c.errorf(e, diag.CodeUnsupported, "fields of type '%s' are not supported yet", f.Type)
	return nil
}

func (c *checker) tupleIndex(e *ast.TupleIndex) types.Type {
	xt := c.expr(e.X)
	if xt == nil {
		return nil
	}
	tt, ok := xt.(*types.Tuple)
	if !ok {
		c.errorf(e, diag.CodeType, "Can not access index '%d' on expression of type '%s'", e.Index, xt)
		return nil
	}
	if e.Index < 0 || e.Index >= len(tt.Elems) {
		c.errorf(e, diag.CodeType, "Invalid tuple index: %d. Found %d elements in tuple.", e.Index, len(tt.Elems))
		return nil
	}
	return tt.Elems[e.Index]
}
