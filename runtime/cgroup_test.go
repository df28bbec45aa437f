package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReadCgroupRoots: cgroup2 mounts come first as "unified", cgroup v1
// mounts follow sorted by directory name; other file systems and mount
// points that are not directories are left out; octal escapes decode.
func TestReadCgroupRoots(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"unified", "cpu", "memory", "with space"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mounts := filepath.Join(dir, "mounts")
	text := fmt.Sprintf(`tmpfs %[1]s tmpfs rw 0 0
cgroup %[1]s/memory cgroup rw,memory 0 0
cgroup %[1]s/cpu cgroup rw,cpu 0 0
cgroup2 %[1]s/unified cgroup2 rw 0 0
cgroup %[1]s/with\040space cgroup rw,name=x 0 0
cgroup %[1]s/missing cgroup rw,pids 0 0
`, dir)
	if err := os.WriteFile(mounts, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range readCgroupRoots(mounts) {
		got = append(got, r.name+"="+strings.TrimPrefix(r.dir, dir))
	}
	want := "unified=/unified cpu=/cpu memory=/memory with space=/with space"
	if strings.Join(got, " ") != want {
		t.Errorf("roots = %q, want %q", strings.Join(got, " "), want)
	}
}

// TestCgroupIDAndPath creates a cgroup in the cgroup v2 hierarchy: its id
// is its kernfs node id, and CgroupPaths finds its path (also through the
// cache), and no longer once it is removed.
func TestCgroupIDAndPath(t *testing.T) {
	requireRoot(t)
	var root string
	for _, r := range readCgroupRoots("/proc/self/mounts") {
		if r.name == "unified" {
			root = r.dir
			break
		}
	}
	if root == "" {
		t.Skip("no cgroup v2 hierarchy is mounted")
	}
	name := fmt.Sprintf("gbt-test-%d", os.Getpid())
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })

	id, err := CgroupID(dir)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	if id != st.Ino {
		t.Errorf("CgroupID = %d, inode %d", id, st.Ino)
	}
	var c CgroupPaths
	for i := 0; i < 2; i++ { // the second lookup comes from the cache
		if got, want := c.Path(id, "unified"), "unified:/"+name; got != want {
			t.Errorf("Path(%d) = %q, want %q", id, got, want)
		}
	}
	if got := c.Path(id, "nothing*"); got != "" {
		t.Errorf("Path with a filter matching nothing = %q", got)
	}
	if got := c.Path(1, "unified"); got != "unified:/" {
		t.Errorf("Path(1) = %q, want unified:/", got)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if got := c.Path(id, "unified"); got != "unified:" {
		t.Errorf("Path of a removed cgroup = %q, want unified:", got)
	}
}

// BenchmarkCgroupPath measures printing cgroup_path(1) on this machine's
// hierarchies: cached hits, and misses trusted for missRetry.
func BenchmarkCgroupPath(b *testing.B) {
	var c CgroupPaths
	c.Path(1, "")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Path(1, "")
		c.Path(1<<40, "") // no cgroup has this id
	}
}
