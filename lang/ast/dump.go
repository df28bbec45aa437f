package ast

import (
	"strconv"
	"strings"
)

// Dump renders n as a compact one-line S-expression, for tests and
// debugging. The format is deterministic and never contains spans:
//
//	literals      5  "str\n"  true
//	names         $x  @m  $1  $#  pid  (identifiers print bare)
//	map access    (@m k1 k2)          (@m alone when there are no keys)
//	operators     (+ a b)  (- x)  (? c a b)  (?: c b)  (post++ $x)  (pre-- @m)
//	postfix       (. x f)  (-> x f)  (. $t 0)  ([] x i)  (call f a b)
//	types         (type struct sock *)  (type uint8 [8])  (type int8 * *)
//	other exprs   (cast T x) (tuple a b) (record (a 1) (b 2)) (sizeof T|x)
//	              (offsetof T|x f g) (typeof T|x) (comptime x) (blockexpr s…)
//	              (ifexpr c (block …) (block …))
//	statements    (expr x)  (value x)  (= $x 1)  (+= @m 2)  (let $x T 1)
//	              (discard x) (if c (block …) else) (while c (block …))
//	              (unroll n (block …)) (for $v @m (block …))
//	              (for $i (range a b) (block …)) (return [x]) (break) (continue)
//	              (import "p") (block s…)
//	top level     (program …) (shebang "…") (#define "X 1") (cdef struct X "body")
//	              (config (k v) …) (import "p") (mapdecl @m hash 10)
//	              (macro m ($a @m x) (block …)) (fn f (($a T)) T (block …))
//	              (probe (attach "prov" "part" …) (pred x) (block …))
//
// A nil node prints as nil; absent optional parts are omitted.
func Dump(n Node) string {
	var b strings.Builder
	dump(&b, n)
	return b.String()
}

func dumpList(b *strings.Builder, head string, parts ...func()) {
	b.WriteByte('(')
	b.WriteString(head)
	for _, p := range parts {
		b.WriteByte(' ')
		p()
	}
	b.WriteByte(')')
}

func dumpNodes[N Node](b *strings.Builder, ns []N) {
	for _, n := range ns {
		b.WriteByte(' ')
		dump(b, n)
	}
}

func dumpType(b *strings.Builder, t *TypeExpr) {
	if t == nil {
		b.WriteString("nil")
		return
	}
	b.WriteString("(type ")
	b.WriteString(t.Name)
	for range t.Ptr {
		b.WriteString(" *")
	}
	switch {
	case t.Array < 0:
		b.WriteString(" []")
	case t.Array > 0:
		b.WriteString(" [")
		b.WriteString(strconv.Itoa(t.Array))
		b.WriteString("]")
	}
	b.WriteByte(')')
}

// dumpTop renders the top-level declarations of a Program.
func dumpTop(b *strings.Builder, x *Program) {
	b.WriteString("(program")
	if x.Shebang != "" {
		b.WriteString(" (shebang ")
		b.WriteString(strconv.Quote(x.Shebang))
		b.WriteByte(')')
	}
	dumpNodes(b, x.Preproc)
	dumpNodes(b, x.CDefs)
	if x.Config != nil {
		b.WriteByte(' ')
		dump(b, x.Config)
	}
	dumpNodes(b, x.Imports)
	dumpNodes(b, x.MapDecls)
	dumpNodes(b, x.Macros)
	dumpNodes(b, x.Funcs)
	dumpNodes(b, x.Probes)
	b.WriteByte(')')
}

