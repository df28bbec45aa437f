package parser

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// builtinTypes are the type names a cast may use without further evidence.
var builtinTypes = map[string]bool{
	"int8": true, "uint8": true, "int16": true, "uint16": true,
	"int32": true, "uint32": true, "int64": true, "uint64": true,
	"bool": true, "string": true, "buffer": true, "inet": true, "void": true,
}

// isCompositeKeyword reports whether name introduces a C type name.
func isCompositeKeyword(name string) bool {
	return name == "struct" || name == "union" || name == "enum"
}

// isCast decides, with the next token being '(', whether a cast follows:
//
//   - `(struct|union|enum X …)` is always a cast;
//   - `(T …)` with T a builtin type name followed by '*', '[' or ')';
//   - `(T *…)` followed by ')' or '[' for any identifier T (a typedef);
//   - `(typeof(…) *…)`;
//   - `(T)` followed by a token that starts an operand, unless T is a
//     builtin variable (so `(pid) * tid` is a multiplication), a keyword
//     or true/false.
func (p *parser) isCast() bool {
	t1 := p.peekAt(1)
	if t1.kind != kIdent {
		return false
	}
	t2 := p.peekAt(2)
	switch {
	case isCompositeKeyword(t1.text):
		return t2.kind == kIdent
	case builtinTypes[t1.text]:
		return t2.is("*") || t2.is("[") || t2.is(")")
	case t1.text == "typeof" && t2.is("("):
		// `(typeof(…) *…)`: after the balanced operand, '*'s and ')'.
		i, depth := 2, 0
		for t := p.peekAt(i); t.kind != kEOF; t = p.peekAt(i) {
			if t.is("(") {
				depth++
			} else if t.is(")") {
				if depth--; depth == 0 {
					break
				}
			}
			i++
		}
		for i++; p.peekAt(i).is("*"); i++ {
		}
		return p.peekAt(i).is(")")
	case keywords[t1.text], t1.text == "true", t1.text == "false":
		return false
	}
	i := 2
	for p.peekAt(i).is("*") {
		i++
	}
	ti := p.peekAt(i)
	if i > 2 {
		return ti.is(")") || ti.is("[")
	}
	return ti.is(")") && !isBuiltinVar(t1.text) && startsOperand(p.peekAt(3))
}

// startsOperand reports whether t can begin the operand of a cast.
func startsOperand(t token) bool {
	switch t.kind {
	case kNumber, kString, kDollar, kMap, kIdent:
		return true
	case kPunct:
		switch t.text {
		case "(", "!", "~", "-", "*", "&":
			return true
		}
	}
	return false
}

// looksLikeType decides whether the argument of sizeof/offsetof/typeof
// (the next token) is a type rather than an expression. A lone identifier
// is a type unless it is a builtin variable, a keyword or true/false.
func (p *parser) looksLikeType() bool {
	t1 := p.peek()
	if t1.kind != kIdent {
		return false
	}
	t2 := p.peekAt(1)
	switch {
	case isCompositeKeyword(t1.text):
		return t2.kind == kIdent
	case builtinTypes[t1.text]:
		return t2.is("*") || t2.is("[") || t2.is(")") || t2.is(",")
	case keywords[t1.text], t1.text == "true", t1.text == "false", isBuiltinVar(t1.text):
		return false
	}
	i := 1
	for p.peekAt(i).is("*") {
		i++
	}
	ti := p.peekAt(i)
	return ti.is(")") || ti.is(",") || i > 1 && ti.is("[")
}

// typeOrExpr parses the argument of sizeof/offsetof/typeof.
func (p *parser) typeOrExpr() (*ast.TypeExpr, ast.Expr) {
	if p.looksLikeType() {
		return p.parseType(), nil
	}
	return nil, p.parseExpr(false)
}

// parseType parses `base { '*' | '[' [N] ']' }` where base is an
// identifier, `struct|union|enum NAME`, or `typeof(…)` (its text in Name,
// its operand in Of).
func (p *parser) parseType() *ast.TypeExpr {
	t := p.expectIdent()
	typ := &ast.TypeExpr{Name: t.text}
	switch {
	case isCompositeKeyword(t.text):
		typ.Name += " " + p.expectIdent().text
	case (t.text == "typeof" || t.text == "typeinfo") && p.at("("):
		p.next()
		of := &ast.TypeofExpr{Keyword: t.text}
		of.Type, of.X = p.typeOrExpr()
		p.expect(")")
		of.Pos = p.pos(t.pos)
		typ.Name, typ.Of = p.text[t.pos:p.lastEnd], of
	}
	for {
		switch {
		case p.accept("*"):
			typ.Ptr++
			continue
		case p.at("["):
			p.next()
			typ.Array = -1
			if n := p.peek(); n.kind == kNumber {
				p.next()
				v, msg := parseInt(n.text)
				if msg != "" || v == 0 || v > 1<<30 {
					p.errorf(n.span(), "invalid array size: %s", n.text)
					v = 1
				}
				typ.Array = int(v)
			}
			p.expect("]")
			continue
		}
		break
	}
	typ.Pos = p.pos(t.pos)
	return typ
}
