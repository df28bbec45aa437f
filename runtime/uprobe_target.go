//go:build linux

package runtime

import (
	"archive/zip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gobpftrace/gobpftrace/lang/check"
)

// Uprobe target files and the locations in them.
//
// A uprobe attaches at a file offset of an inode. The target is an ELF
// file, or a member of a zip archive written ARCHIVE!/MEMBER (Android
// APKs hold libraries so, and the dynamic loader maps them straight from
// the archive; bpftrace and libbpf accept the form): the member must be
// stored uncompressed, and its probes attach to the archive at the
// member's data offset plus the location's offset in the member. With
// --unsafe, a file that is not ELF at all (a flat binary) can be probed
// by address, which is then its file offset.
//
// The symbols a uprobe location is resolved against are bpftrace's: the
// defined functions, indirect functions and objects of .symtab, then
// .dynsym, in file order; a name resolves to its first symbol.

// archiveSep separates a zip archive's path from a member's name.
const archiveSep = "!/"

// splitArchivePath splits "ARCHIVE!/MEMBER"; ok is false for a plain path.
func splitArchivePath(p string) (archive, member string, ok bool) {
	return strings.Cut(p, archiveSep)
}

// targetFile is the path a uprobe target's probes attach to: the file
// itself, or the archive that holds it.
func targetFile(p string) string {
	archive, _, _ := splitArchivePath(p)
	return archive
}

// resolveArchiveMember resolves the uprobe target name, the member of a
// zip archive written ARCHIVE!/MEMBER: the archive's absolute path and
// the member, which must exist and be stored uncompressed.
func resolveArchiveMember(name, archive, member string) (string, error) {
	abs, err := filepath.Abs(archive)
	if err != nil {
		return "", fmt.Errorf("uprobe target '%s': %w", name, err)
	}
	if _, _, err := zipMember(abs, member); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("uprobe target '%s' not found: no such file %s", name, abs)
		}
		return "", fmt.Errorf("uprobe target '%s': %w", name, err)
	}
	return abs + archiveSep + member, nil
}

// zipMember returns where member's data starts in the zip archive at
// archive, and its size. The member must be stored uncompressed.
func zipMember(archive, member string) (off, size int64, err error) {
	r, err := zip.OpenReader(archive)
	if err != nil {
		return 0, 0, fmt.Errorf("reading zip archive %s: %w", archive, err)
	}
	defer r.Close()
	for _, f := range r.File {
		if f.Name != member {
			continue
		}
		if f.Method != zip.Store {
			return 0, 0, fmt.Errorf("member %s of %s is compressed: only stored (uncompressed) members can be probed", member, archive)
		}
		off, err := f.DataOffset()
		if err != nil {
			return 0, 0, fmt.Errorf("reading zip archive %s: %w", archive, err)
		}
		return off, int64(f.UncompressedSize64), nil
	}
	return 0, 0, fmt.Errorf("zip archive %s has no member %s", archive, member)
}

// errNotELF is the error of a target file that is not ELF.
var errNotELF = errors.New("not an ELF file")

// elfTarget is an opened uprobe target: its ELF view, and where that
// image starts in the file probes attach to (a member's data offset). A
// target that is not ELF has only base.
type elfTarget struct {
	*elf.File
	base   uint64
	closer io.Closer
}

// Close closes the target's file.
func (t *elfTarget) Close() error { return t.closer.Close() }

// openTarget opens the ELF file at p, which may name a zip archive's
// member. A file (or member) that is not ELF is an error wrapping
// errNotELF.
func openTarget(p string) (*elfTarget, error) {
	archive, member, ok := splitArchivePath(p)
	var (
		r    io.ReaderAt
		base int64
		size int64 = -1
	)
	if ok {
		off, n, err := zipMember(archive, member)
		if err != nil {
			return nil, err
		}
		base, size = off, n
	}
	fh, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		fi, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, err
		}
		size = fi.Size()
	}
	r = io.NewSectionReader(fh, base, size)
	var magic [len(elf.ELFMAG)]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		fh.Close()
		return &elfTarget{base: uint64(base)}, fmt.Errorf("%s: %w", p, errNotELF)
	}
	f, err := elf.NewFile(r)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &elfTarget{File: f, base: uint64(base), closer: fh}, nil
}

// targetInfo is what uprobes need of a target file, read once while the
// file keeps its size and modification time.
type targetInfo struct {
	size  int64
	mtime time.Time
	err   error // reading it failed (errNotELF: a flat binary)

	machine elf.Machine
	syms    []check.UprobeSym // functions and objects, in symbol table order
	byName  map[string]int    // index in syms of each name's first symbol
	// funcs are the names of the STT_FUNC symbols, sorted, once each
	// (FuncSymbols); noSymtab is the error of a file with neither
	// .symtab nor .dynsym, which has none.
	funcs    []string
	noSymtab error
	segs     []elf.ProgHeader // executable PT_LOAD segments
	base     uint64           // offset of the ELF image in the file
}

// targetCache holds the targetInfo of every uprobe target path; the
// checker's host and the attach step share it.
var targetCache = struct {
	mu sync.Mutex
	m  map[string]*targetInfo
}{m: map[string]*targetInfo{}}

