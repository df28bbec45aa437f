package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// The lexer is a participle stateful lexer; see doc.go for the states.
//
// Go's regexp engine costs a few hundred nanoseconds per call whatever the
// pattern, so Block has one coarse rule for nearly everything ("Tok":
// comments, words, punctuation, strings and braces, with the white space in
// front of them) and classify tells the token kinds apart by their first
// bytes. Within a rule's alternation, words come first (the most frequent)
// and comments before punctuation (so "//" is not two slashes); the
// punctuation is written as a prefix tree so that the backtracking matcher
// rejects wrong alternatives at their first byte. Braces push nothing: the
// rules inside a body do not depend on nesting, and the parser counts braces
// and restarts the lexer at the start of every top-level item, so the state
// stack never needs to pop.
const (
	ws           = `[ \t\r\n\f\v]`
	blockComment = `/\*[^*]*\*+(?:[^/*][^*]*\*+)*/`
	comment      = `//[^\n]*|` + blockComment
	// An attach point: before the first ':' anything but white space, '{',
	// '}', ',', ';', '/', ':' and '"'; after it '/' is allowed too, as part
	// of a path (uprobe:/usr/lib/*:f; bpftrace's parser takes "//" and
	// "/*" there as path text too, not as comments). Quoted segments are
	// copied verbatim; a backslash in one escapes the next character (a
	// quote).
	quoted        = `"(?:\\[^\n]|[^"\\\n])*"`
	attachPattern = `(?:[^\s{},;/":]|` + quoted + `)+` +
		`(?::(?:[^\s{},;"]|` + quoted + `)*)?`
	ident         = `[A-Za-z_][A-Za-z0-9_]*`
	word          = ident + `|[0-9][0-9A-Za-z_]*|\$(?:` + ident + `|[0-9]+|#)|@(?:` + ident + `)?`
	stringPattern = `"(?:\\[^\n]|[^"\\\n])*"`
	punct         = `[(){}\[\],;:?~]|<(?:<=?|=)?|>(?:>=?|=)?|\.\.?|-[>=-]?|==?|!=?|&[&=]?|\|[|=]?|\+[+=]?|\*=?|/=?|%=?|\^=?`
	// tokPattern: a comment (possibly unterminated), word, punctuation or
	// string, after optional white space.
	tokPattern   = ws + `*(?:` + word + `|` + comment + `|/\*[\s\S]*|` + punct + `|` + stringPattern + `)`
	cTextPattern = `(?:[^{}/"']|` + comment + `|"(?:\\[^\n]|[^"\\\n])*"|'(?:\\[^\n]|[^'\\\n])*'|["'/])+`
)

// blockRules lex statements and expressions.
var blockRules = []lexer.Rule{
	{Name: "Tok", Pattern: tokPattern},
	{Name: "space", Pattern: ws + `+`},
	{Name: "UntermString", Pattern: `"(?:\\[^\n]|[^"\\\n])*\\?`},
	{Name: "Invalid", Pattern: `[\s\S]`},
}

var lexDef = lexer.MustStateful(lexer.Rules{
	// Root: top-level items.
	"Root": {
		{Name: "ignored", Pattern: `(?:` + ws + `|` + comment + `)+`},
		{Name: "UntermComment", Pattern: `/\*[\s\S]*`},
		{Name: "Directive", Pattern: `#(?:\\\r?\n|[^\n])*`},
		{Name: "CDefStart", Pattern: `(?:struct|union|enum)(?:` + ws + `+` + ident + `)?` + ws + `*\{`, Action: lexer.Push("CBody")},
		{Name: "Keyword", Pattern: `(?:config|import|macro|fn|let)\b`, Action: lexer.Push("Block")},
		{Name: "TopPunct", Pattern: `[,;}]`},
		{Name: "PredStart", Pattern: `/`, Action: lexer.Push("Pred")},
		{Name: "LBrace", Pattern: `\{`, Action: lexer.Push("Block")},
		{Name: "Attach", Pattern: attachPattern},
		{Name: "Invalid", Pattern: `[\s\S]`},
	},
	// Block: probe bodies, and the headers of config/import/macro/fn/let.
	"Block": blockRules,
	// Pred: a predicate; '/' then '{' (white space and comments between)
	// ends it and starts the body.
	"Pred": append([]lexer.Rule{
		{Name: "PredEnd", Pattern: ws + `*/(?:` + ws + `|` + comment + `)*\{`, Action: lexer.Push("Block")},
	}, blockRules...),
	// CBody: the text of a C definition; the parser counts the braces.
	"CBody": {
		{Name: "CText", Pattern: cTextPattern},
		{Name: "CLBrace", Pattern: `\{`},
		{Name: "CRBrace", Pattern: `\}`},
	},
})

