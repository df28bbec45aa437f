package macro

import (
	"regexp"
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

var macroName = regexp.MustCompile(`(?m)^macro\s+([A-Za-z_][A-Za-z0-9_]*)`)

// stdlibMacros returns the names the standard library defines.
func stdlibMacros() map[string]bool {
	stdlibOnce.Do(func() {
		stdlibNames = map[string]bool{}
		for _, f := range bt.Files() {
			for _, m := range macroName.FindAllStringSubmatch(f.Text, -1) {
				stdlibNames[m[1]] = true
			}
		}
	})
	return stdlibNames
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
