package runtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// CgroupID implements check.Host: the id of the cgroup directory at p, as
// bpf_get_current_cgroup_id() reports it for cgroup v2 (cgroupid()). It is
// the kernfs node id, which the kernel exposes as the directory's file
// handle.
func (h *Host) CgroupID(p string) (uint64, error) { return CgroupID(p) }

// CgroupID returns the cgroup id of the cgroup directory at p.
func CgroupID(p string) (uint64, error) {
	handle, _, err := unix.NameToHandleAt(unix.AT_FDCWD, p, 0)
	if err != nil {
		return 0, err
	}
	if b := handle.Bytes(); len(b) == 8 {
		return binary.LittleEndian.Uint64(b), nil
	}
	// Not a kernfs handle: fall back to the inode number, which kernfs
	// makes equal to the id on 64-bit kernels.
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// cgroupRoot is one mounted cgroup hierarchy: "unified" for cgroup v2,
// the mount directory's name for v1 ("cpu", "memory", "systemd" …).
type cgroupRoot struct {
	name, dir string
}

// CgroupPaths turns cgroup ids into the paths cgroup_path() prints,
// "unified:/a/b,cpu:/,…": every hierarchy (v2 first, then v1 by name)
// whose name matches the filter, with the path of the directory whose id
// is the given one ("" where none has it). Found paths are cached and
// checked again before each use, since cgroups come and go; searches that
// found nothing are trusted for missRetry. It is safe for concurrent use.
type CgroupPaths struct {
	once  sync.Once
	roots []cgroupRoot
	mu    sync.Mutex
	cache map[cgroupKey]cgroupEntry
}

// cgroupEntry is a cached lookup: the path found, or "" with the time of a
// search that found nothing (searched again after missRetry).
type cgroupEntry struct {
	path    string
	checked time.Time
}

// missRetry is how long a failed search is trusted: a hierarchy that does
// not have the id (a v1 hierarchy asked for a v2 id) is not walked again
// for every printed value.
const missRetry = time.Second

type cgroupKey struct {
	id  uint64
	dir string
}

// Path returns the cgroup_path() text of id for hierarchies matching the
// glob filter ("" or "*" for all).
func (c *CgroupPaths) Path(id uint64, filter string) string {
	c.once.Do(func() { c.roots = readCgroupRoots("/proc/self/mounts") })
	var b strings.Builder
	for _, r := range c.roots {
		if filter != "" {
			if ok, _ := path.Match(filter, r.name); !ok {
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.name)
		b.WriteByte(':')
		b.WriteString(c.find(id, r.dir))
	}
	return b.String()
}

// find returns the path, relative to the hierarchy root dir, of the
// cgroup directory with the given id.
func (c *CgroupPaths) find(id uint64, dir string) string {
	key := cgroupKey{id, dir}
	c.mu.Lock()
	e, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		if e.path == "" && time.Since(e.checked) < missRetry {
			return ""
		}
		if got, err := CgroupID(filepath.Join(dir, e.path)); e.path != "" && err == nil && got == id {
			return e.path
		}
	}
	p := ""
	errFound := errors.New("found")
	filepath.WalkDir(dir, func(q string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if got, err := CgroupID(q); err == nil && got == id {
			p = "/" + strings.TrimPrefix(strings.TrimPrefix(q, dir), "/")
			return errFound
		}
		return nil
	})
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[cgroupKey]cgroupEntry{}
	}
	c.cache[key] = cgroupEntry{path: p, checked: time.Now()}
	c.mu.Unlock()
	return p
}

// readCgroupRoots lists the cgroup hierarchies mounted according to the
// mounts file: v2 first, then v1 sorted by name.
func readCgroupRoots(mounts string) []cgroupRoot {
	f, err := os.Open(mounts)
	if err != nil {
		return nil
	}
	defer f.Close()
	var v1, v2 []cgroupRoot
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		dir := unescapeMount(fields[1])
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		switch fields[2] {
		case "cgroup2":
			v2 = append(v2, cgroupRoot{"unified", dir})
		case "cgroup":
			v1 = append(v1, cgroupRoot{filepath.Base(dir), dir})
		}
	}
	sort.SliceStable(v1, func(i, j int) bool { return v1[i].name < v1[j].name })
	return append(v2, v1...)
}

// unescapeMount undoes the octal escapes (\040 for a space …) of a
// /proc/mounts field.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			var n int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &n); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
