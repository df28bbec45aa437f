package ast

// Inspect traverses the tree rooted at n in depth-first order. It calls f(n)
// and, when f returns true, inspects every non-nil child of n in source-field
// order (a Program's children are visited kind by kind, in the order of its
// fields). Unlike go/ast.Inspect it never calls f(nil), so f may use its
// argument unconditionally.
func Inspect(n Node, f func(Node) bool) {
	if isNil(n) || !f(n) {
		return
	}
	for _, c := range children(n) {
		Inspect(c, f)
	}
}

// isNil reports whether n is a nil interface or a typed nil pointer.
func isNil(n Node) bool {
	switch x := n.(type) {
	case nil:
		return true
	case *Program:
		return x == nil
	case *Directive:
		return x == nil
	case *CDef:
		return x == nil
	case *Config:
		return x == nil
	case *ConfigItem:
		return x == nil
	case *Import:
		return x == nil
	case *MacroDef:
		return x == nil
	case *MapDecl:
		return x == nil
	case *FuncDef:
		return x == nil
	case *Param:
		return x == nil
	case *Probe:
		return x == nil
	case *AttachPoint:
		return x == nil
	case *Block:
		return x == nil
	case *TypeExpr:
		return x == nil
	case *ExprStmt:
		return x == nil
	case *AssignStmt:
		return x == nil
	case *LetStmt:
		return x == nil
	case *DiscardStmt:
		return x == nil
	case *IfStmt:
		return x == nil
	case *WhileStmt:
		return x == nil
	case *UnrollStmt:
		return x == nil
	case *ForStmt:
		return x == nil
	case *ReturnStmt:
		return x == nil
	case *BreakStmt:
		return x == nil
	case *ContinueStmt:
		return x == nil
	case *ImportStmt:
		return x == nil
	case *IntLit:
		return x == nil
	case *StrLit:
		return x == nil
	case *BoolLit:
		return x == nil
	case *Var:
		return x == nil
	case *ParamExpr:
		return x == nil
	case *ParamCount:
		return x == nil
	case *MapExpr:
		return x == nil
	case *Ident:
		return x == nil
	case *Call:
		return x == nil
	case *Unary:
		return x == nil
	case *Binary:
		return x == nil
	case *Ternary:
		return x == nil
	case *IncDec:
		return x == nil
	case *Cast:
		return x == nil
	case *FieldExpr:
		return x == nil
	case *TupleIndex:
		return x == nil
	case *IndexExpr:
		return x == nil
	case *Tuple:
		return x == nil
	case *Record:
		return x == nil
	case *Sizeof:
		return x == nil
	case *Offsetof:
		return x == nil
	case *TypeofExpr:
		return x == nil
	case *ComptimeExpr:
		return x == nil
	case *BlockExpr:
		return x == nil
	case *IfExpr:
		return x == nil
	}
	return false
}

// nodes collects the non-nil nodes among ns.
func nodes(ns ...Node) []Node {
	out := ns[:0]
	for _, n := range ns {
		if !isNil(n) {
			out = append(out, n)
		}
	}
	return out
}

func exprNodes[E Expr](xs []E) []Node {
	out := make([]Node, 0, len(xs))
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}

// children returns the direct children of n, nil ones removed. Typed nil
// pointers stored in interface fields are filtered by isNil in Inspect.
func children(n Node) []Node {
	switch x := n.(type) {
	case *Program:
		var out []Node
		for _, d := range x.Preproc {
			out = append(out, d)
		}
		for _, d := range x.CDefs {
			out = append(out, d)
		}
		if x.Config != nil {
			out = append(out, x.Config)
		}
		for _, d := range x.Imports {
			out = append(out, d)
		}
		for _, d := range x.Probes {
			out = append(out, d)
		}
		for _, d := range x.Macros {
			out = append(out, d)
		}
		for _, d := range x.MapDecls {
			out = append(out, d)
		}
		for _, d := range x.Funcs {
			out = append(out, d)
		}
		return out
	case *Config:
		out := make([]Node, 0, len(x.Items))
		for _, it := range x.Items {
			out = append(out, it)
		}
		return out
	case *ConfigItem:
		return nodes(x.Value)
	case *MacroDef:
		return append(exprNodes(x.Params), nodes(x.Body)...)
	case *MapDecl:
		return nodes(x.Size)
	case *FuncDef:
		out := make([]Node, 0, len(x.Params)+2)
		for _, p := range x.Params {
			out = append(out, p)
		}
		return append(out, nodes(x.Result, x.Body)...)
	case *Param:
		return nodes(x.Type)
	case *Probe:
		out := make([]Node, 0, len(x.Attach)+2)
		for _, a := range x.Attach {
			out = append(out, a)
		}
		return append(out, nodes(x.Pred, x.Body)...)
	case *Block:
		return stmtNodes(x.Stmts)
	case *ExprStmt:
		return nodes(x.X)
	case *AssignStmt:
		return nodes(x.Target, x.Value)
	case *LetStmt:
		return nodes(x.Var, x.Type, x.Value)
	case *DiscardStmt:
		return nodes(x.Value)
	case *IfStmt:
		return nodes(x.Cond, x.Then, x.Else)
	case *WhileStmt:
		return nodes(x.Cond, x.Body)
	case *UnrollStmt:
		return nodes(x.Count, x.Body)
	case *ForStmt:
		return nodes(x.Var, x.Map, x.Start, x.End, x.Body)
	case *ReturnStmt:
		return nodes(x.Value)
	case *MapExpr:
		return exprNodes(x.Keys)
	case *Call:
		return exprNodes(x.Args)
	case *Unary:
		return nodes(x.X)
	case *Binary:
		return nodes(x.X, x.Y)
	case *Ternary:
		return nodes(x.Cond, x.Then, x.Else)
	case *IncDec:
		return nodes(x.X)
	case *Cast:
		return nodes(x.Type, x.X)
	case *TypeExpr:
		return nodes(x.Of)
	case *FieldExpr:
		return nodes(x.X)
	case *TupleIndex:
		return nodes(x.X)
	case *IndexExpr:
		return nodes(x.X, x.Index)
	case *Tuple:
		return exprNodes(x.Elems)
	case *Record:
		return exprNodes(x.Values)
	case *Sizeof:
		return nodes(x.Type, x.X)
	case *Offsetof:
		return nodes(x.Type, x.X)
	case *TypeofExpr:
		return nodes(x.Type, x.X)
	case *ComptimeExpr:
		return nodes(x.X)
	case *BlockExpr:
		return nodes(x.Block)
	case *IfExpr:
		return nodes(x.Cond, x.Then, x.Else)
	}
	return nil
}

func stmtNodes(ss []Stmt) []Node {
	out := make([]Node, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}
