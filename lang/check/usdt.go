package check

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// expandUSDT resolves usdt:BINARY:[PROVIDER:]NAME: the binary (a path or a
// library short name) and the probes of its .note.stapsdt section whose
// provider and name match (wildcards expand; no provider matches any).
func (c *checker) expandUSDT(ap *ast.AttachPoint) []*Attach {
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "usdt probes are not available (no host)")
		return nil
	}
	provider, name := "", ap.Parts[len(ap.Parts)-1]
	if len(ap.Parts) == 3 {
		provider = ap.Parts[1]
	}
	path, err := c.cfg.Host.ResolveBinary(ap.Parts[0])
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "%v", err)
		return nil
	}
	probes, err := c.cfg.Host.USDTProbes(path, provider, name)
	if err == nil && len(probes) == 0 {
		want := name
		if provider != "" {
			want = provider + ":" + name
		}
		err = fmt.Errorf("No matches for usdt:%s:%s", path, want)
	}
	if err != nil {
		c.missingProbe(ap, err.Error())
		return nil
	}
	out := make([]*Attach, len(probes))
	for i := range probes {
		p := &probes[i]
		out[i] = &Attach{
			Point: ap, Kind: stdlib.USDT,
			Name:   "usdt:" + path + ":" + p.Provider + ":" + p.Name,
			Binary: path, Func: p.Provider + ":" + p.Name,
			USDT: p,
		}
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
