package check

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestDwUstack: dw_ustack has ustack's type (its values share ustack's
// maps and printing), warns once as an unstable feature unless enabled,
// and is refused without a target process, with unstable_dw_ustack =
// error and in build_id mode.
func TestDwUstack(t *testing.T) {
	targets := &Config{UnwindTargets: true}
	_, info := mustCheck(t, `uprobe:libc:getpid { @a[dw_ustack()] = count(); @a[ustack] = count(); @b = dw_ustack(perf, 5); }`, targets)
	if len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], "unstable feature: dw_ustack") {
		t.Errorf("warnings %q, want the one unstable-feature warning", info.Warnings)
	}
	b, ok := info.Maps["@b"].Value.(*types.Stack)
	if !ok || !b.User || b.Mode != types.StackPerf || b.Limit != 5 {
		t.Errorf("@b: %#v", info.Maps["@b"].Value)
	}
	_, info = mustCheck(t, `config = { unstable_dw_ustack = enable } uprobe:libc:getpid { print(dw_ustack()); }`, &Config{UnwindTargets: true})
	if len(info.Warnings) != 0 {
		t.Errorf("warnings %q with unstable_dw_ustack = enable", info.Warnings)
	}
	for _, c := range []struct {
		src     string
		targets bool
		want    string
	}{
		{`uprobe:libc:getpid { print(dw_ustack()); }`, false, "stdin:1:28-39: ERROR: dw_ustack requires a target process. Use -p, -c, or --dwarf-pid to specify one."},
		{`config = { unstable_dw_ustack = error } uprobe:libc:getpid { print(dw_ustack()); }`, true, "ERROR: dw_ustack (DWARF stack unwinding) feature is not enabled by default."},
		{`uprobe:libc:getpid { print(dw_ustack(build_id)); }`, true, "ERROR: dw_ustack() does not record build_id stacks: use ustack(build_id)"},
		{`uprobe:libc:getpid { print(dw_ustack(200)); }`, true, "ERROR: dw_ustack() limit must be a constant between 1 and 127"},
	} {
		_, _, diags, src := checkText(c.src, &Config{UnwindTargets: c.targets})
		if got := src.Render(diags); !strings.Contains(got, c.want) {
			t.Errorf("%s:\ngot  %s\nwant %s", c.src, got, c.want)
		}
	}
}
