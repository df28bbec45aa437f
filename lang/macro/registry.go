package macro

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// def is one macro definition.
type def struct {
	*ast.MacroDef
	stdlib bool
}

// registry holds the macros by name; a name may have several definitions
// that differ in their parameter kinds ($var, @map or expression).
type registry struct {
	byName map[string][]*def
}

// add registers m unless a definition with the same signature (of the
// same origin) exists, or its parameters repeat a name.
func (r *registry) add(m *ast.MacroDef, stdlib bool, diags *diag.List) {
	if !validParams(m, diags) {
		return
	}
	for _, d := range r.byName[m.Name] {
		if d.stdlib == stdlib && distance(d.MacroDef, m.Params) == 0 && distance(m, d.Params) == 0 {
			diags.Errorf(m.Span(), diag.CodeDuplicate, "Redefinition of macro: %s", m.Name)
			return
		}
	}
	r.byName[m.Name] = append(r.byName[m.Name], &def{m, stdlib})
}

// validParams reports (and diagnoses) parameters that repeat a name.
func validParams(m *ast.MacroDef, diags *diag.List) bool {
	seen := map[string]bool{}
	for _, p := range m.Params {
		var name, what string
		switch p := p.(type) {
		case *ast.Var:
			name, what = p.Name, "Variable"
		case *ast.MapExpr:
			name, what = p.Name, "Map"
		case *ast.Ident:
			name, what = p.Name, "Ident"
		}
		if seen[name] {
			diags.Errorf(p.Span(), diag.CodeDuplicate, "%s for macro argument has already been used: %s", what, name)
			return false
		}
		seen[name] = true
	}
	return true
}

// distance scores how badly args fit m's parameters: 1024 per missing or
// extra argument, 1 per argument of the wrong kind (a $var parameter needs
// a variable, an @map parameter a map without keys). 0 is a match.
func distance(m *ast.MacroDef, args []ast.Expr) int {
	d := len(m.Params) - len(args)
	if d < 0 {
		d = -d
	}
	d *= 1024
	for i := 0; i < len(m.Params) && i < len(args); i++ {
		switch m.Params[i].(type) {
		case *ast.Var:
			if _, ok := args[i].(*ast.Var); !ok {
				d++
			}
		case *ast.MapExpr:
			if !isMap(args[i]) {
				d++
			}
		}
	}
	return d
}

// isMap reports whether x is a whole map (@m, not @m[k]).
func isMap(x ast.Expr) bool {
	m, ok := x.(*ast.MapExpr)
	return ok && m.Keys == nil
}

// lookup finds the definition of name matching args. An exact user
// definition wins over an exact standard library one; onlyStdlib limits
// the search to the standard library (macros of the standard library
// always call their own). Without a match, closest is the nearest
// definition (nil when the name has none).
func (r *registry) lookup(name string, args []ast.Expr, onlyStdlib bool) (match, closest *def) {
	best := -1
	var user, std *def
	for _, d := range r.byName[name] {
		if onlyStdlib && !d.stdlib {
			continue
		}
		dist := distance(d.MacroDef, args)
		if dist == 0 {
			if d.stdlib && std == nil {
				std = d
			} else if !d.stdlib && user == nil {
				user = d
			}
		}
		if best < 0 || dist < best {
			best, closest = dist, d
		}
	}
	if user != nil {
		return user, nil
	}
	if std != nil {
		return std, nil
	}
	return nil, closest
}
