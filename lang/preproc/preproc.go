// Package preproc evaluates a script's preprocessor lines without clang.
//
// bpftrace hands '#' lines to clang. gobpftrace understands the part of the
// C preprocessor that scripts use: object-like #define (integers, strings,
// constant expressions of integers), #undef, #ifdef / #ifndef / #if
// defined(X) / #else / #elif / #endif, and #include. Kernel headers are
// not needed: their types come from BTF and their macros from the UAPI
// table, so a kernel or C library header that exists nowhere is skipped
// (ErrNotFound; any other missing header is an error, see headers.go). A
// header that exists (found by the caller-supplied Includer) is scanned for
// object-like integer #defines, recursively. A header that exists but
// cannot be used — it leaves the search path, is not a regular file, is too
// large, cannot be read — is an error at the script's #include line (or at
// the start of the script for a pre-included header), never a silent skip.
//
// BPFTRACE_HAVE_BTF is predefined, so scripts take their BTF branch.
//
// The package is pure: file access goes through Options.Include.
package preproc

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Value is the value of an object-like macro: an integer or a string.
type Value struct {
	Int    int64
	Str    string
	IsStr  bool
	Origin diag.Span // the #define in the script (zero for headers)
}

// Header is a header found for an #include.
type Header struct {
	// Path is where the header was found. Quoted #includes inside it are
	// searched in its directory first; a header is scanned once per path.
	Path string
	Text string
}

// ErrNotFound is what an Includer returns for a header that exists in
// none of its search directories: the #include of a kernel or C library
// header is skipped, since such headers are usually absent and BTF and the
// UAPI table cover them; any other is an error at the #include.
var ErrNotFound = errors.New("header not found")

// Includer finds headers.
type Includer interface {
	// Include returns the header name of an #include (system: the <…>
	// form). dir is the directory of the header that contains the
	// #include, "" for the script itself. A header that exists nowhere is
	// ErrNotFound; any other error is reported at the #include.
	Include(name string, system bool, dir string) (Header, error)
	// Preincludes are headers included, in order, before the script's
	// first line (bpftrace's --include), as if by #include "name".
	Preincludes() []string
}

// Options configure Process.
type Options struct {
	// Include finds headers. Nil means no header exists.
	Include Includer
}

// Result is the outcome of Process.
type Result struct {
	// Defines are the macros defined at the end of the script's
	// directives (script and headers).
	Defines map[string]Value
	// Inactive are the source ranges excluded by conditionals: C
	// definitions inside them are ignored.
	Inactive []diag.Span
}

// maxIncludeDepth bounds nested #includes of headers; deeper nesting is an
// error (it means a cycle the path check did not catch, or a header tree
// no script needs).
const maxIncludeDepth = 32

// Process evaluates directives in source order.
func Process(dirs []*ast.Directive, opts *Options, diags *diag.List) *Result {
	if opts == nil {
		opts = &Options{}
	}
	p := &processor{
		opts:    opts,
		diags:   diags,
		res:     &Result{Defines: map[string]Value{"BPFTRACE_HAVE_BTF": {Int: 1}}},
		visited: map[string]bool{},
	}
	if opts.Include != nil {
		for _, name := range opts.Include.Preincludes() {
			// A pre-included header has no line of its own: its errors
			// point at the start of the script and name the option.
			p.at, p.label = diag.Span{}, "--include "+name+": "
			p.include(`"`+name+`"`, true)
		}
		p.label = ""
	}
	start := -1
	for _, d := range dirs {
		wasActive := p.active()
		p.directive(d, true)
		switch {
		case wasActive && !p.active():
			start = d.Span().End
		case !wasActive && p.active() && start >= 0:
			p.res.Inactive = append(p.res.Inactive, diag.Span{Start: start, End: d.Span().Start})
			start = -1
		}
	}
	if len(p.stack) > 0 {
		diags.Errorf(dirs[len(dirs)-1].Span(), diag.CodePreprocessor, "unterminated #if: %d #endif missing", len(p.stack))
	}
	if start >= 0 {
		p.res.Inactive = append(p.res.Inactive, diag.Span{Start: start, End: 1 << 31})
	}
	return p.res
}

// Inside reports whether span lies in an inactive region.
func (r *Result) Inside(span diag.Span) bool {
	for _, in := range r.Inactive {
		if span.Start >= in.Start && span.Start < in.End {
			return true
		}
	}
	return false
}

type cond struct {
	active bool // this branch is taken
	taken  bool // some branch of this #if was taken
	parent bool // the enclosing region is active
}

type processor struct {
	opts    *Options
	diags   *diag.List
	res     *Result
	stack   []cond
	visited map[string]bool
	depth   int
	dir     string // directory of the header being scanned ("" for the script)
	// at is the span of the script's #include being processed: errors in
	// nested headers are reported there. label prefixes their messages.
	at    diag.Span
	label string
}

func (p *processor) active() bool {
	return len(p.stack) == 0 || p.stack[len(p.stack)-1].active
}

