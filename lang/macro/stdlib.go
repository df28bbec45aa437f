package macro

import (
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/bt"
)

// The standard library costs nothing to scripts that do not use it: its
// macro names are found by a scan of the embedded text (once per
// process), and its files are parsed only for a script that names one of
// them.

var (
	stdlibOnce  sync.Once
	stdlibNames map[string]bool
)

// stdlibMacros returns the names the standard library defines: those of
// its lines that start with "macro NAME".
func stdlibMacros() map[string]bool {
	stdlibOnce.Do(func() {
		stdlibNames = map[string]bool{}
		for _, f := range bt.Files() {
			for line := range strings.Lines(f.Text) {
				if name := macroLineName(line); name != "" {
					stdlibNames[name] = true
				}
			}
		}
	})
	return stdlibNames
}

// macroLineName returns the name a line starting with "macro NAME"
// defines, "" for any other line.
func macroLineName(line string) string {
	rest, ok := strings.CutPrefix(line, "macro")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return ""
	}
	rest = strings.TrimLeft(rest, " \t")
	n := 0
	for n < len(rest) {
		c := rest[n]
		if c != '_' && (c|0x20 < 'a' || c|0x20 > 'z') && (n == 0 || c < '0' || c > '9') {
			break
		}
		n++
	}
	return rest[:n]
}

// usesStdlib reports whether prog calls a standard library macro or names
// one that is not a builtin variable (a bare `comm` stays the builtin).
func usesStdlib(prog *ast.Program) bool {
	names := stdlibMacros()
	found := false
	visit := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Call:
			found = found || names[n.Name]
		case *ast.Ident:
			found = found || names[n.Name] && !isBuiltinVar(n.Name)
		}
		return !found
	}
	for _, p := range prog.Probes {
		ast.Inspect(p, visit)
	}
	for _, m := range prog.Macros {
		ast.Inspect(m, visit)
	}
	return found
}

// isBuiltinVar reports whether name is a builtin variable.
func isBuiltinVar(name string) bool {
	_, _, ok := stdlib.LookupVar(name)
	return ok
}

// loadStdlib parses the standard library into src (after the script) and
// registers its macros.
func loadStdlib(src *diag.Source, reg *registry, diags *diag.List) {
	for _, f := range bt.Files() {
		fsrc := diag.NewSource(f.Name, f.Text)
		prog, pd := parser.Parse(fsrc)
		base := src.Include(f.Name, f.Text)
		shiftSpans(prog, base)
		valueIfs(prog)
		for _, d := range pd.Items {
			d.Span.Start += base
			d.Span.End += base
			diags.Add(d)
		}
		for _, m := range prog.Macros {
			reg.add(m, true, diags)
		}
	}
}
