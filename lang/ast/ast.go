// Package ast declares the syntax tree of a gobpftrace script.
//
// The tree is produced by lang/parser and read by lang/check and codegen. It
// is a plain data structure: nodes carry a diag.Span and nothing computed by
// later passes (types, resolved builtins, map symbols live in check.Info side
// tables keyed by node pointer, as go/types does).
//
// Statement and expression kinds are sealed interfaces: only the types in
// this package implement Stmt and Expr. Both bpftrace dialects map onto the
// same nodes: `args->f` and `args.f` are both *FieldExpr (Arrow records which
// was written), `delete(@m[k])` and `delete(@m, k)` are both calls to delete.
package ast

import "github.com/gobpftrace/gobpftrace/lang/diag"

// Node is implemented by every syntax tree node.
type Node interface {
	Span() diag.Span
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// Pos is embedded in every node to hold its span.
type Pos struct {
	S diag.Span
}

// Span returns the node's source span.
func (p Pos) Span() diag.Span { return p.S }

// Program is a whole script.
type Program struct {
	Pos
	Shebang  string       // first line starting with "#!", without the newline
	Preproc  []*Directive // '#' lines in source order (#include, #define, #ifdef …)
	CDefs    []*CDef      // C struct/union/enum definitions, raw text
	Config   *Config      // config = { … } block, nil when absent
	Imports  []*Import    // import "file"; (parsed, not supported yet)
	Probes   []*Probe     // probes in source order
	Macros   []*MacroDef  // macro definitions
	MapDecls []*MapDecl   // let @m = hash(N);
	Funcs    []*FuncDef   // fn name(...): type { } (parsed, not supported yet)
}

// Directive is one preprocessor line, e.g. `#define FOO 1`.
type Directive struct {
	Pos
	Name string // "define", "include", "ifdef", "ifndef", "else", "endif", "undef", …
	Text string // everything after the directive name, trimmed
}

// CDef is a C type definition (`struct X { … };`), kept as raw text.
type CDef struct {
	Pos
	Kind string // "struct", "union" or "enum"
	Name string
	Body string // text between the braces
	// Attrs are the items of the __attribute__((…)) lists after the
	// closing brace, as written: "packed", "aligned(8)".
	Attrs []string
}

// Config is a `config = { k = v; … }` block.
type Config struct {
	Pos
	Items []*ConfigItem
}

// ConfigItem is one `key = value` of a config block.
type ConfigItem struct {
	Pos
	Key   string
	Value Expr // *IntLit, *StrLit, *BoolLit or *Ident
}

// Import is a root-level `import "path";`.
type Import struct {
	Pos
	Path string
}

// MacroDef is `macro name(params) { body }`.
type MacroDef struct {
	Pos
	Name   string
	Params []Expr // *Var, *MapExpr or *Ident
	Body   *Block
}

// MapDecl is `let @name = kind(size);`.
type MapDecl struct {
	Pos
	Name string // including '@'
	Kind string // hash, lruhash, percpuhash, percpulruhash
	Size Expr
}

// FuncDef is a subprogram `fn name($a: T): R { }`.
type FuncDef struct {
	Pos
	Name   string
	Params []*Param
	Result *TypeExpr
	Body   *Block
}

// Param is a typed subprogram parameter.
type Param struct {
	Pos
	Name string // including '$'
	Type *TypeExpr
}

// Probe is an action block: attach points, an optional predicate and a body.
type Probe struct {
	Pos
	Attach []*AttachPoint
	Pred   Expr // nil when absent
	Body   *Block
}

// AttachPoint is one attach point of a probe. Raw is the text as written;
// the parser splits it into Provider and Parts (unquoted, on ':').
type AttachPoint struct {
	Pos
	Raw      string
	Provider string   // as written, e.g. "t", "tracepoint", "BEGIN"
	Parts    []string // the ':'-separated parts after the provider
}

// Block is `{ stmts }`. A trailing expression without ';' is stored as a
// final *ExprStmt with Value set.
type Block struct {
	Pos
	Stmts []Stmt
}

// TypeExpr is a type name as written in casts, sizeof, offsetof and let.
type TypeExpr struct {
	Pos
	Name  string // "uint32", "struct sock", "union u", "enum e", "pid_t", "string"
	Ptr   int    // number of '*'
	Array int    // [N] suffix length; -1 for "[]"; 0 when absent
	// Of is the operand of a `typeof(…)` base type (Name then holds the
	// text as written).
	Of *TypeofExpr
}

// ---- statements ----

// ExprStmt is an expression evaluated for its effects.
type ExprStmt struct {
	Pos
	X     Expr
	Value bool // trailing expression of a block (no ';')
}

// AssignStmt is `target op value` with op one of = += -= *= /= %= &= |= ^= <<= >>=.
type AssignStmt struct {
	Pos
	Target Expr // *Var or *MapExpr
	Op     string
	Value  Expr
}

// LetStmt is `let $x [: T] [= e]`.
type LetStmt struct {
	Pos
	Var   *Var
	Type  *TypeExpr // may be nil
	Value Expr      // may be nil
}

// DiscardStmt is `_ = e`.
type DiscardStmt struct {
	Pos
	Value Expr
}

// IfStmt is `if cond { } [else …]`. Else is nil, a *Block or an *IfStmt.
type IfStmt struct {
	Pos
	Cond Expr
	Then *Block
	Else Stmt
}

// WhileStmt is `while cond { }`.
type WhileStmt struct {
	Pos
	Cond Expr
	Body *Block
}

// UnrollStmt is `unroll (n) { }`.
type UnrollStmt struct {
	Pos
	Count Expr
	Body  *Block
}

// ForStmt is `for ($v : @map) { }` (Map set) or `for ($v : a..b) { }` (Start/End set).
type ForStmt struct {
	Pos
	Var   *Var
	Map   *MapExpr
	Start Expr
	End   Expr
	Body  *Block
}

// ReturnStmt is `return [e]`.
type ReturnStmt struct {
	Pos
	Value Expr
}

// BreakStmt is `break`.
type BreakStmt struct{ Pos }

// ContinueStmt is `continue`.
type ContinueStmt struct{ Pos }

// ImportStmt is a statement-level `import "x"`.
type ImportStmt struct {
	Pos
	Path string
}

// ---- expressions ----

// IntLit is an integer literal. Value holds the 64-bit pattern; Raw the text.
type IntLit struct {
	Pos
	Value uint64
	Raw   string
}

// StrLit is a string literal with escapes already decoded.
type StrLit struct {
	Pos
	Value string
}

// BoolLit is true or false.
type BoolLit struct {
	Pos
	Value bool
}

// Var is a scratch variable `$name`.
type Var struct {
	Pos
	Name string // including '$'
}

// ParamExpr is a positional parameter `$N`.
type ParamExpr struct {
	Pos
	N int
}

// ParamCount is `$#`.
type ParamCount struct{ Pos }

// MapExpr is `@name` or `@name[keys]`. Keys is nil for a scalar access.
type MapExpr struct {
	Pos
	Name string // including '@'; "@" for the anonymous map
	Keys []Expr
}

// Ident is a bare identifier: a builtin variable, enum constant, #define,
// stack mode or zero-argument macro.
type Ident struct {
	Pos
	Name string
}

// Call is `name(args)`. Parens is false for a bare builtin-style use that
// the parser could not distinguish from an identifier (never set today).
type Call struct {
	Pos
	Name     string
	NameSpan diag.Span
	Args     []Expr
}

// Unary is a prefix operator: - ! ~ * (deref) & (address-of).
type Unary struct {
	Pos
	Op string
	X  Expr
}

// Binary is a binary operator expression.
type Binary struct {
	Pos
	Op     string
	OpSpan diag.Span
	X, Y   Expr
}

// Ternary is `c ? a : b` (Then nil for the elvis form `c ?: b`).
type Ternary struct {
	Pos
	Cond, Then, Else Expr
}

// IncDec is `x++`, `x--`, `++x`, `--x`.
type IncDec struct {
	Pos
	X      Expr
	Op     string // "++" or "--"
	Prefix bool
}

// Cast is `(type) x`.
type Cast struct {
	Pos
	Type *TypeExpr
	X    Expr
}

// FieldExpr is `x.name` or `x->name`.
type FieldExpr struct {
	Pos
	X     Expr
	Name  string
	Arrow bool
}

// TupleIndex is `x.N`.
type TupleIndex struct {
	Pos
	X     Expr
	Index int
}

// IndexExpr is `x[i]`.
type IndexExpr struct {
	Pos
	X, Index Expr
}

// Tuple is `(a, b, …)`.
type Tuple struct {
	Pos
	Elems []Expr
}

// Record is `(name = e, …)`.
type Record struct {
	Pos
	Names  []string
	Values []Expr
}

// Sizeof is `sizeof(T)` or `sizeof(expr)`.
type Sizeof struct {
	Pos
	Type *TypeExpr // set for the type form
	X    Expr      // set for the expression form
}

// Offsetof is `offsetof(T, a.b)` or `offsetof(expr, a.b)`.
type Offsetof struct {
	Pos
	Type   *TypeExpr
	X      Expr
	Fields []string
}

// TypeofExpr is `typeof(…)`/`typeinfo(…)` (parsed, not supported yet).
type TypeofExpr struct {
	Pos
	Keyword string
	Type    *TypeExpr
	X       Expr
}

// ComptimeExpr is `comptime x` (parsed, not supported yet).
type ComptimeExpr struct {
	Pos
	X Expr
}

// BlockExpr is `{ stmts; expr }` used as an expression.
type BlockExpr struct {
	Pos
	Block *Block
}

// IfExpr is `if c { a } else { b }` used as an expression.
type IfExpr struct {
	Pos
	Cond       Expr
	Then, Else *Block
}

func (*ExprStmt) stmtNode()     {}
func (*AssignStmt) stmtNode()   {}
func (*LetStmt) stmtNode()      {}
func (*DiscardStmt) stmtNode()  {}
func (*IfStmt) stmtNode()       {}
func (*WhileStmt) stmtNode()    {}
func (*UnrollStmt) stmtNode()   {}
func (*ForStmt) stmtNode()      {}
func (*ReturnStmt) stmtNode()   {}
func (*BreakStmt) stmtNode()    {}
func (*ContinueStmt) stmtNode() {}
func (*ImportStmt) stmtNode()   {}
func (*Block) stmtNode()        {}

func (*IntLit) exprNode()       {}
func (*StrLit) exprNode()       {}
func (*BoolLit) exprNode()      {}
func (*Var) exprNode()          {}
func (*ParamExpr) exprNode()    {}
func (*ParamCount) exprNode()   {}
func (*MapExpr) exprNode()      {}
func (*Ident) exprNode()        {}
func (*Call) exprNode()         {}
func (*Unary) exprNode()        {}
func (*Binary) exprNode()       {}
func (*Ternary) exprNode()      {}
func (*IncDec) exprNode()       {}
func (*Cast) exprNode()         {}
func (*FieldExpr) exprNode()    {}
func (*TupleIndex) exprNode()   {}
func (*IndexExpr) exprNode()    {}
func (*Tuple) exprNode()        {}
func (*Record) exprNode()       {}
func (*Sizeof) exprNode()       {}
func (*Offsetof) exprNode()     {}
func (*TypeofExpr) exprNode()   {}
func (*ComptimeExpr) exprNode() {}
func (*BlockExpr) exprNode()    {}
func (*IfExpr) exprNode()       {}
