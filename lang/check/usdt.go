package check

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// expandUSDT resolves usdt:TARGET:[PROVIDER:]NAME: the files the target
// names (a path, a library short name, wildcards, "*" or, with -p, no
// target for the files of the process) and the probes of their
// .note.stapsdt sections whose provider and name match (wildcards expand;
// no provider matches any). A probe used at several places is one Attach
// per place, numbered by Location.
func (c *checker) expandUSDT(ap *ast.AttachPoint) []*Attach {
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "usdt probes are not available (no host)")
		return nil
	}
	target, provider, name := ap.Parts[0], "", ap.Parts[len(ap.Parts)-1]
	if len(ap.Parts) == 3 {
		provider = ap.Parts[1]
	}
	if target == "" && c.cfg.Pid == 0 {
		c.errorf(ap, diag.CodeProbe, "usdt probe must specify at least path or pid to probe. To target all paths/pids set the path to '*'.")
		return nil
	}
	bins, ok := c.userBinaries(ap, target, stdlib.USDT)
	if !ok {
		return nil
	}
	var out []*Attach
	for _, b := range bins {
		probes, err := c.cfg.Host.USDTProbes(b.Path, provider, name)
		if err != nil {
			if isWildcardTarget(target) {
				continue // a file without readable notes among many
			}
			c.missingProbe(ap, err.Error())
			return nil
		}
		for i := range probes {
			p := &probes[i]
			loc := 0
			if i > 0 && probes[i-1].Provider == p.Provider && probes[i-1].Name == p.Name {
				loc = out[len(out)-1].Location + 1 // the attach of probes[i-1]
			}
			out = append(out, &Attach{
				Point: ap, Kind: stdlib.USDT,
				Name:   "usdt:" + b.Name + ":" + p.Provider + ":" + p.Name,
				Binary: b.Path, Func: p.Provider + ":" + p.Name,
				USDT: p, Location: loc,
			})
		}
	}
	if len(out) == 0 {
		want := name
		if provider != "" {
			want = provider + ":" + name
		}
		c.missingProbe(ap, fmt.Sprintf("No matches for usdt:%s:%s", target, want))
	}
	return out
}

// usdtArgN checks argN in a usdt probe: the probe must have that many
// arguments.
func (c *checker) usdtArgN(id *ast.Ident, n int) bool {
	u := c.attach.USDT
	if u == nil || n < len(u.Args) {
		return true
	}
	s := "s"
	if len(u.Args) == 1 {
		s = ""
	}
	c.errorf(id, diag.CodeProbe, "usdt probe %s:%s has %d argument%s (arg%d used)", u.Provider, u.Name, len(u.Args), s, n)
	return false
}
