package parser

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

// keywords are identifiers with a fixed syntactic role; error messages name
// them literally, as bison does for bpftrace's keyword tokens.
var keywords = map[string]bool{
	"if": true, "else": true, "unroll": true, "while": true, "for": true,
	"return": true, "break": true, "continue": true, "let": true,
	"config": true, "import": true, "macro": true, "fn": true,
	"sizeof": true, "offsetof": true, "typeof": true, "typeinfo": true,
	"comptime": true, "struct": true, "union": true, "enum": true,
}

// isIdent reports whether s is an identifier: [A-Za-z_][A-Za-z0-9_]*.
func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c|0x20 < 'a' || c|0x20 > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// describe names a token the way bpftrace 0.17's bison grammar does in
// "syntax error, unexpected X" messages.
func describe(t token) string {
	switch t.kind {
	case kEOF:
		return "end of file"
	case kIdent:
		switch {
		case keywords[t.text]:
			return t.text
		case isFuncName(t.text):
			return "call"
		case isBuiltinVar(t.text):
			return "builtin"
		}
		return "identifier"
	case kNumber:
		return "integer"
	case kString, kUntermString:
		return "string"
	case kDollar:
		switch {
		case t.text == "$#":
			return "$#"
		case len(t.text) > 1 && t.text[1] >= '0' && t.text[1] <= '9':
			return "positional parameter"
		}
		return "variable"
	case kMap:
		return "map"
	case kPredEnd:
		return "end predicate"
	case kAttach:
		if isIdent(t.text) {
			return "identifier"
		}
		return "path"
	case kDirective:
		return "preprocessor directive"
	case kCDefStart:
		return strings.Fields(t.text)[0]
	case kKeyword:
		return t.text
	}
	return t.text
}

func isFuncName(name string) bool {
	_, ok := stdlib.LookupFunc(name)
	return ok
}

func isBuiltinVar(name string) bool {
	_, _, ok := stdlib.LookupVar(name)
	return ok
}
