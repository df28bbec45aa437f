//go:build linux

package runtime

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ldSoCachePath is the dynamic linker's cache that library short names are
// looked up in.
const ldSoCachePath = "/etc/ld.so.cache"

// libraryDirs are searched, in order, for "lib<name>.so*" when
// /etc/ld.so.cache has no entry for a library.
var libraryDirs = []string{
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
}

// uprobeState is the uprobe part of a Host's cache (see Host.uprobes).
type uprobeState struct {
	mu       sync.Mutex
	resolved map[string]string // ResolveBinary name -> absolute path

	ldOnce    sync.Once
	ldEntries []ldCacheEntry
	ldErr     error
}

// uprobes returns h's uprobe cache, creating it on first use.
func (h *Host) uprobes() *uprobeState {
	h.uprobeOnce.Do(func() {
		h.uprobe = &uprobeState{resolved: map[string]string{}}
	})
	return h.uprobe
}

// ResolveBinary resolves a uprobe target as bpftrace does and returns an
// absolute path:
//
//   - a name containing '/' is a path, absolute or relative to the current
//     directory; the file must exist;
//   - a library name ("libc", "libssl", "libc.so.6", ...: it starts with
//     "lib" or contains ".so") is looked up in /etc/ld.so.cache, preferring
//     entries for the running architecture and the highest ".so.N" version,
//     then in the usual library directories as "<name>.so*"; a library
//     name that is not found there is still tried in $PATH;
//   - any other bare name is a program looked up in $PATH;
//   - "ARCHIVE!/MEMBER" is a stored member of a zip archive (ARCHIVE a
//     path; see uprobe_target.go).
//
// Results are cached in the Host.
func (h *Host) ResolveBinary(name string) (string, error) {
	if name == "" {
		return "", errors.New("uprobe target is empty")
	}
	st := h.uprobes()
	st.mu.Lock()
	p, ok := st.resolved[name]
	st.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := h.resolveBinary(st, name)
	if err != nil {
		return "", err
	}
	st.mu.Lock()
	st.resolved[name] = p
	st.mu.Unlock()
	return p, nil
}

func (h *Host) resolveBinary(st *uprobeState, name string) (string, error) {
	if archive, member, ok := splitArchivePath(name); ok {
		return resolveArchiveMember(name, archive, member)
	}
	if strings.Contains(name, "/") {
		abs, err := filepath.Abs(name)
		if err != nil {
			return "", fmt.Errorf("uprobe target '%s': %w", name, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("uprobe target '%s' not found: no such file %s", name, abs)
			}
			return "", fmt.Errorf("uprobe target '%s': %w", name, err)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("uprobe target '%s': %s is not a regular file", name, abs)
		}
		return abs, nil
	}
	if isLibraryName(name) {
		if p := st.findLibrary(name); p != "" {
			return p, nil
		}
		if p, err := lookPath(name); err == nil {
			return p, nil
		}
		return "", fmt.Errorf("uprobe target '%s' not found: no such library in %s or the library directories", name, ldSoCachePath)
	}
	p, err := lookPath(name)
	if err != nil {
		return "", fmt.Errorf("uprobe target '%s' not found: no such program in $PATH", name)
	}
	return p, nil
}

// isLibraryName reports whether a bare uprobe target names a shared
// library rather than a program.
func isLibraryName(name string) bool {
	return strings.HasPrefix(name, "lib") || strings.Contains(name, ".so")
}

// lookPath finds a program in $PATH and makes the result absolute (a "."
// element in $PATH yields a relative path, which exec reports as ErrDot).
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil && !errors.Is(err, exec.ErrDot) {
		return "", err
	}
	if p == "" {
		return "", exec.ErrNotFound
	}
	return filepath.Abs(p)
}

// findLibrary returns the path of library name from /etc/ld.so.cache or,
// failing that, the library directories; "" when not found.
func (st *uprobeState) findLibrary(name string) string {
	st.ldOnce.Do(func() {
		data, err := os.ReadFile(ldSoCachePath)
		if err != nil {
			st.ldErr = err
			return
		}
		st.ldEntries, st.ldErr = parseLdSoCache(data)
	})
	for _, p := range pickLibrary(st.ldEntries, name, archLibFlags()) {
		if isELFFile(p) {
			return p
		}
	}
	for _, p := range searchLibraryDirs(libraryDirs, name) {
		if isELFFile(p) {
			return p
		}
	}
	return ""
}

