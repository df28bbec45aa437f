// Package parser turns bpftrace source text into a lang/ast.Program.
//
// It accepts the union of the bpftrace 0.17 grammar and the modern one
// (BEGIN/begin, args->f/args.f, delete(@m[k])/delete(@m, k), if with or
// without parentheses, config, let, for, macro, fn, import, records,
// tuples, block and if expressions, comptime, typeof, offsetof, ?:). Every
// construct of the grammar parses; the checker reports the ones that are
// not supported yet.
//
// # Design
//
// Lexing uses a participle stateful lexer (lexer.MustStateful, built once
// at package init) with four states:
//
//	Root   top level. Attach points are raw text: a token runs until '{',
//	       ',', white space, a comment, or a '/' that comes before any ':'
//	       ("uprobe:/bin/bash:readline" is one token), with "…" segments
//	       copied verbatim. '#' lines, `struct|union|enum NAME {` and the
//	       keywords config/import/macro/fn/let are recognised here; '/'
//	       pushes Pred, '{' and the keywords push Block, `struct X {`
//	       pushes CBody.
//	Block  statements and expressions. Keywords and builtin names are
//	       plain identifiers. Numbers never contain '.', so `0..10` and
//	       `$t.0.1` lex as separate tokens.
//	Pred   Block plus one rule: '/' followed (after optional white space
//	       and comments) by '{' closes the predicate and pushes Block; any
//	       other '/' is division, so `/ pid / 2 > 0 /` works.
//	CBody  the text of a C definition (comments, string and character
//	       literals are single tokens so that their braces don't count).
//
// Go's regexp engine costs a few hundred nanoseconds per call, so Block has
// one coarse rule ("Tok": white space, then a comment, word, punctuation or
// string) and the scanner tells the kinds apart by their first bytes.
// Braces push and pop nothing: the parser counts them, and restarts the
// lexer in the Root state at the start of every top-level item, so an item
// may end in any lexer state (after a predicate, or a `let @m = hash(10)`
// without ';'). Block and Pred text is lexed in windows of a few hundred
// bytes ending at a line end, because the backtracking matcher clears a
// bitmap as large as its input on every call; the scanner re-lexes the
// last token of each window at the start of the next one, entering the
// right state through a one-token seed (see scanner).
//
// Every state ends in a one-character catch-all rule, so the lexer itself
// never fails: unterminated strings and comments and stray characters come
// out as error tokens that the parser reports with bpftrace's messages
// ("unterminated string", "end of file during comment", "invalid
// character").
//
// Parsing is a hand-written recursive-descent parser over the participle
// tokens (pulled lazily, with a small lookahead buffer) rather than
// participle's struct-tag grammars: the language needs context-dependent
// lexing, bison-compatible error messages at exact token spans, partial
// results and sub-millisecond parses, none of which the reflective grammar
// engine offers. At the start of every top-level item the lexer is
// restarted in the Root state at the current offset, so an item may end in
// any lexer state (after a predicate, or a `let @m = hash(10)` without ';').
//
// Expressions use precedence climbing over the binary operator table
// (|| && | ^ & ==/!= relational shifts additive multiplicative, all
// left-associative) with the ternary and elvis forms above it and prefix
// operators, casts and postfix operators below it. A '(' is a cast when it
// holds `struct|union|enum X`, a builtin type name (int8…uint64, bool,
// string, buffer, inet, void) followed by '*', '[' or ')', an identifier
// followed by '*'s, or a lone identifier followed by something that starts
// an operand — unless that identifier is a builtin variable, so `(pid) *
// tid` is a multiplication. Conditions of if/while/unroll and for-loop
// ranges are full expressions parsed in a mode where '{' never starts an
// operand, so `if $x > 0 {` and `if (c) {` both work and the body is never
// taken as a block expression.
//
// Assignment is a statement, not an expression. The first syntax error
// stops the parse (bpftrace reports only one); the Program built so far is
// still returned. Literal errors (bad escapes, out-of-range integers) are
// reported and parsing continues. Spans are byte offsets; every node spans
// its source text (a Call from its name to the ')', a Binary from its left
// operand to its right operand, a Probe from its first attach point to its
// '}'). A parenthesised expression keeps the span of the inner expression.
package parser
