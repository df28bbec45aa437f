package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestCgroup moves the traced child into a new cgroup v2 group before it
// execs: a `cgroup == cgroupid("…")` predicate sees only that exec, and
// cgroup_path() prints the group's path (filtered and not, as printf
// argument and map key).
func TestCgroup(t *testing.T) {
	needRoot(t)
	const root = "/sys/fs/cgroup/unified"
	if _, err := os.Stat(filepath.Join(root, "cgroup.procs")); err != nil {
		t.Skipf("no cgroup v2 hierarchy at %s", root)
	}
	name := fmt.Sprintf("gbt-e2e-%d", os.Getpid())
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	script := tempFile(t, "join.sh", "echo $$ > "+dir+"/cgroup.procs\nexec /bin/true\n")
	prog := `tracepoint:syscalls:sys_enter_execve /cgroup == cgroupid("` + dir + `")/ {
	printf("%s %s\n", cgroup_path(cgroup, "unified"), str(args.filename));
	@[cgroup_path(cgroup, "uni*")] = count();
}`
	r := gbt(t, "-e", prog, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^unified:/`+name+` /bin/true$`,
		`(?m)^@\[unified:/`+name+`\]: 1$`)
	noMatch(t, "stdout", r.stdout, `/bin/sh`)

	r = gbt(t, "-e", `BEGIN { print(cgroup_path(cgroupid("`+root+`"))); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^unified:/(,[a-z_,=]+:/?)*$`)
}
