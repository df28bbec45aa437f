//go:build linux

package engine

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/runtime"
)

// Units are scripts that share their maps, loaded and unloaded while the
// others run: the interactive shell's probe units. A map keeps its type
// and contents from the first unit that creates it until the Units are
// closed, whichever units use it later (the checker is given the shared
// maps' types, with 64-bit integers so that later units may store any
// integer: check.Config.Persistent); each unit is compiled and loaded
// with only the maps it names, so adding one costs the same however many
// the session has.
type Units struct {
	pool    *runtime.MapPool
	maps    map[string]*check.MapSym
	startNs uint64
}

// NewUnits returns an empty set of units; `elapsed` counts from now.
func NewUnits() (*Units, error) {
	start, err := runtime.BootNs()
	if err != nil {
		return nil, err
	}
	return &Units{pool: runtime.NewMapPool(), maps: map[string]*check.MapSym{}, startNs: start}, nil
}

// Check checks a unit's script against the shared maps (Script.Check's
// counterpart), keeping only the maps the unit names.
func (u *Units) Check(s *Script, o *Options) error {
	if err := s.check(o, func(cfg *check.Config) {
		cfg.Maps = u.maps
		cfg.Persistent = true
	}); err != nil {
		return err
	}
	onlyUsedMaps(s.Info, s.Program)
	return nil
}

// Load loads a generated unit with the shared maps (the Run's Pool and
// StartNs are the units'); the maps it creates are shared from then on.
func (u *Units) Load(s *Script, o *RunOptions) (*Run, []error, error) {
	ro := *o
	ro.Pool, ro.StartNs = u.pool, u.startNs
	r, warns, err := Load(s, &ro)
	if err != nil {
		return nil, nil, err
	}
	for name, sym := range s.Info.Maps {
		if sym.Value != nil || sym.Kind != "" {
			u.maps[name] = sym
		}
	}
	return r, warns, nil
}

// Declare makes the maps of a checked script that only declares maps
// shared, as their declarations say, for the units that use them; it
// returns the names of those that already exist instead.
func (u *Units) Declare(s *Script) (existing []string) {
	for _, d := range s.Program.MapDecls {
		if _, ok := u.pool.Def(d.Name); ok {
			existing = append(existing, d.Name)
			continue
		}
		u.maps[d.Name] = s.Info.Maps[d.Name]
	}
	return existing
}

// CheckDeclarations checks a script of map declarations only against
// the shared maps and returns all its diagnostics (the caller decides:
// maps declared and not used yet are reported as unused). s.Info is set.
func (u *Units) CheckDeclarations(s *Script, o *Options) *diag.List {
	cfg := o.CheckConfig()
	cfg.Maps, cfg.Persistent = u.maps, true
	info, diags := check.Check(s.Source, s.Program, cfg)
	s.Info = info
	return diags
}

// Pool holds the shared maps (for reading them: Pool().View).
func (u *Units) Pool() *runtime.MapPool { return u.pool }

// Close releases the shared maps (units still loaded keep theirs until
// they are closed).
func (u *Units) Close() error { return u.pool.Close() }

// onlyUsedMaps drops the shared maps prog does not name from info.
func onlyUsedMaps(info *check.Info, prog *ast.Program) {
	used := map[string]bool{}
	for _, d := range prog.MapDecls {
		used[d.Name] = true
	}
	ast.Inspect(prog, func(n ast.Node) bool {
		if m, ok := n.(*ast.MapExpr); ok {
			used[m.Name] = true
		}
		return true
	})
	names := info.MapNames[:0]
	for _, name := range info.MapNames {
		if used[name] {
			names = append(names, name)
		} else {
			delete(info.Maps, name)
		}
	}
	info.MapNames = names
}
