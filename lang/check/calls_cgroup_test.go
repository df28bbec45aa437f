package check

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestCgroupCalls: cgroupid() folds to the Host's id; cgroup_path() keeps
// its filter in its type; bad arguments are positioned errors.
func TestCgroupCalls(t *testing.T) {
	src := `BEGIN { $a = cgroupid("/sys/fs/cgroup/unified/test"); $b = cgroup_path(cgroup, "uni*"); $c = cgroup_path(1); }`
	prog, info := mustCheck(t, src, nil)
	inst := info.Instances[0]
	id := findExpr(t, prog, src, `cgroupid("/sys/fs/cgroup/unified/test")`)
	if got, ok := inst.Consts[id]; !ok || got != 4242 {
		t.Errorf("cgroupid constant = %d (%v), want 4242", got, ok)
	}
	if got := inst.Types[id]; got != types.Uint64 {
		t.Errorf("cgroupid type = %v, want uint64", got)
	}
	for expr, filter := range map[string]string{`cgroup_path(cgroup, "uni*")`: "uni*", `cgroup_path(1)`: ""} {
		cp, ok := inst.Types[findExpr(t, prog, src, expr)].(*types.CgroupPath)
		if !ok || cp.Filter != filter {
			t.Errorf("%s: type %#v, want cgroup_path with filter %q", expr, inst.Types[findExpr(t, prog, src, expr)], filter)
		}
	}

	for stmt, want := range map[string]string{
		`print(cgroupid("/nope"));`:         `Failed to get cgroupid for path "/nope": file does not exist`,
		`print(cgroupid(comm));`:            `cgroupid() expects a string literal`,
		`print(cgroup_path("x"));`:          `cgroup_path() expects an integer cgroup id (string[2] provided)`,
		`print(cgroup_path(cgroup, comm));`: `cgroup_path() filter must be a string literal`,
	} {
		expectBeginDiag(t, stmt, want)
	}
}
