package runtime

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/cilium/ebpf/link"

	"github.com/gobpftrace/gobpftrace/lang/check"
)

// stapsdtNoteType is the ELF note type of SystemTap SDT probe descriptors.
const stapsdtNoteType = 3

// USDTProbes returns the USDT probes of the ELF file at file whose provider
// and name match the glob patterns (provider "" or "*" matches any),
// sorted by provider, name and offset. Offsets are file offsets, as uprobes
// want them.
func (h *Host) USDTProbes(file, provider, name string) ([]check.USDTProbe, error) {
	if provider == "" {
		provider = "*"
	}
	for _, p := range []string{provider, name} {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("usdt pattern %q: %w", p, err)
		}
	}
	all, err := readUSDTProbes(file)
	if err != nil {
		return nil, err
	}
	var out []check.USDTProbe
	for _, p := range all {
		if match(provider, p.Provider) && match(name, p.Name) {
			out = append(out, p)
		}
	}
	return out, nil
}

// readUSDTProbes parses the .note.stapsdt section of an ELF file.
func readUSDTProbes(file string) ([]check.USDTProbe, error) {
	f, err := elf.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading usdt probes: %w", err)
	}
	defer f.Close()
	sec := f.Section(".note.stapsdt")
	if sec == nil {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("reading usdt probes of %s: %w", file, err)
	}
	var baseAddr uint64
	hasBase := false
	if b := f.Section(".stapsdt.base"); b != nil {
		baseAddr, hasBase = b.Addr, true
	}
	probes, err := parseStapsdtNotes(data, f.ByteOrder)
	if err != nil {
		return nil, fmt.Errorf("reading usdt probes of %s: %w", file, err)
	}
	var out []check.USDTProbe
	for _, n := range probes {
		pc := n.pc
		sem := n.sem
		if hasBase {
			// Prelinked: the note holds link-time addresses.
			pc += baseAddr - n.base
		}
		off, ok := vaddrToOffset(f, pc)
		if !ok {
			return nil, fmt.Errorf("usdt probe %s:%s of %s: address %#x is in no loadable segment", n.provider, n.name, file, pc)
		}
		var semOff uint64
		if sem != 0 {
			if semOff, ok = vaddrToOffset(f, sem); !ok {
				return nil, fmt.Errorf("usdt probe %s:%s of %s: semaphore address %#x is in no loadable segment", n.provider, n.name, file, sem)
			}
		}
		out = append(out, check.USDTProbe{Provider: n.provider, Name: n.name, Args: n.args, Offset: off, RefCtrOffset: semOff})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Offset < b.Offset
	})
	return out, nil
}

// vaddrToOffset converts a virtual address to a file offset using the
// PT_LOAD segment containing it.
func vaddrToOffset(f *elf.File, addr uint64) (uint64, bool) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if addr >= p.Vaddr && addr < p.Vaddr+p.Memsz {
			return addr - p.Vaddr + p.Off, true
		}
	}
	return 0, false
}

// stapsdtNote is one raw probe descriptor.
type stapsdtNote struct {
	pc, base, sem  uint64
	provider, name string
	args           []string
}

// parseStapsdtNotes decodes the notes of a .note.stapsdt section (64-bit
// descriptors).
func parseStapsdtNotes(data []byte, bo binary.ByteOrder) ([]stapsdtNote, error) {
	var out []stapsdtNote
	err := forEachNote(data, bo, func(name string, typ uint32, desc []byte) error {
		if typ != stapsdtNoteType || name != "stapsdt" {
			return nil
		}
		if len(desc) < 24 {
			return fmt.Errorf("short stapsdt note (%d bytes)", len(desc))
		}
		n := stapsdtNote{pc: bo.Uint64(desc), base: bo.Uint64(desc[8:]), sem: bo.Uint64(desc[16:])}
		strs := strings.SplitN(string(desc[24:]), "\x00", 4)
		if len(strs) < 3 {
			return fmt.Errorf("malformed stapsdt note")
		}
		n.provider, n.name = strs[0], strs[1]
		n.args = strings.Fields(strs[2])
		out = append(out, n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// attachUSDT attaches a USDT probe: a uprobe at the file offset
// Target.Offset of Target.Binary, with the kernel managing the semaphore
// at Target.RefCtrOffset (if any).
func attachUSDT(p *LoadedProgram, opts *AttachOptions) ([]attachment, error) {
	if _, err := Tracefs(); err != nil {
		return nil, err
	}
	ex, err := link.OpenExecutable(p.Target.Binary)
	if err != nil {
		return nil, err
	}
	// With an empty symbol, Address is the file offset of the probe.
	uopts := &link.UprobeOptions{Address: p.Target.Offset, RefCtrOffset: p.Target.RefCtrOffset, PID: opts.Pid}
	l, err := ex.Uprobe("", p.Prog, uopts)
	if err != nil {
		return nil, err
	}
	return []attachment{l}, nil
}