func dump(b *strings.Builder, n Node) {
	if isNil(n) {
		b.WriteString("nil")
		return
	}
	switch x := n.(type) {
	case *Program:
		dumpTop(b, x)
	case *Directive:
		b.WriteString("(#")
		b.WriteString(x.Name)
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(x.Text))
		b.WriteByte(')')
	case *CDef:
		b.WriteString("(cdef ")
		b.WriteString(x.Kind)
		b.WriteByte(' ')
		b.WriteString(x.Name)
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(x.Body))
		for _, a := range x.Attrs {
			b.WriteString(" (attr ")
			b.WriteString(strconv.Quote(a))
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *Config:
		b.WriteString("(config")
		dumpNodes(b, x.Items)
		b.WriteByte(')')
	case *ConfigItem:
		b.WriteByte('(')
		b.WriteString(x.Key)
		b.WriteByte(' ')
		dump(b, x.Value)
		b.WriteByte(')')
	case *Import:
		b.WriteString("(import ")
		b.WriteString(strconv.Quote(x.Path))
		b.WriteByte(')')
	case *ImportStmt:
		b.WriteString("(import ")
		b.WriteString(strconv.Quote(x.Path))
		b.WriteByte(')')
	case *MacroDef:
		b.WriteString("(macro ")
		b.WriteString(x.Name)
		b.WriteString(" (")
		for i, p := range x.Params {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, p)
		}
		b.WriteString(") ")
		dump(b, x.Body)
		b.WriteByte(')')
	case *MapDecl:
		b.WriteString("(mapdecl ")
		b.WriteString(x.Name)
		b.WriteByte(' ')
		b.WriteString(x.Kind)
		b.WriteByte(' ')
		dump(b, x.Size)
		b.WriteByte(')')
	case *FuncDef:
		b.WriteString("(fn ")
		b.WriteString(x.Name)
		b.WriteString(" (")
		for i, p := range x.Params {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, p)
		}
		b.WriteString(") ")
		dumpType(b, x.Result)
		b.WriteByte(' ')
		dump(b, x.Body)
		b.WriteByte(')')
	case *Param:
		b.WriteByte('(')
		b.WriteString(x.Name)
		b.WriteByte(' ')
		dumpType(b, x.Type)
		b.WriteByte(')')
	case *Probe:
		b.WriteString("(probe")
		dumpNodes(b, x.Attach)
		if x.Pred != nil {
			b.WriteString(" (pred ")
			dump(b, x.Pred)
			b.WriteByte(')')
		}
		b.WriteByte(' ')
		dump(b, x.Body)
		b.WriteByte(')')
	case *AttachPoint:
		b.WriteString("(attach ")
		b.WriteString(strconv.Quote(x.Provider))
		for _, p := range x.Parts {
			b.WriteByte(' ')
			b.WriteString(strconv.Quote(p))
		}
		b.WriteByte(')')
	case *Block:
		b.WriteString("(block")
		dumpNodes(b, x.Stmts)
		b.WriteByte(')')
	case *TypeExpr:
		dumpType(b, x)
	default:
		if !dumpStmt(b, n) {
			dumpExpr(b, n)
		}
	}
}

// dumpStmt renders statement nodes; it reports false for anything else.
func dumpStmt(b *strings.Builder, n Node) bool {
	switch x := n.(type) {
	case *ExprStmt:
		if x.Value {
			dumpList(b, "value", func() { dump(b, x.X) })
		} else {
			dumpList(b, "expr", func() { dump(b, x.X) })
		}
	case *AssignStmt:
		dumpList(b, x.Op, func() { dump(b, x.Target) }, func() { dump(b, x.Value) })
	case *LetStmt:
		b.WriteString("(let ")
		dump(b, x.Var)
		if x.Type != nil {
			b.WriteByte(' ')
			dumpType(b, x.Type)
		}
		if x.Value != nil {
			b.WriteByte(' ')
			dump(b, x.Value)
		}
		b.WriteByte(')')
	case *DiscardStmt:
		dumpList(b, "discard", func() { dump(b, x.Value) })
	case *IfStmt:
		b.WriteString("(if ")
		dump(b, x.Cond)
		b.WriteByte(' ')
		dump(b, x.Then)
		if !isNil(x.Else) {
			b.WriteByte(' ')
			dump(b, x.Else)
		}
		b.WriteByte(')')
	case *WhileStmt:
		dumpList(b, "while", func() { dump(b, x.Cond) }, func() { dump(b, x.Body) })
	case *UnrollStmt:
		dumpList(b, "unroll", func() { dump(b, x.Count) }, func() { dump(b, x.Body) })
	case *ForStmt:
		b.WriteString("(for ")
		dump(b, x.Var)
		b.WriteByte(' ')
		if x.Map != nil {
			dump(b, x.Map)
		} else {
			dumpList(b, "range", func() { dump(b, x.Start) }, func() { dump(b, x.End) })
		}
		b.WriteByte(' ')
		dump(b, x.Body)
		b.WriteByte(')')
	case *ReturnStmt:
		if x.Value == nil {
			b.WriteString("(return)")
		} else {
			dumpList(b, "return", func() { dump(b, x.Value) })
		}
	case *BreakStmt:
		b.WriteString("(break)")
	case *ContinueStmt:
		b.WriteString("(continue)")
	default:
		return false
	}
	return true
}