// directive handles one line. script is false for lines of headers, whose
// errors are not the user's.
func (p *processor) directive(d *ast.Directive, script bool) {
	errorf := func(format string, args ...any) {
		if script {
			p.diags.Errorf(d.Span(), diag.CodePreprocessor, format, args...)
		}
	}
	switch d.Name {
	case "ifdef", "ifndef":
		_, defined := p.res.Defines[firstWord(d.Text)]
		p.push(defined == (d.Name == "ifdef"))
	case "if":
		v, ok := p.eval(d.Text)
		if !ok {
			errorf("#if expression not understood: %s", d.Text)
		}
		p.push(v != 0)
	case "elif":
		if len(p.stack) == 0 {
			errorf("#elif without #if")
			return
		}
		top := &p.stack[len(p.stack)-1]
		v, _ := p.eval(d.Text)
		top.active = top.parent && !top.taken && v != 0
		top.taken = top.taken || top.active
	case "else":
		if len(p.stack) == 0 {
			errorf("#else without #if")
			return
		}
		top := &p.stack[len(p.stack)-1]
		top.active = top.parent && !top.taken
		top.taken = true
	case "endif":
		if len(p.stack) == 0 {
			errorf("#endif without #if")
			return
		}
		p.stack = p.stack[:len(p.stack)-1]
	}
	if !p.active() {
		return
	}
	switch d.Name {
	case "define":
		p.define(d)
	case "undef":
		delete(p.res.Defines, firstWord(d.Text))
	case "include":
		if script {
			p.at = d.Span()
		}
		p.include(d.Text, script)
	}
}

func (p *processor) push(active bool) {
	parent := p.active()
	p.stack = append(p.stack, cond{active: parent && active, taken: active, parent: parent})
}

func (p *processor) define(d *ast.Directive) {
	text := strings.TrimSpace(d.Text)
	name, value, _ := strings.Cut(text, " ")
	if name == "" || strings.Contains(name, "(") {
		return // function-like macros are not supported
	}
	value = strings.TrimSpace(stripComment(value))
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		if s, err := strconv.Unquote(value); err == nil {
			p.res.Defines[name] = Value{Str: s, IsStr: true, Origin: d.Span()}
			return
		}
	}
	if v, ok := p.eval(value); ok {
		p.res.Defines[name] = Value{Int: v, Origin: d.Span()}
		return
	}
	if value == "" {
		p.res.Defines[name] = Value{Int: 1, Origin: d.Span()}
	}
}

// include scans a header that exists for its directives. script is false
// for the #include lines of headers: their computed forms (#include MACRO)
// are skipped, not errors.
func (p *processor) include(spec string, script bool) {
	if p.opts.Include == nil {
		return
	}
	spec = strings.TrimSpace(stripComment(spec))
	system := strings.HasPrefix(spec, "<") && strings.HasSuffix(spec, ">")
	quoted := strings.HasPrefix(spec, `"`) && strings.HasSuffix(spec, `"`)
	if len(spec) < 3 || !system && !quoted {
		if !script {
			return
		}
		p.errorAt("#include expects \"FILE\" or <FILE>, not %s", spec)
		return
	}
	name := spec[1 : len(spec)-1]
	if p.depth >= maxIncludeDepth {
		p.errorAt("#include %s: headers nested more than %d deep", spec, maxIncludeDepth)
		return
	}
	h, err := p.opts.Include.Include(name, system, p.dir)
	if errors.Is(err, ErrNotFound) {
		if script && !standInHeader(name) {
			p.errorAt("'%s' file not found (not a kernel or C library header, which BTF and the constant table stand in for; add its directory with -I)", name)
		}
		return
	}
	if err != nil {
		p.errorAt("#include %s: %v", spec, err)
		return
	}
	if p.visited[h.Path] {
		return
	}
	p.visited[h.Path] = true
	p.depth++
	savedDir := p.dir
	p.dir = parentDir(h.Path)
	saved := p.stack
	p.stack = nil
	for _, line := range joinContinuations(h.Text) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			continue
		}
		body := strings.TrimSpace(line[1:])
		word := firstWord(body)
		p.directive(&ast.Directive{Name: word, Text: strings.TrimSpace(body[len(word):])}, false)
	}
	p.stack = saved
	p.dir = savedDir
	p.depth--
}

// errorAt reports an #include error at the script's #include line.
func (p *processor) errorAt(format string, args ...any) {
	d := p.diags.Errorf(p.at, diag.CodePreprocessor, format, args...)
	d.Msg = p.label + d.Msg
}

// parentDir is the directory part of a slash-separated path.
func parentDir(path string) string {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		return path[:i]
	} else if i == 0 {
		return "/"
	}
	return "."
}

func joinContinuations(text string) []string {
	text = strings.ReplaceAll(text, "\\\r\n", " ")
	text = strings.ReplaceAll(text, "\\\n", " ")
	return strings.Split(text, "\n")
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return s[:i]
		}
	}
	return s
}

// stripComment removes a trailing /* … */ or // comment.
func stripComment(s string) string {
	if i := strings.Index(s, "/*"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "//"); i >= 0 {
		s = s[:i]
	}
	return s
}
