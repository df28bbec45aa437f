//go:build linux

package runtime

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/gobpftrace/gobpftrace/lang/check"
)

// UserSymbol implements check.Host for uaddr(): the symbol name (a
// function or a data object, from .symtab or .dynsym) of the ELF file at
// path. For a position-independent file the address is made relative to
// the file's lowest mapping (the page of its first PT_LOAD segment), which
// is what the program adds at run time.
func (h *Host) UserSymbol(path, name string) (check.UserSym, error) {
	f, err := elf.Open(path)
	if err != nil {
		return check.UserSym{}, err
	}
	defer f.Close()
	var sym *elf.Symbol
	for _, read := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, err := read()
		if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
			return check.UserSym{}, fmt.Errorf("reading symbols: %w", err)
		}
		for i := range syms {
			s := &syms[i]
			if s.Section == elf.SHN_UNDEF || s.Value == 0 {
				continue
			}
			if n, _, _ := strings.Cut(s.Name, "@"); n == name {
				sym = s
				break
			}
		}
		if sym != nil {
			break
		}
	}
	if sym == nil {
		return check.UserSym{}, errors.New("no such symbol")
	}
	out := check.UserSym{Addr: sym.Value, Size: sym.Size}
	if f.Type != elf.ET_DYN {
		return out, nil
	}
	first, ok := lowestLoad(f)
	if !ok {
		return check.UserSym{}, errors.New("no loadable segment")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return check.UserSym{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return check.UserSym{}, errors.New("no inode number")
	}
	out.Addr -= first
	out.Relocatable, out.Inode = true, st.Ino
	return out, nil
}

// lowestLoad is the page-aligned virtual address of f's lowest PT_LOAD
// segment: where the file's first mapping starts, before relocation.
func lowestLoad(f *elf.File) (uint64, bool) {
	var low uint64
	found := false
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if a := p.Vaddr &^ (uint64(os.Getpagesize()) - 1); !found || a < low {
			low, found = a, true
		}
	}
	return low, found
}
