package check

import (
	"fmt"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// The files uprobe and usdt targets name: paths, library and program
// short names, wildcards over the file system, and the files of the -p
// process ("*", or no target for usdt), which the host finds through
// /proc/PID/maps and, for a process in another mount namespace, through
// /proc/PID/root.

// isWildcardTarget reports whether a uprobe or usdt target can name
// several files: it has wildcards, or is empty (usdt with -p).
func isWildcardTarget(target string) bool {
	return target == "" || strings.ContainsAny(target, "*?[")
}

// userBinaries asks the host for the files target names. A single file
// that does not exist, and a wildcard that matches none, are errors at
// ap.
func (c *checker) userBinaries(ap *ast.AttachPoint, target string, kind stdlib.ProbeKind) ([]host.Binary, bool) {
	bins, err := c.cfg.Host.UserBinaries(target, c.cfg.Pid)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "%v", err)
		return nil, false
	}
	if len(bins) == 0 {
		switch {
		case c.cfg.Pid != 0 && (target == "*" || target == ""):
			c.missingProbe(ap, fmt.Sprintf("process %d maps no %s targets", c.cfg.Pid, kind))
		default:
			c.errorf(ap, diag.CodeProbe, "%s target file '%s' does not exist or is not executable", kind, target)
		}
		return nil, false
	}
	return bins, true
}

// expandUprobeFiles expands a uprobe whose target names several files
// (wildcards, or "*" for the files of the -p process) over those that
// have functions matching the pattern; files without symbols are
// skipped.
func (c *checker) expandUprobeFiles(ap *ast.AttachPoint, kind stdlib.ProbeKind, bins []host.Binary) []*Attach {
	var out []*Attach
	for _, b := range bins {
		funcs, err := c.cfg.Host.FuncSymbols(b.Path, ap.Parts[1])
		if err != nil {
			continue // not an ELF file we can read
		}
		for _, f := range funcs {
			out = append(out, &Attach{Point: ap, Kind: kind, Name: stdlib.Probes[kind].Name + ":" + b.Name + ":" + f, Binary: b.Path, Func: f})
		}
	}
	if len(out) == 0 {
		msg := fmt.Sprintf("No matches for %s %s:%s.", kind, ap.Parts[0], ap.Parts[1])
		if c.cfg.Pid != 0 {
			msg = fmt.Sprintf("No matches for %s %s:%s in process %d.", kind, ap.Parts[0], ap.Parts[1], c.cfg.Pid)
		}
		c.missingProbe(ap, msg)
	}
	return out
}
