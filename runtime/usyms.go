package runtime

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ianlancetaylor/demangle"
)

// UserSymbols resolves instruction addresses of user processes to
// function symbols (usym, ustack). A process's mappings are read from
// /proc/PID/maps on first use and read again when an address falls
// outside all of them (after a dlopen); each object file's function
// symbols are read once. A process that has exited before its first
// lookup has no mappings to read: its addresses are looked up in the
// Binaries the script probes that are not position independent (their
// addresses are the same in every process, as bpftrace's per-program
// symbol cache assumes), and print in hex otherwise. It is safe for
// concurrent use.
type UserSymbols struct {
	// Binaries are the files the script's uprobes and usdt probes are in.
	Binaries []string
	// Demangle prints C++ and Rust symbols demangled (cpp_demangle).
	Demangle bool
	// DebugPaths are the directories searched for separate debug files
	// (--debuginfo), before the standard ones.
	DebugPaths []string

	dwarf dwarfCache // the files' DWARF, for Source

	mu    sync.Mutex
	procs map[uint64][]userMapping
	files map[string]*objectSyms
}

// maxCachedProcs bounds the per-process mapping cache of a long trace
// over many short-lived processes.
const maxCachedProcs = 1024

// userMapping is one executable mapping of a file in a process.
type userMapping struct {
	start, end, off uint64
	path            string // as the process sees it
	file            string // as we can open it (through /proc/PID/root)
}

// objectSyms are the sorted function symbols and the loadable segments
// of an object file.
type objectSyms struct {
	funcs []elfFunc
	loads []elf.ProgHeader
	// exec is set for ET_EXEC files, loaded at their link addresses.
	exec bool
}

// Resolve returns the function containing addr in process pid, the
// offset of addr in it and the object file's path; ok is false when the
// address cannot be resolved (module may still be known).
func (u *UserSymbols) Resolve(pid, addr uint64) (sym string, off uint64, module string, ok bool) {
	m, found := u.mapping(pid, addr)
	if !found {
		return u.resolveStatic(addr)
	}
	obj, vaddr, ok := u.locate(m, addr)
	if !ok {
		return "", 0, m.path, false
	}
	f, ok := obj.funcAt(vaddr)
	if !ok {
		return "", 0, m.path, false
	}
	return u.name(f), vaddr - f.addr, m.path, true
}

// name is the printed name of function f: demangled when Demangle is
// set and the name is a C++ or Rust symbol, without the parameter list
// (as bpftrace prints them).
func (u *UserSymbols) name(f elfFunc) string {
	if !u.Demangle {
		return f.name
	}
	return demangle.Filter(f.name, demangle.NoParams)
}

// locate returns the object file of mapping m and the virtual address in
// it of addr.
func (u *UserSymbols) locate(m userMapping, addr uint64) (*objectSyms, uint64, bool) {
	obj := u.object(m.file)
	if obj == nil {
		return nil, 0, false
	}
	fileOff := addr - m.start + m.off
	for _, p := range obj.loads {
		if fileOff >= p.Off && fileOff < p.Off+p.Filesz {
			return obj, fileOff - p.Off + p.Vaddr, true
		}
	}
	return nil, 0, false
}

// Source returns the source-level frames of addr in process pid from the
// DWARF of its file: the functions inlined there, innermost first, then
// the line in the function that contains it (nil without DWARF).
func (u *UserSymbols) Source(pid, addr uint64) []SourceFrame {
	file, vaddr := "", addr
	if m, found := u.mapping(pid, addr); found {
		_, va, ok := u.locate(m, addr)
		if !ok {
			return nil
		}
		file, vaddr = m.file, va
	} else if _, _, module, ok := u.resolveStatic(addr); ok {
		file = module
	}
	if file == "" {
		return nil
	}
	// Separate debug files are read for the probed programs only: a
	// library's, from a debug package (libc6-dbg), is large, and reading
	// it would hold up the first stack printed by a second or more.
	f, err := u.dwarf.file(file, u.DebugPaths, slices.Contains(u.Binaries, file))
	if err != nil {
		return nil
	}
	return f.source(vaddr)
}

// resolveStatic looks addr up in the probed binaries that are loaded at
// their link addresses (ET_EXEC), for processes whose mappings are gone.
func (u *UserSymbols) resolveStatic(addr uint64) (sym string, off uint64, module string, ok bool) {
	for _, file := range u.Binaries {
		obj := u.object(file)
		if obj == nil || !obj.exec {
			continue
		}
		for _, p := range obj.loads {
			if addr < p.Vaddr || addr >= p.Vaddr+p.Memsz {
				continue
			}
			if f, ok := obj.funcAt(addr); ok {
				return u.name(f), addr - f.addr, file, true
			}
			return "", 0, file, false
		}
	}
	return "", 0, "", false
}

