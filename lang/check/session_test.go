package check

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestSessionMaps: maps given in Config.Maps (an interactive session's)
// are known with their types, which later input cannot change.
func TestSessionMaps(t *testing.T) {
	calls := &MapSym{Name: "@calls", Key: &types.String{Cap: 16}, Value: &types.Agg{Kind: types.Count}}
	limit := &MapSym{Name: "@limit", Value: types.Int64}
	maps := map[string]*MapSym{"@calls": calls, "@limit": limit}
	for _, c := range []struct{ src, err string }{
		{`BEGIN { print(@calls); print(@limit + 1); }`, ""},
		{`tracepoint:syscalls:sys_enter_openat { @calls[comm] = count(); }`, ""},
		{`BEGIN { @calls["short"] = count(); @limit = 3; }`, ""},
		{`BEGIN { @calls["a key longer than sixteen bytes"] = count(); }`, "@calls already exists with keys of type 'string[16]', which cannot hold 'string[32]'"},
		{`BEGIN { @limit = "x"; }`, "Type mismatch for @limit"},
		{`BEGIN { @calls = 1; }`, "@calls used as a scalar map"},
	} {
		_, info, diags, src := checkText(c.src, &Config{Maps: maps})
		got := src.Render(diags)
		if c.err == "" {
			if diags.HasErrors() {
				t.Errorf("%s:\n%s", c.src, got)
			} else if info.Maps["@calls"] == calls || info.Maps["@calls"].Key.String() != "string[16]" {
				t.Errorf("%s: session map not copied or changed: %+v", c.src, info.Maps["@calls"])
			}
			continue
		}
		if !strings.Contains(got, c.err) {
			t.Errorf("%s: want %q, got:\n%s", c.src, c.err, got)
		}
	}
	if calls.Key.String() != "string[16]" || limit.Value != types.Int64 {
		t.Errorf("Config.Maps modified: %+v %+v", calls, limit)
	}
}