// dumpExpr renders expression nodes.
func dumpExpr(b *strings.Builder, n Node) {
	switch x := n.(type) {
	case *IntLit:
		b.WriteString(strconv.FormatUint(x.Value, 10))
	case *StrLit:
		b.WriteString(strconv.Quote(x.Value))
	case *BoolLit:
		b.WriteString(strconv.FormatBool(x.Value))
	case *Var:
		b.WriteString(x.Name)
	case *ParamExpr:
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(x.N))
	case *ParamCount:
		b.WriteString("$#")
	case *MapExpr:
		if x.Keys == nil {
			b.WriteString(x.Name)
			return
		}
		b.WriteByte('(')
		b.WriteString(x.Name)
		dumpNodes(b, x.Keys)
		b.WriteByte(')')
	case *Ident:
		b.WriteString(x.Name)
	case *Call:
		b.WriteString("(call ")
		b.WriteString(x.Name)
		dumpNodes(b, x.Args)
		b.WriteByte(')')
	case *Unary:
		dumpList(b, x.Op, func() { dump(b, x.X) })
	case *Binary:
		dumpList(b, x.Op, func() { dump(b, x.X) }, func() { dump(b, x.Y) })
	case *Ternary:
		if x.Then == nil {
			dumpList(b, "?:", func() { dump(b, x.Cond) }, func() { dump(b, x.Else) })
		} else {
			dumpList(b, "?", func() { dump(b, x.Cond) }, func() { dump(b, x.Then) }, func() { dump(b, x.Else) })
		}
	case *IncDec:
		head := "post" + x.Op
		if x.Prefix {
			head = "pre" + x.Op
		}
		dumpList(b, head, func() { dump(b, x.X) })
	case *Cast:
		dumpList(b, "cast", func() { dumpType(b, x.Type) }, func() { dump(b, x.X) })
	case *FieldExpr:
		op := "."
		if x.Arrow {
			op = "->"
		}
		dumpList(b, op, func() { dump(b, x.X) }, func() { b.WriteString(x.Name) })
	case *TupleIndex:
		dumpList(b, ".", func() { dump(b, x.X) }, func() { b.WriteString(strconv.Itoa(x.Index)) })
	case *IndexExpr:
		dumpList(b, "[]", func() { dump(b, x.X) }, func() { dump(b, x.Index) })
	case *Tuple:
		b.WriteString("(tuple")
		dumpNodes(b, x.Elems)
		b.WriteByte(')')
	case *Record:
		b.WriteString("(record")
		for i, name := range x.Names {
			b.WriteString(" (")
			b.WriteString(name)
			b.WriteByte(' ')
			if i < len(x.Values) {
				dump(b, x.Values[i])
			} else {
				b.WriteString("nil")
			}
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *Sizeof:
		dumpList(b, "sizeof", func() { dumpTypeOrExpr(b, x.Type, x.X) })
	case *Offsetof:
		b.WriteString("(offsetof ")
		dumpTypeOrExpr(b, x.Type, x.X)
		for _, f := range x.Fields {
			b.WriteByte(' ')
			b.WriteString(f)
		}
		b.WriteByte(')')
	case *TypeofExpr:
		dumpList(b, x.Keyword, func() { dumpTypeOrExpr(b, x.Type, x.X) })
	case *ComptimeExpr:
		dumpList(b, "comptime", func() { dump(b, x.X) })
	case *BlockExpr:
		b.WriteString("(blockexpr")
		if x.Block != nil {
			dumpNodes(b, x.Block.Stmts)
		}
		b.WriteByte(')')
	case *IfExpr:
		b.WriteString("(ifexpr ")
		dump(b, x.Cond)
		b.WriteByte(' ')
		dump(b, x.Then)
		if x.Else != nil {
			b.WriteByte(' ')
			dump(b, x.Else)
		}
		b.WriteByte(')')
	default:
		b.WriteString("(?)")
	}
}

func dumpTypeOrExpr(b *strings.Builder, t *TypeExpr, x Expr) {
	if t != nil {
		dumpType(b, t)
		return
	}
	dump(b, x)
}