// readTargetInfo returns the (cached) targetInfo of the uprobe target p.
func readTargetInfo(p string) (*targetInfo, error) {
	fi, err := os.Stat(targetFile(p))
	if err != nil {
		return nil, fmt.Errorf("reading symbols: %w", err)
	}
	targetCache.mu.Lock()
	c := targetCache.m[p]
	targetCache.mu.Unlock()
	if c != nil && c.size == fi.Size() && c.mtime.Equal(fi.ModTime()) {
		return c, c.err
	}
	c = &targetInfo{size: fi.Size(), mtime: fi.ModTime()}
	c.err = c.read(p)
	targetCache.mu.Lock()
	targetCache.m[p] = c
	targetCache.mu.Unlock()
	return c, c.err
}

func (c *targetInfo) read(p string) error {
	t, err := openTarget(p)
	if t != nil {
		c.base = t.base // also known for a flat file
	}
	if err != nil {
		return fmt.Errorf("reading symbols of %s: %w", p, err)
	}
	defer t.Close()
	c.machine = t.Machine
	for _, ph := range t.Progs {
		if ph.Type == elf.PT_LOAD && ph.Flags&elf.PF_X != 0 {
			c.segs = append(c.segs, ph.ProgHeader)
		}
	}
	syms, err := elfSymbols(t.File, p, elf.STT_FUNC, elf.STT_GNU_IFUNC, elf.STT_OBJECT)
	if errors.Is(err, errNoSymtab) {
		c.noSymtab = err
		return nil
	}
	if err != nil {
		return err
	}
	funcs := map[string]bool{}
	for _, s := range syms {
		c.addSymbol(check.UprobeSym{Name: s.name, Addr: s.addr, Size: s.size})
		if s.typ == elf.STT_FUNC && !funcs[s.name] {
			funcs[s.name] = true
			c.funcs = append(c.funcs, s.name)
		}
	}
	sort.Strings(c.funcs)
	return nil
}

// addSymbol appends s to the symbols.
func (c *targetInfo) addSymbol(s check.UprobeSym) {
	if c.byName == nil {
		c.byName = map[string]int{}
	}
	if _, ok := c.byName[s.Name]; !ok {
		c.byName[s.Name] = len(c.syms)
	}
	c.syms = append(c.syms, s)
}

// symbol returns the first symbol named name.
func (c *targetInfo) symbol(name string) (check.UprobeSym, bool) {
	if i, ok := c.byName[name]; ok {
		return c.syms[i], true
	}
	return check.UprobeSym{}, false
}

// symbolAt returns the first symbol that starts at addr or holds it.
func (c *targetInfo) symbolAt(addr uint64) (check.UprobeSym, bool) {
	for _, s := range c.syms {
		if addr == s.Addr || addr > s.Addr && addr-s.Addr < s.Size {
			return s, true
		}
	}
	return check.UprobeSym{}, false
}

// fileOffset converts the virtual address addr to its offset in the file
// probes attach to, through the executable segment that holds it.
func (c *targetInfo) fileOffset(addr uint64) (uint64, bool) {
	for _, p := range c.segs {
		if addr >= p.Vaddr && addr-p.Vaddr < p.Filesz {
			return c.base + addr - p.Vaddr + p.Off, true
		}
	}
	return 0, false
}

// UprobeSymbol implements check.Host: the first function or object
// symbol named name of the ELF file at path.
func (h *Host) UprobeSymbol(path, name string) (check.UprobeSym, bool, error) {
	c, err := readTargetInfo(path)
	if err != nil {
		return check.UprobeSym{}, false, err
	}
	s, ok := c.symbol(name)
	return s, ok, nil
}

// UprobeSymbolAt implements check.Host: the first function or object
// symbol of the ELF file at path that holds addr. A file that is not ELF
// has none.
func (h *Host) UprobeSymbolAt(path string, addr uint64) (check.UprobeSym, bool, error) {
	c, err := readTargetInfo(path)
	if errors.Is(err, errNotELF) {
		return check.UprobeSym{}, false, nil
	}
	if err != nil {
		return check.UprobeSym{}, false, err
	}
	s, ok := c.symbolAt(addr)
	return s, ok, nil
}

// InstructionBoundary implements check.Host: whether offset off into the
// function sym of the ELF file at path starts an instruction. x86-64
// code is decoded from the function's start; arm64 instructions are 4
// bytes.
func (h *Host) InstructionBoundary(path string, sym check.UprobeSym, off uint64) (bool, error) {
	c, err := readTargetInfo(path)
	if err != nil {
		return false, err
	}
	switch c.machine {
	case elf.EM_AARCH64:
		return off%4 == 0, nil
	case elf.EM_X86_64:
	default:
		return false, fmt.Errorf("instructions of %s code cannot be decoded", c.machine)
	}
	start, ok := c.fileOffset(sym.Addr)
	if !ok {
		return false, fmt.Errorf("%s is not in an executable segment", sym.Name)
	}
	f, err := os.Open(targetFile(path))
	if err != nil {
		return false, err
	}
	defer f.Close()
	// The code up to the offset, and the instruction there; no more than
	// the file holds (a symbol's size need not be true).
	end := start + off + x86MaxInsn
	if c.size >= 0 && end > uint64(c.size) {
		end = uint64(c.size)
	}
	if end <= start+off {
		return false, fmt.Errorf("%s+%d is past the end of the file", sym.Name, off)
	}
	code := make([]byte, end-start)
	n, err := f.ReadAt(code, int64(start))
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return x86Boundary(code[:n], off)
}
