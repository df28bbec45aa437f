//go:build linux

package runtime

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/host"
)

// The files a uprobe or usdt target names (Host.UserBinaries): paths
// as written, wildcards expanded in the file system, the files a process
// maps (from /proc/PID/maps), and the files of a process in another
// mount namespace (container), reached through /proc/PID/root.

// procFS is the directory process information is read from: "/proc",
// or a fake tree in tests.
type procFS string

// realProc is the system's procfs.
const realProc procFS = "/proc"

// pidDir is the directory of process pid.
func (p procFS) pidDir(pid int) string { return string(p) + "/" + strconv.Itoa(pid) }

// root is the root directory of process pid, through which the files of
// its mount namespace can be opened.
func (p procFS) root(pid int) string { return p.pidDir(pid) + "/root" }

// otherMountNS reports whether process pid lives in another mount
// namespace than ours; false when either cannot be read (then paths are
// looked up in ours, as bpftrace does).
func (p procFS) otherMountNS(pid int) bool {
	self, err := os.Stat(string(p) + "/self/ns/mnt")
	if err != nil {
		return false
	}
	other, err := os.Stat(p.pidDir(pid) + "/ns/mnt")
	if err != nil {
		return false
	}
	return !os.SameFile(self, other)
}

// inNS returns the path at which the tracer opens the file that process
// pid names p (absolute, or relative to its root), given the process's
// root ("" for our own mount namespace).
func inNS(root, p string) (string, error) {
	if root == "" {
		return filepath.Abs(p)
	}
	return root + filepath.Clean("/"+p), nil
}

// processFiles returns the ELF files process pid maps executable: its
// program (/proc/PID/exe) and the files of its executable mappings,
// without deleted ones, sorted. Each is named as the process names it
// when it shares our mount namespace, and through /proc/PID/root
// otherwise (a path the tracer can open).
func (p procFS) processFiles(pid int) ([]host.Binary, error) {
	f, err := os.Open(p.pidDir(pid) + "/maps")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("process %d does not exist", pid)
		}
		return nil, fmt.Errorf("reading the mappings of process %d: %w", pid, err)
	}
	defer f.Close()
	var paths []string
	if exe, err := os.Readlink(p.pidDir(pid) + "/exe"); err == nil {
		paths = append(paths, exe)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := parseMapsLine(sc.Text()); ok {
			paths = append(paths, m.path)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the mappings of process %d: %w", pid, err)
	}
	root := ""
	if p.otherMountNS(pid) {
		root = p.root(pid)
	}
	seen := map[string]bool{}
	var out []host.Binary
	for _, name := range paths {
		if !strings.HasPrefix(name, "/") || strings.HasSuffix(name, " (deleted)") || seen[name] {
			continue
		}
		seen[name] = true
		file := root + name
		if isELFFile(file) {
			out = append(out, host.Binary{Path: file, Name: file})
		}
	}
	sortBinaries(out)
	return out, nil
}

// allProcessFiles returns the files every running process maps
// executable (uprobe:*:… without -p), sorted; processes that exit
// meanwhile are left out.
func (p procFS) allProcessFiles() ([]host.Binary, error) {
	ents, err := os.ReadDir(string(p))
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	seen := map[string]bool{}
	var out []host.Binary
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		files, err := p.processFiles(pid)
		if err != nil {
			continue
		}
		for _, b := range files {
			if !seen[b.Path] {
				seen[b.Path] = true
				out = append(out, b)
			}
		}
	}
	sortBinaries(out)
	return out, nil
}

func sortBinaries(bs []host.Binary) {
	sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name })
}

// UserBinaries implements check.Host (see host.Host).
func (h *Host) UserBinaries(target string, pid int) ([]host.Binary, error) {
	return h.userBinaries(realProc, target, pid)
}

func (h *Host) userBinaries(proc procFS, target string, pid int) ([]host.Binary, error) {
	switch {
	case pid != 0 && (target == "*" || target == ""):
		return proc.processFiles(pid)
	case target == "*":
		return proc.allProcessFiles()
	case target == "":
		return nil, errors.New("uprobe target is empty")
	}
	root := ""
	if pid != 0 && proc.otherMountNS(pid) {
		root = proc.root(pid)
	}
	if !strings.ContainsAny(target, "*?[") {
		b, err := h.resolveIn(proc, root, target, pid)
		if err != nil {
			return nil, err
		}
		return []host.Binary{b}, nil
	}
	seen := map[string]bool{}
	var out []host.Binary
	for _, m := range globPaths(root, target) {
		file, err := inNS(root, m)
		if err != nil || seen[file] || !probeableELF(file) {
			continue
		}
		seen[file] = true
		out = append(out, host.Binary{Path: file, Name: m})
	}
	if pid != 0 {
		files, err := proc.processFiles(pid)
		if err != nil {
			return nil, err
		}
		for _, b := range files {
			full, _ := path.Match(target, b.Name)
			base, _ := path.Match(target, path.Base(b.Name))
			if (full || base) && !seen[b.Path] {
				seen[b.Path] = true
				out = append(out, b)
			}
		}
	}
	sortBinaries(out)
	return out, nil
}