// kind classifies tokens for the parser.
type kind uint8

const (
	kEOF           kind = iota
	kIdent              // identifiers, keywords and builtin names alike
	kNumber             // integer literal, validated by parseInt
	kDollar             // $name, $N or $#
	kMap                // @name or @
	kString             // complete string literal, escapes undecoded
	kPunct              // operators and punctuation, including { } , ; /
	kPredEnd            // the closing "/" of a predicate plus the "{" after it
	kAttach             // raw attach point text
	kDirective          // a '#' line (or the shebang)
	kCDefStart          // "struct NAME {" at top level
	kKeyword            // config, import, macro, fn or let at top level
	kCText              // text inside a C definition body
	kCLBrace            // '{' inside a C definition body
	kCRBrace            // '}' inside a C definition body
	kUntermString       // lexical error: string without closing quote
	kUntermComment      // lexical error: /* without */
	kInvalid            // lexical error: a character that starts no token
	kComment            // scanner-internal: a comment, dropped
	kTok                // scanner-internal: a Tok before classification
)

// ruleInfo describes a participle token type: its kind and the lexer state
// it pushes ("" for none).
type ruleInfo struct {
	kind kind
	push string
}

var rulesByType = func() map[lexer.TokenType]ruleInfo {
	names := map[string]ruleInfo{
		"Tok": {kind: kTok}, "UntermString": {kind: kUntermString},
		"UntermComment": {kind: kUntermComment}, "Invalid": {kind: kInvalid},
		"Directive": {kind: kDirective}, "CDefStart": {kCDefStart, "CBody"},
		"Keyword": {kKeyword, "Block"}, "TopPunct": {kind: kPunct},
		"PredStart": {kPunct, "Pred"}, "LBrace": {kPunct, "Block"},
		"Attach": {kind: kAttach}, "PredEnd": {kPredEnd, "Block"},
		"CText": {kind: kCText}, "CLBrace": {kind: kCLBrace}, "CRBrace": {kind: kCRBrace},
	}
	m := map[lexer.TokenType]ruleInfo{}
	for name, tt := range lexDef.Symbols() {
		if info, ok := names[name]; ok {
			m[tt] = info
		}
	}
	return m
}()

// seeds drive a fresh lexer (which starts in Root) into a state; each
// produces exactly one token, which the scanner drops.
var seeds = map[string]string{"Root": "", "Block": "{", "Pred": "/ ", "CBody": "struct s{"}

// classify resolves a Tok by its first bytes after the white space it
// absorbed, and trims the white space off the other tokens that carry it.
func classify(k kind, text string, pos int) token {
	if k == kTok || k == kPredEnd {
		i := 0
		for i < len(text) && (text[i] == ' ' || text[i] >= '\t' && text[i] <= '\r') {
			i++
		}
		text, pos = text[i:], pos+i
	}
	if k != kTok {
		return token{kind: k, text: text, pos: pos}
	}
	switch c := text[0]; {
	case strings.HasPrefix(text, "//"):
		k = kComment
	case strings.HasPrefix(text, "/*"):
		k = kUntermComment
		if len(text) >= 4 && strings.HasSuffix(text, "*/") {
			k = kComment
		}
	case c == '"':
		k = kString
	case c == '$':
		k = kDollar
	case c == '@':
		k = kMap
	case c >= '0' && c <= '9':
		k = kNumber
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		k = kIdent
	default:
		k = kPunct
	}
	return token{kind: k, text: text, pos: pos}
}