// ld.so.cache flag values (glibc's ldconfig.h / cache.c).
const (
	ldFlagTypeMask     = 0x00ff
	ldFlagELFLibc6     = 0x0003
	ldFlagRequiredMask = 0xff00
	ldFlagX8664Lib64   = 0x0300
	ldFlagAArch64Lib64 = 0x0a00
)

// archLibFlags returns the ld.so.cache flags of libraries for the running
// architecture, or 0 when unknown (then every entry is acceptable).
func archLibFlags() int32 {
	switch goruntime.GOARCH {
	case "amd64":
		return ldFlagX8664Lib64 | ldFlagELFLibc6
	case "arm64":
		return ldFlagAArch64Lib64 | ldFlagELFLibc6
	}
	return 0
}

// ldCacheEntry is one library of /etc/ld.so.cache.
type ldCacheEntry struct {
	Flags int32
	Key   string // the soname, e.g. "libc.so.6"
	Value string // the path, e.g. "/lib/x86_64-linux-gnu/libc.so.6"
	HWCap uint64
}

const (
	ldOldMagic    = "ld.so-1.7.0"
	ldNewMagic    = "glibc-ld.so.cache"
	ldNewVersion  = "1.1"
	ldOldHeader   = 16 // magic (11 bytes, padded to 12) + nlibs
	ldOldEntry    = 12 // flags, key, value
	ldNewHeader   = 48 // magic, version, nlibs, len_strings, flags, pad, ext offset, unused[3]
	ldNewEntry    = 24 // flags, key, value, osversion, hwcap
	ldNewFlagsOff = 28 // offset of the header's flags byte
)

// parseLdSoCache parses the contents of /etc/ld.so.cache. The file is
// either the "glibc-ld.so.cache1.1" format alone, the old "ld.so-1.7.0"
// format followed by the new one (then the old part is skipped), or the old
// format alone. String offsets of the new format are relative to the start
// of its header; those of the old one to the end of its entry array.
func parseLdSoCache(data []byte) ([]ldCacheEntry, error) {
	if bytes.HasPrefix(data, []byte(ldNewMagic)) {
		return parseLdNew(data)
	}
	if !bytes.HasPrefix(data, []byte(ldOldMagic)) {
		return nil, errors.New("ld.so.cache: unknown format")
	}
	if len(data) < ldOldHeader {
		return nil, errors.New("ld.so.cache: truncated header")
	}
	n := uint64(binary.LittleEndian.Uint32(data[12:16]))
	end := ldOldHeader + n*ldOldEntry
	if end > uint64(len(data)) {
		return nil, errors.New("ld.so.cache: truncated entries")
	}
	// The new format, when present, follows the old entries aligned to 8.
	newOff := (end + 7) &^ 7
	if newOff < uint64(len(data)) && bytes.HasPrefix(data[newOff:], []byte(ldNewMagic)) {
		return parseLdNew(data[newOff:])
	}
	if i := bytes.Index(data[end:], []byte(ldNewMagic+ldNewVersion)); i >= 0 {
		return parseLdNew(data[end+uint64(i):])
	}
	strs := data[end:]
	out := make([]ldCacheEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		e := data[ldOldHeader+i*ldOldEntry:]
		key, ok1 := cString(strs, binary.LittleEndian.Uint32(e[4:8]))
		val, ok2 := cString(strs, binary.LittleEndian.Uint32(e[8:12]))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("ld.so.cache: entry %d: string offset out of range", i)
		}
		out = append(out, ldCacheEntry{
			Flags: int32(binary.LittleEndian.Uint32(e[0:4])),
			Key:   key,
			Value: val,
		})
	}
	return out, nil
}