// resolveIn resolves a target without wildcards: with root (a process
// in another mount namespace) a path in the process's namespace and a
// library short name among the files it maps, otherwise as ResolveBinary.
// A path keeps its written form as its name.
func (h *Host) resolveIn(proc procFS, root, target string, pid int) (host.Binary, error) {
	if strings.Contains(target, "/") {
		if root == "" {
			p, err := h.ResolveBinary(target)
			return host.Binary{Path: p, Name: target}, err
		}
		file, _ := inNS(root, target)
		fi, err := os.Stat(file)
		if err != nil {
			return host.Binary{}, fmt.Errorf("uprobe target '%s' not found in the mount namespace of process %d: %w", target, pid, err)
		}
		if !fi.Mode().IsRegular() {
			return host.Binary{}, fmt.Errorf("uprobe target '%s': %s is not a regular file", target, file)
		}
		return host.Binary{Path: file, Name: target}, nil
	}
	if pid != 0 && isLibraryName(target) {
		// The library the process has loaded, as bcc_procutils_which_so.
		if files, err := proc.processFiles(pid); err == nil {
			for _, b := range files {
				if rank, _ := libMatch(path.Base(b.Path), target); rank > 0 {
					return b, nil
				}
			}
		}
	}
	p, err := h.ResolveBinary(target)
	return host.Binary{Path: p, Name: p}, err
}

// globPaths returns the paths that pattern matches in the file system
// below root ("" for ours), sorted, as the pattern writes them: the text
// before the first wildcard is kept as written, doubled slashes aside
// ("./progs/a*" matches "./progs/abc", where filepath.Glob would clean it
// to "progs/abc").
// Wildcards do not match a leading '.' unless the pattern's component
// starts with one, as in the shell.
func globPaths(root, pattern string) []string {
	prefixes := []string{""}
	rest := pattern
	if strings.HasPrefix(pattern, "/") {
		prefixes = []string{"/"}
		rest = strings.TrimLeft(pattern, "/")
	}
	comps := strings.Split(rest, "/")
	for i, c := range comps {
		var next []string
		for _, pre := range prefixes {
			switch {
			case c == "":
				next = append(next, pre)
			case !strings.ContainsAny(c, "*?["):
				if _, err := os.Lstat(joinRoot(root, pre+c)); err == nil {
					next = append(next, pre+c)
				}
			default:
				ents, err := os.ReadDir(joinRoot(root, pre))
				if err != nil {
					continue
				}
				for _, e := range ents {
					if strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(c, ".") {
						continue
					}
					if ok, _ := path.Match(c, e.Name()); ok {
						next = append(next, pre+e.Name())
					}
				}
			}
		}
		if i < len(comps)-1 {
			for j := range next {
				if !strings.HasSuffix(next[j], "/") {
					next[j] += "/"
				}
			}
		}
		prefixes = next
	}
	sort.Strings(prefixes)
	return prefixes
}

// joinRoot is the path at which to open p (relative to the current
// directory, or to root when root is set).
func joinRoot(root, p string) string {
	switch {
	case root != "":
		return root + "/" + p
	case p == "":
		return "."
	}
	return p
}

// probeableELF reports whether the file at p is one a wildcard target
// matches, as bpftrace's: a shared object or position-independent
// executable (ET_DYN), or an executable (ET_EXEC) its owner may run.
func probeableELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	var hdr [18]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:4]) != elf.ELFMAG {
		return false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if elf.Data(hdr[elf.EI_DATA]) == elf.ELFDATA2MSB {
		bo = binary.BigEndian
	}
	switch elf.Type(bo.Uint16(hdr[16:])) {
	case elf.ET_DYN:
		return true
	case elf.ET_EXEC:
		return fi.Mode().Perm()&0o100 != 0
	}
	return false
}