// funcAt finds the function containing the virtual address vaddr.
func (obj *objectSyms) funcAt(vaddr uint64) (elfFunc, bool) {
	i := sort.Search(len(obj.funcs), func(i int) bool { return obj.funcs[i].addr > vaddr }) - 1
	if i < 0 {
		return elfFunc{}, false
	}
	f := obj.funcs[i]
	if f.size != 0 && vaddr >= f.addr+f.size {
		return elfFunc{}, false
	}
	return f, true
}

// mapping finds the executable mapping of pid that contains addr.
func (u *UserSymbols) mapping(pid, addr uint64) (userMapping, bool) {
	u.mu.Lock()
	maps := u.procs[pid]
	u.mu.Unlock()
	if m, ok := findMapping(maps, addr); ok {
		return m, true
	}
	fresh, err := readProcMaps(pid)
	if err != nil {
		return userMapping{}, false
	}
	u.mu.Lock()
	if u.procs == nil || len(u.procs) >= maxCachedProcs {
		// Many short-lived processes: start over rather than grow.
		u.procs = map[uint64][]userMapping{}
	}
	u.procs[pid] = fresh
	u.mu.Unlock()
	return findMapping(fresh, addr)
}

// Remember reads process pid's mappings now, so that its addresses are
// resolved after it has exited (a -c command that ends before the maps
// are printed). Its files are then opened by path when the process
// shares our root directory, which stays valid once its /proc entry is
// gone.
func (u *UserSymbols) Remember(pid uint64) error {
	maps, err := readProcMaps(pid)
	if err != nil {
		return err
	}
	if root, err := os.Readlink(fmt.Sprintf("/proc/%d/root", pid)); err == nil && root == "/" {
		for i := range maps {
			maps[i].file = maps[i].path
		}
	}
	u.mu.Lock()
	if u.procs == nil {
		u.procs = map[uint64][]userMapping{}
	}
	u.procs[pid] = maps
	u.mu.Unlock()
	return nil
}

func findMapping(maps []userMapping, addr uint64) (userMapping, bool) {
	i := sort.Search(len(maps), func(i int) bool { return maps[i].end > addr })
	if i < len(maps) && maps[i].start <= addr {
		return maps[i], true
	}
	return userMapping{}, false
}

// object returns the symbols of an object file, reading them once (nil
// when the file cannot be read).
func (u *UserSymbols) object(file string) *objectSyms {
	u.mu.Lock()
	obj, ok := u.files[file]
	u.mu.Unlock()
	if ok {
		return obj
	}
	obj = readObjectSyms(file, u.DebugPaths)
	u.mu.Lock()
	if u.files == nil {
		u.files = map[string]*objectSyms{}
	}
	u.files[file] = obj
	u.mu.Unlock()
	return obj
}

// readObjectSyms reads the function symbols and loadable segments of an
// object file. A file without a .symtab (a library stripped to its
// dynamic symbols) has the local functions of its separate debug file,
// when there is one (search as for DWARF), as bcc and blazesym read them.
func readObjectSyms(file string, search []string) *objectSyms {
	f, err := elf.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	funcs, err := elfFuncs(f, file)
	if err != nil {
		return nil
	}
	if f.Section(".symtab") == nil {
		if dbg, _, err := openDebugFile(file, f, search); err == nil {
			// Only functions the file does not name: an exported
			// function keeps its name (getenv, not __GI_getenv).
			named := map[uint64]bool{}
			for _, f := range funcs {
				named[f.addr] = true
			}
			if more, err := elfFuncs(dbg, file); err == nil {
				for _, f := range more {
					if !named[f.addr] {
						funcs = append(funcs, f)
					}
				}
			}
			dbg.Close()
		}
	}
	obj := &objectSyms{funcs: funcs, exec: f.Type == elf.ET_EXEC}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			obj.loads = append(obj.loads, p.ProgHeader)
		}
	}
	sort.Slice(obj.funcs, func(i, j int) bool { return obj.funcs[i].addr < obj.funcs[j].addr })
	return obj
}

// readProcMaps reads the executable file mappings of a process, sorted by
// address.
func readProcMaps(pid uint64) ([]userMapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	root := fmt.Sprintf("/proc/%d/root", pid)
	var out []userMapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m, ok := parseMapsLine(sc.Text())
		if !ok {
			continue
		}
		m.file = filepath.Join(root, m.path)
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, nil
}

// parseMapsLine parses an executable file mapping of /proc/PID/maps:
// "start-end perms offset dev inode path".
func parseMapsLine(line string) (userMapping, bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || !strings.Contains(fields[1], "x") || !strings.HasPrefix(fields[5], "/") {
		return userMapping{}, false
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return userMapping{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(fields[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return userMapping{}, false
	}
	return userMapping{start: start, end: end, off: off, path: strings.Join(fields[5:], " ")}, true
}
