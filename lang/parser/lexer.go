package parser

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Lexer states (see doc.go):
//
//	Root   top level: attach points, '#' lines, C definitions, keywords
//	Block  statements and expressions (also headers of config/macro/fn/let)
//	Pred   a probe predicate: Block tokens plus the closing "/ {"
//	CBody  the balanced-brace body of a C definition
const (
	ignoredPattern = `(?:[ \t\r\n\f\v]+|//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/)+`
	quotedPattern  = `"[^"\n]*"`
	// An attach point: before the first ':' anything but white space, '{',
	// '}', ',', ';', '/', ':' and '"'; after it '/' is allowed too unless it
	// starts a comment. Quoted segments are copied verbatim.
	attachPattern = `(?:[^\s{},;/":]|` + quotedPattern + `)+` +
		`(?::(?:[^\s{},;/"]|` + quotedPattern + `|/[^/*\s{},;"]|/` + quotedPattern + `)*)?`
	punctPattern = `<<=|>>=|\.\.|->|==|!=|<=|>=|<<|>>|&&|\|\||\+\+|--|[-+*/%&|^]=|[()\[\],;:?.=<>+\-*/%&|^!~]`
	cTextPattern = `(?:[^{}/"']|//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/|"(?:\\[^\n]|[^"\\\n])*"|'(?:\\[^\n]|[^'\\\n])*'|["'/])+`
)

// exprRules are the token rules shared by the Block and Pred states. They
// are ordered by how often they match in real scripts, since the stateful
// lexer tries them in order.
var exprRules = []lexer.Rule{
	{Name: "ignored", Pattern: ignoredPattern},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "UntermComment", Pattern: `/\*[\s\S]*`},
	{Name: "Punct", Pattern: punctPattern},
	{Name: "LBrace", Pattern: `\{`, Action: lexer.Push("Block")},
	{Name: "RBrace", Pattern: `\}`, Action: lexer.Pop()},
	{Name: "Number", Pattern: `[0-9][0-9A-Za-z_]*`},
	{Name: "Dollar", Pattern: `\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|#)`},
	{Name: "Map", Pattern: `@(?:[A-Za-z_][A-Za-z0-9_]*)?`},
	{Name: "String", Pattern: `"(?:\\[^\n]|[^"\\\n])*"`},
	{Name: "UntermString", Pattern: `"(?:\\[^\n]|[^"\\\n])*\\?`},
	{Name: "Invalid", Pattern: `[\s\S]`},
}

func withRules(head []lexer.Rule, tail []lexer.Rule) []lexer.Rule {
	out := make([]lexer.Rule, 0, len(head)+len(tail))
	return append(append(out, head...), tail...)
}

var lexDef = lexer.MustStateful(lexer.Rules{
	"Root": {
		{Name: "ignored", Pattern: ignoredPattern},
		{Name: "UntermComment", Pattern: `/\*[\s\S]*`},
		{Name: "Directive", Pattern: `#(?:\\\r?\n|[^\n])*`},
		{Name: "CDefStart", Pattern: `(?:struct|union|enum)[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*\{`, Action: lexer.Push("CBody")},
		{Name: "Keyword", Pattern: `(?:config|import|macro|fn|let)\b`, Action: lexer.Push("Block")},
		{Name: "TopPunct", Pattern: `[,;}]`},
		{Name: "PredStart", Pattern: `/`, Action: lexer.Push("Pred")},
		{Name: "LBrace", Pattern: `\{`, Action: lexer.Push("Block")},
		{Name: "Attach", Pattern: attachPattern},
		{Name: "Invalid", Pattern: `[\s\S]`},
	},
	"Block": exprRules,
	"Pred": withRules([]lexer.Rule{
		{Name: "PredEnd", Pattern: `/` + `(?:[ \t\r\n\f\v]+|//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/)*\{`, Action: lexer.Push("Block")},
	}, exprRules),
	"CBody": {
		{Name: "CText", Pattern: cTextPattern},
		{Name: "CLBrace", Pattern: `\{`, Action: lexer.Push("CBody")},
		{Name: "CRBrace", Pattern: `\}`, Action: lexer.Pop()},
	},
})

// kind classifies tokens for the parser.
type kind uint8

