//go:build linux

package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
)

// kallsymsPath is the kernel symbol table read by kaddr() and ksym().
const kallsymsPath = "/proc/kallsyms"

// ksymEntry is one symbol of a symTable: its address, the position of its
// name in the table's name buffer, its kallsyms type letter and its
// module (an index into symTable.modules; 0 is vmlinux).
type ksymEntry struct {
	addr     uint64
	off, len uint32
	typ      byte
	mod      uint16
}

// symTable is every symbol of a kallsyms file (all types, modules
// included), sorted by address; symbols that share an address keep their
// file order. Names are packed in one string to keep the table small.
// It is the one reading of /proc/kallsyms: kaddr() and ksym() use it
// directly, kprobes its functions (kallsymsFuncs).
type symTable struct {
	syms    []ksymEntry
	names   string
	modules []string // modules[0] is "" (vmlinux)
}

func (t *symTable) name(i int) string {
	e := t.syms[i]
	return t.names[e.off : e.off+e.len]
}

// addrOf returns the address of the first symbol called name in file
// order.
func (t *symTable) addrOf(name string) (uint64, bool) {
	best, found := -1, false
	for i, e := range t.syms {
		if int(e.len) == len(name) && t.name(i) == name {
			// Entries are sorted by address, not file order: the file
			// position is the name offset (names are packed in file order).
			if !found || e.off < t.syms[best].off {
				best, found = i, true
			}
		}
	}
	if !found {
		return 0, false
	}
	return t.syms[best].addr, true
}

// lookup returns the name of the symbol containing addr: the last symbol
// whose address is at most addr (the first in file order among symbols at
// that address), or "" when addr is below every symbol or zero.
func (t *symTable) lookup(addr uint64) string {
	if addr == 0 {
		return ""
	}
	i := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].addr > addr })
	if i == 0 {
		return ""
	}
	a := t.syms[i-1].addr
	if a == 0 {
		return "" // hidden addresses (not root): nothing can be resolved
	}
	j := sort.Search(i, func(j int) bool { return t.syms[j].addr >= a })
	return t.name(j)
}

// readSymTable parses a kallsyms file: lines "ADDRESS TYPE NAME
// [[MODULE]]".
func readSymTable(file string) (*symTable, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading kernel symbols: %w", err)
	}
	defer f.Close()
	t := &symTable{modules: []string{""}}
	modIndex := map[string]uint16{"": 0}
	var names []byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		fields := bytes.Fields(line)
		if len(fields) < 3 {
			continue
		}
		addr, err := strconv.ParseUint(string(fields[0]), 16, 64)
		if err != nil {
			continue
		}
		name := fields[2]
		var mod uint16
		if len(fields) > 3 {
			m := moduleField(string(fields[3]))
			idx, ok := modIndex[m]
			if !ok {
				idx = uint16(len(t.modules))
				modIndex[m] = idx
				t.modules = append(t.modules, m)
			}
			mod = idx
		}
		t.syms = append(t.syms, ksymEntry{addr: addr, off: uint32(len(names)), len: uint32(len(name)), typ: fields[1][0], mod: mod})
		names = append(names, name...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading kernel symbols: %w", err)
	}
	t.names = string(names)
	sort.SliceStable(t.syms, func(i, j int) bool { return t.syms[i].addr < t.syms[j].addr })
	return t, nil
}

// kernelSyms is the process-wide kallsyms table, loaded on first use.
var kernelSyms struct {
	once sync.Once
	tab  *symTable
	err  error
}

func loadKernelSyms() (*symTable, error) {
	kernelSyms.once.Do(func() { kernelSyms.tab, kernelSyms.err = readSymTable(kallsymsPath) })
	return kernelSyms.tab, kernelSyms.err
}

// KernelSymbolAddr implements check.Host: the address of the kernel symbol
// name (kaddr()), from /proc/kallsyms. Addresses are only visible to
// root (kernel.kptr_restrict); a hidden (zero) address is an error.
func (h *Host) KernelSymbolAddr(name string) (uint64, error) {
	t, err := loadKernelSyms()
	if err != nil {
		return 0, err
	}
	addr, ok := t.addrOf(name)
	if !ok {
		return 0, fmt.Errorf("kernel symbol '%s' not found in %s", name, kallsymsPath)
	}
	if addr == 0 {
		return 0, fmt.Errorf("the address of kernel symbol '%s' is hidden in %s (run as root)", name, kallsymsPath)
	}
	return addr, nil
}

// KernelSymbol returns the name of the kernel symbol containing addr,
// without offset (ksym()), or "" when it cannot be resolved. The symbol
// table is read from /proc/kallsyms once, on first use.
func KernelSymbol(addr uint64) string {
	t, err := loadKernelSyms()
	if err != nil {
		return ""
	}
	return t.lookup(addr)
}

// KernelSymbolOffset returns "name+offset" for the kernel symbol
// containing addr (stack frames), or "" when it cannot be resolved.
func KernelSymbolOffset(addr uint64) string {
	t, err := loadKernelSyms()
	if err != nil {
		return ""
	}
	name := t.lookup(addr)
	if name == "" {
		return ""
	}
	// lookup found the last symbol at or below addr: its address is the
	// base of the offset.
	i := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].addr > addr })
	return name + "+" + strconv.FormatUint(addr-t.syms[i-1].addr, 10)
}