// parseLdNew parses a "glibc-ld.so.cache1.1" cache starting at data[0].
func parseLdNew(data []byte) ([]ldCacheEntry, error) {
	if len(data) < ldNewHeader {
		return nil, errors.New("ld.so.cache: truncated header")
	}
	if string(data[len(ldNewMagic):len(ldNewMagic)+len(ldNewVersion)]) != ldNewVersion {
		return nil, fmt.Errorf("ld.so.cache: unsupported version %q",
			data[len(ldNewMagic):len(ldNewMagic)+len(ldNewVersion)])
	}
	// The flags byte records the endianness: 2 is little, 3 is big, 0 is
	// unknown (assume the host's, which is little on every supported arch).
	var bo binary.ByteOrder = binary.LittleEndian
	if data[ldNewFlagsOff] == 3 {
		bo = binary.BigEndian
	}
	n := uint64(bo.Uint32(data[20:24]))
	if ldNewHeader+n*ldNewEntry > uint64(len(data)) {
		return nil, errors.New("ld.so.cache: truncated entries")
	}
	out := make([]ldCacheEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		e := data[ldNewHeader+i*ldNewEntry:]
		key, ok1 := cString(data, bo.Uint32(e[4:8]))
		val, ok2 := cString(data, bo.Uint32(e[8:12]))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("ld.so.cache: entry %d: string offset out of range", i)
		}
		out = append(out, ldCacheEntry{
			Flags: int32(bo.Uint32(e[0:4])),
			Key:   key,
			Value: val,
			HWCap: bo.Uint64(e[16:24]),
		})
	}
	return out, nil
}

// cString returns the NUL-terminated string at data[off:].
func cString(data []byte, off uint32) (string, bool) {
	if uint64(off) >= uint64(len(data)) {
		return "", false
	}
	s := data[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	} else {
		return "", false
	}
	return string(s), true
}

// libMatch ranks how well a soname (a cache key or file name) matches a
// library name: 0 for no match, 3 for an exact match, 2 for "name.so.N..."
// (a runtime library), 1 for "name.so" (usually the development symlink,
// sometimes a linker script). version is the ".so" suffix, e.g. ".6".
func libMatch(soname, name string) (rank int, version string) {
	if soname == name {
		return 3, ""
	}
	rest, ok := strings.CutPrefix(soname, name)
	if !ok {
		return 0, ""
	}
	if !strings.HasSuffix(name, ".so") {
		if rest, ok = strings.CutPrefix(rest, ".so"); !ok {
			return 0, ""
		}
	}
	switch {
	case rest == "":
		return 1, ""
	case rest[0] == '.':
		return 2, rest
	}
	return 0, ""
}

// versionLess compares ".so" version suffixes such as ".1" and ".1.1"
// numerically, component by component.
func versionLess(a, b string) bool {
	as := strings.Split(strings.TrimPrefix(a, "."), ".")
	bs := strings.Split(strings.TrimPrefix(b, "."), ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx == nil && erry == nil {
			if x != y {
				return x < y
			}
			continue
		}
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// libCandidate is a path that matched a library name, with its ranking.
type libCandidate struct {
	path    string
	arch    bool // built for the running architecture
	rank    int
	version string
	order   int
}

func sortCandidates(c []libCandidate) []string {
	sort.SliceStable(c, func(i, j int) bool {
		a, b := c[i], c[j]
		if a.arch != b.arch {
			return a.arch
		}
		if a.rank != b.rank {
			return a.rank > b.rank
		}
		if a.version != b.version {
			return versionLess(b.version, a.version)
		}
		return a.order < b.order
	})
	out := make([]string, 0, len(c))
	seen := map[string]bool{}
	for _, x := range c {
		if !seen[x.path] {
			seen[x.path] = true
			out = append(out, x.path)
		}
	}
	return out
}

// pickLibrary returns the paths of the cache entries matching library name,
// best first: entries for the architecture archFlags (when non-zero) before
// others, exact sonames before "name.so.N" (highest N first) before
// "name.so", then in cache order.
func pickLibrary(entries []ldCacheEntry, name string, archFlags int32) []string {
	var c []libCandidate
	for i, e := range entries {
		rank, version := libMatch(e.Key, name)
		if rank == 0 {
			continue
		}
		arch := archFlags == 0 ||
			(e.Flags&ldFlagTypeMask == archFlags&ldFlagTypeMask &&
				e.Flags&ldFlagRequiredMask == archFlags&ldFlagRequiredMask)
		c = append(c, libCandidate{path: e.Value, arch: arch, rank: rank, version: version, order: i})
	}
	return sortCandidates(c)
}

// searchLibraryDirs returns the files "<name>" and "<name>.so*" in dirs,
// ranked like pickLibrary (earlier directories first on ties).
func searchLibraryDirs(dirs []string, name string) []string {
	var c []libCandidate
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			rank, version := libMatch(e.Name(), name)
			if rank == 0 {
				continue
			}
			c = append(c, libCandidate{
				path: filepath.Join(dir, e.Name()), arch: true,
				rank: rank, version: version, order: len(c),
			})
		}
	}
	return sortCandidates(c)
}