const (
	kEOF          kind = iota
	kIdent             // identifiers, keywords and builtin names alike
	kNumber            // integer literal, validated by parseInt
	kDollar            // $name, $N or $#
	kMap               // @name or @
	kString            // complete string literal, escapes undecoded
	kPunct             // operators and punctuation, including { } , ; /
	kPredEnd           // the closing "/" of a predicate plus the "{" after it
	kAttach            // raw attach point text
	kDirective         // a '#' line (or the shebang)
	kCDefStart         // "struct NAME {" at top level
	kKeyword           // config, import, macro, fn or let at top level
	kCText             // text inside a C definition body
	kCLBrace           // '{' inside a C definition body
	kCRBrace           // '}' inside a C definition body
	kUntermString      // lexical error: string without closing quote
	kUntermComment     // lexical error: /* without */
	kInvalid           // lexical error: a character that starts no token
)

var kindOf = func() map[lexer.TokenType]kind {
	names := map[string]kind{
		"Ident": kIdent, "Number": kNumber, "Dollar": kDollar, "Map": kMap,
		"String": kString, "Punct": kPunct, "LBrace": kPunct, "RBrace": kPunct,
		"TopPunct": kPunct, "PredStart": kPunct, "PredEnd": kPredEnd,
		"Attach": kAttach, "Directive": kDirective, "CDefStart": kCDefStart,
		"Keyword": kKeyword, "CText": kCText, "CLBrace": kCLBrace, "CRBrace": kCRBrace,
		"UntermString": kUntermString, "UntermComment": kUntermComment, "Invalid": kInvalid,
	}
	m := map[lexer.TokenType]kind{lexer.EOF: kEOF}
	for name, tt := range lexDef.Symbols() {
		if k, ok := names[name]; ok {
			m[tt] = k
		}
	}
	return m
}()

// token is one lexeme with its absolute byte offset.
type token struct {
	kind kind
	text string
	pos  int
}

func (t token) end() int        { return t.pos + len(t.text) }
func (t token) span() diag.Span { return diag.Span{Start: t.pos, End: t.end()} }

// scanner pulls tokens lazily from the participle stateful lexer and keeps
// a small lookahead buffer. reset restarts lexing in the Root state at any
// byte offset; the parser does so at the start of every top-level item, so
// the lexer state left behind by the previous item never matters.
type scanner struct {
	src  string
	lx   lexer.Lexer
	base int
	buf  []token
	done bool
}

func (s *scanner) reset(off int) {
	if off > len(s.src) {
		off = len(s.src)
	}
	lx, err := lexDef.LexString("", s.src[off:])
	if err != nil { // never happens for a string
		panic(err)
	}
	s.lx, s.base, s.buf, s.done = lx, off, s.buf[:0], false
}

// fill makes sure the buffer holds at least n tokens (the last may be EOF).
func (s *scanner) fill(n int) {
	for len(s.buf) < n {
		if s.done {
			s.buf = append(s.buf, token{kind: kEOF, pos: len(s.src)})
			continue
		}
		t, err := s.lx.Next()
		if err != nil {
			// The catch-all Invalid rule makes this unreachable; treat any
			// failure as one invalid character so parsing still terminates.
			s.done = true
			s.buf = append(s.buf, token{kind: kInvalid, text: s.src[min(s.base+t.Pos.Offset, len(s.src)):min(s.base+t.Pos.Offset+1, len(s.src))], pos: min(s.base+t.Pos.Offset, len(s.src))})
			continue
		}
		if t.Type == lexer.EOF {
			s.done = true
			s.buf = append(s.buf, token{kind: kEOF, pos: len(s.src)})
			continue
		}
		s.buf = append(s.buf, token{kind: kindOf[t.Type], text: t.Value, pos: s.base + t.Pos.Offset})
	}
}

// peek returns the i-th token ahead (0 = next) without consuming it.
func (s *scanner) peek(i int) token {
	s.fill(i + 1)
	return s.buf[i]
}

// next consumes and returns the next token.
func (s *scanner) next() token {
	s.fill(1)
	t := s.buf[0]
	copy(s.buf, s.buf[1:])
	s.buf = s.buf[:len(s.buf)-1]
	return t
}
