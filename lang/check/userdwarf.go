package check

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// The DWARF of the probed program, beyond `args`: the types a script
// names in probes on user code (a cast to the program's own struct), and
// uprobes attached by source location (uprobe:TARGET@FILE:LINE[:COL]).

// userType is the type named name ("struct Foo", a typedef) in the DWARF
// of the current probe's program, nil when the probe is not on user code
// or its DWARF lacks the name. As in bpftrace, the program's types come
// before the kernel's; the script's own definitions before both.
func (c *checker) userType(name string) types.Type {
	a := c.attach
	if a == nil || a.Binary == "" || !stdlib.Probes[a.Kind].UserSpace || c.cfg.Host == nil {
		return nil
	}
	t, err := c.cfg.Host.UserType(a.Binary, name)
	if err != nil {
		return nil
	}
	// Another attach point of the probe may be another program.
	c.tab.PerAttach = true
	return t
}

// isSourceLocation reports whether a uprobe's target names a source
// location (TARGET@FILE:LINE): bpftrace splits attach points at '@'.
func isSourceLocation(ap *ast.AttachPoint) bool {
	return len(ap.Parts) > 0 && strings.Contains(ap.Parts[0], "@")
}

// expandSourceLocation resolves uprobe:TARGET@FILE:LINE[:COL] to the
// address of the line's code in TARGET, from its DWARF line table, with
// bpftrace's messages.
func (c *checker) expandSourceLocation(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	if kind != stdlib.Uprobe {
		c.errorf(ap, diag.CodeProbe, "Source code location not allowed")
		return nil
	}
	target, file, _ := strings.Cut(ap.Parts[0], "@")
	if strings.ContainsAny(target, "*?[") {
		c.errorf(ap, diag.CodeProbe, "Cannot use wildcards with source code location")
		return nil
	}
	if file == "" || strings.Contains(file, "@") || len(ap.Parts) < 2 || len(ap.Parts) > 3 || ap.Parts[1] == "" {
		c.errorf(ap, diag.CodeProbe, "Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]")
		return nil
	}
	line, err := strconv.ParseUint(ap.Parts[1], 0, 31)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "Invalid line number: invalid integer: %s", ap.Parts[1])
		return nil
	}
	col := uint64(0)
	if len(ap.Parts) == 3 {
		if col, err = strconv.ParseUint(ap.Parts[2], 0, 31); err != nil {
			c.errorf(ap, diag.CodeProbe, "Invalid column number: invalid integer: %s", ap.Parts[2])
			return nil
		}
	}
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "uprobes are not available (no host)")
		return nil
	}
	if target == "" {
		c.errorf(ap, diag.CodeProbe, "Unspecified target binary, cannot attach by source code location.")
		return nil
	}
	path, err := c.cfg.Host.ResolveBinary(target)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "%v", err)
		return nil
	}
	addr, err := c.cfg.Host.SourceLineAddr(path, file, int(line), int(col))
	switch {
	case errors.Is(err, host.ErrNoDebugInfo):
		c.errorf(ap, diag.CodeProbe, "No DWARF debug info found for '%s', cannot attach by source code location.", target)
		return nil
	case err != nil:
		c.errorf(ap, diag.CodeProbe, "DWARF error: %v", err)
		return nil
	}
	// Named as bpftrace names a probe at an address: the target as
	// written (a library short name resolved), the address in decimal.
	shown := path
	if strings.Contains(target, "/") {
		shown = target
	}
	name := stdlib.Probes[kind].Name + ":" + shown + ":" + strconv.FormatUint(addr, 10)
	return []*Attach{{Point: ap, Kind: kind, Name: name, Binary: path, Addr: addr}}
}
