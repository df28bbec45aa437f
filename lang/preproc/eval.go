package preproc

import (
	"strconv"
	"strings"
)

// eval evaluates a constant C expression of the kind used in #if and in
// object-like #defines: integers (with C suffixes), macros (undefined ones
// are 0 in #if), defined(X), unary - + ! ~, the binary arithmetic, shift,
// bit, comparison and logical operators, and parentheses. It reports
// false for anything else (casts, strings, function-like macros …).
func (p *processor) eval(s string) (int64, bool) {
	return evaluate(s, p, func(name string) (int64, bool) {
		if v, ok := p.res.Defines[name]; ok && !v.IsStr {
			return v.Int, true
		}
		return 0, true // an undefined macro is 0, as in #if
	})
}

// Eval evaluates a constant C integer expression with the operators of
// #if, such as the value of an enumerator (1 << 3, A | B); lookup gives
// the values of the identifiers it uses, and one it does not know makes
// the expression invalid.
func Eval(s string, lookup func(name string) (int64, bool)) (int64, bool) {
	return evaluate(s, nil, lookup)
}

func evaluate(s string, p *processor, ident func(string) (int64, bool)) (int64, bool) {
	e := &evaluator{p: p, ident: ident, toks: tokenize(stripComment(s))}
	if len(e.toks) == 0 {
		return 0, false
	}
	v := e.binary(0)
	if e.bad || e.pos != len(e.toks) {
		return 0, false
	}
	return v, true
}

type evaluator struct {
	p     *processor // nil outside #if: defined() is invalid
	ident func(string) (int64, bool)
	toks  []string
	pos   int
	bad   bool
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case isIdentByte(c) || c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isIdentByte(s[j]) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			if i+1 < len(s) {
				switch two := s[i : i+2]; two {
				case "<<", ">>", "<=", ">=", "==", "!=", "&&", "||":
					toks = append(toks, two)
					i += 2
					continue
				}
			}
			toks = append(toks, string(c))
			i++
		}
	}
	return toks
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// precedence of the binary operators (higher binds tighter).
var precedence = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, "<=": 7, ">": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (e *evaluator) peek() string {
	if e.pos < len(e.toks) {
		return e.toks[e.pos]
	}
	return ""
}

func (e *evaluator) next() string {
	t := e.peek()
	e.pos++
	return t
}

func (e *evaluator) binary(minPrec int) int64 {
	x := e.unary()
	for {
		op := e.peek()
		prec, ok := precedence[op]
		if !ok || prec <= minPrec {
			return x
		}
		e.next()
		y := e.binary(prec)
		x = apply(op, x, y, &e.bad)
	}
}

func apply(op string, x, y int64, bad *bool) int64 {
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	switch op {
	case "||":
		return b(x != 0 || y != 0)
	case "&&":
		return b(x != 0 && y != 0)
	case "|":
		return x | y
	case "^":
		return x ^ y
	case "&":
		return x & y
	case "==":
		return b(x == y)
	case "!=":
		return b(x != y)
	case "<":
		return b(x < y)
	case "<=":
		return b(x <= y)
	case ">":
		return b(x > y)
	case ">=":
		return b(x >= y)
	case "<<":
		return x << uint64(y&63)
	case ">>":
		return x >> uint64(y&63)
	case "+":
		return x + y
	case "-":
		return x - y
	case "*":
		return x * y
	case "/", "%":
		if y == 0 {
			*bad = true
			return 0
		}
		if op == "/" {
			return x / y
		}
		return x % y
	}
	*bad = true
	return 0
}

func (e *evaluator) unary() int64 {
	switch t := e.next(); {
	case t == "(":
		v := e.binary(0)
		if e.next() != ")" {
			e.bad = true
		}
		return v
	case t == "-":
		return -e.unary()
	case t == "+":
		return e.unary()
	case t == "!":
		if e.unary() == 0 {
			return 1
		}
		return 0
	case t == "~":
		return ^e.unary()
	case t == "defined" && e.p != nil:
		name := e.next()
		paren := name == "("
		if paren {
			name = e.next()
		}
		if paren && e.next() != ")" {
			e.bad = true
		}
		if _, ok := e.p.res.Defines[name]; ok {
			return 1
		}
		return 0
	case t != "" && t[0] >= '0' && t[0] <= '9':
		return parseInt(t, &e.bad)
	case t != "" && isIdentByte(t[0]):
		v, ok := e.ident(t)
		if !ok {
			e.bad = true
		}
		return v
	}
	e.bad = true
	return 0
}

// parseInt parses a C integer literal (decimal, 0x hex, 0 octal, 0b
// binary) with optional u/l suffixes.
func parseInt(t string, bad *bool) int64 {
	t = strings.TrimRight(t, "uUlL")
	if v, err := strconv.ParseInt(t, 0, 64); err == nil {
		return v
	}
	if v, err := strconv.ParseUint(t, 0, 64); err == nil {
		return int64(v)
	}
	*bad = true
	return 0
}