// isELFFile reports whether p (after symlinks) is a regular file starting
// with the ELF magic; it filters out linker scripts such as libc.so.
func isELFFile(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil {
		return false
	}
	return string(magic[:]) == elf.ELFMAG
}

// FuncSymbols returns the names of the function symbols of the ELF file
// file that match the glob pattern (path.Match syntax), sorted and
// deduplicated. Symbols come from .symtab and .dynsym; only defined
// STT_FUNC symbols with a non-zero value count, and version suffixes
// ("@GLIBC_2.2.5", "@@...") are stripped. A pattern without wildcards is
// an exact name: it is returned alone if the file defines it. A pattern
// that matches nothing yields an empty result and no error (the checker
// words the missing probe as missing_probes says). The names come from
// the file's targetInfo, read once per file (and again if it changes).
func (h *Host) FuncSymbols(file, pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("function pattern %q: %w", pattern, err)
	}
	c, err := readTargetInfo(file)
	if err == nil {
		err = c.noSymtab
	}
	if err != nil {
		return nil, err
	}
	names := c.funcs
	if !hasWildcard(pattern) {
		i := sort.SearchStrings(names, pattern)
		if i < len(names) && names[i] == pattern {
			return []string{pattern}, nil
		}
		return nil, nil
	}
	var out []string
	for _, n := range names {
		if match(pattern, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// elfFunc is a defined function symbol of an ELF file.
type elfFunc struct {
	name       string
	addr, size uint64
	typ        elf.SymType
}

// errNoSymtab is the error of an ELF file with neither .symtab nor
// .dynsym.
var errNoSymtab = errors.New("no symbol table")

// readELFFuncs reads the defined function symbols of the ELF file at p
// (which may name a zip archive's member).
func readELFFuncs(p string) ([]elfFunc, error) {
	f, err := openTarget(p)
	if err != nil {
		return nil, fmt.Errorf("reading symbols of %s: %w", p, err)
	}
	defer f.Close()
	return elfFuncs(f.File, p)
}

// elfFuncs reads the defined function (STT_FUNC) symbols of f (opened
// from p), as elfSymbols.
func elfFuncs(f *elf.File, p string) ([]elfFunc, error) {
	return elfSymbols(f, p, elf.STT_FUNC)
}

// elfSymbols reads the defined symbols of the given types of f (opened
// from p) from .symtab and .dynsym (version suffixes removed), in no
// particular order; a file with neither table is errNoSymtab.
func elfSymbols(f *elf.File, p string, typs ...elf.SymType) ([]elfFunc, error) {
	var out []elfFunc
	found := false
	for _, read := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, err := read()
		if err != nil {
			if errors.Is(err, elf.ErrNoSymbols) {
				continue
			}
			return nil, fmt.Errorf("reading symbols of %s: %w", p, err)
		}
		found = true
		for _, s := range syms {
			typ := elf.ST_TYPE(s.Info)
			if !slices.Contains(typs, typ) || s.Section == elf.SHN_UNDEF || s.Value == 0 {
				continue
			}
			if name, _, _ := strings.Cut(s.Name, "@"); name != "" {
				out = append(out, elfFunc{name: name, addr: s.Value, size: s.Size, typ: typ})
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("reading symbols of %s: %w", p, errNoSymtab)
	}
	return out, nil
}
