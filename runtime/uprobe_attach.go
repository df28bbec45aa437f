//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Attaching uprobes and uretprobes.
//
// The runtime resolves every location to a file offset itself (see
// uprobe_target.go), with the checker's rules: a function's first symbol,
// plus the offset into it; an address through the executable segment
// that holds it. A wildcard's functions share one program
// (codegen.Program.MoreFuncs), attached with one uprobe-multi link
// (BPF_TRACE_UPROBE_MULTI, Linux 6.6) when the kernel has them and with
// one perf uprobe per function otherwise; the choice is made before the
// program is loaded, as its expected attach type differs.

// noUprobeMulti makes useUprobeMulti answer no, for tests of the
// per-function fallback.
var noUprobeMulti bool

// useUprobeMulti reports whether p is loaded and attached as uprobe multi.
// The feature test runs once per process (cilium/ebpf caches it) and only
// for scripts with such wildcards.
func useUprobeMulti(p *codegen.Program) bool {
	if noUprobeMulti || len(p.MoreFuncs) == 0 || p.Kind != stdlib.Uprobe && p.Kind != stdlib.Uretprobe {
		return false
	}
	return features.HaveBPFLinkUprobeMulti() == nil
}

// uprobeSites returns the file p's uprobes attach to and their offsets in
// it: one per function (Target.Func, then MoreFuncs) at Target.Offset
// into it, or the one of the address Target.Addr when Func is empty. An
// address no executable segment holds, or one in a file that is not ELF
// (a flat binary, --unsafe), is taken as a file offset, as bpftrace does.
func uprobeSites(p *codegen.Program) (string, []uint64, error) {
	t := p.Target
	info, err := readTargetInfo(t.Binary)
	if t.Func == "" {
		if err != nil && !errors.Is(err, errNotELF) {
			return "", nil, err
		}
		if off, ok := info.fileOffset(t.Addr); ok {
			return targetFile(t.Binary), []uint64{off}, nil
		}
		return targetFile(t.Binary), []uint64{info.base + t.Addr}, nil
	}
	if err != nil {
		return "", nil, err
	}
	funcs := append([]string{t.Func}, p.MoreFuncs...)
	offs := make([]uint64, 0, len(funcs))
	for _, fn := range funcs {
		sym, ok := info.symbol(fn)
		if !ok {
			return "", nil, fmt.Errorf("could not resolve symbol: %s:%s", t.Binary, fn)
		}
		off, ok := info.fileOffset(sym.Addr)
		if !ok {
			return "", nil, fmt.Errorf("symbol %s at %#x is not in an executable segment of %s", fn, sym.Addr, t.Binary)
		}
		offs = append(offs, off+t.Offset)
	}
	return targetFile(t.Binary), offs, nil
}

// attachUprobe attaches a uprobe or uretprobe program to its locations.
func attachUprobe(p *LoadedProgram, opts *AttachOptions) (_ []attachment, err error) {
	if _, err := Tracefs(); err != nil {
		return nil, err
	}
	path, offs, err := uprobeSites(p.Program)
	if err != nil {
		return nil, err
	}
	ex, err := link.OpenExecutable(path)
	if err != nil {
		return nil, err
	}
	ret := p.Kind == stdlib.Uretprobe
	if useUprobeMulti(p.Program) {
		mopts := &link.UprobeMultiOptions{Addresses: offs, PID: uint32(opts.Pid)}
		var l link.Link
		if ret {
			l, err = ex.UretprobeMulti(nil, p.Prog, mopts)
		} else {
			l, err = ex.UprobeMulti(nil, p.Prog, mopts)
		}
		if err != nil {
			if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, errnoENOTSUPP) {
				// The kernel names no location: one of them starts with an
				// instruction uprobes cannot step over.
				return nil, fmt.Errorf("uprobe-multi link on %d functions of %s: %w (one of them starts with an instruction uprobes refuse, such as a LOCK-prefixed one: leave it out of the wildcard)", len(offs), path, err)
			}
			return nil, fmt.Errorf("uprobe-multi link: %w", err)
		}
		return []attachment{l}, nil
	}
	out := make([]attachment, 0, len(offs))
	defer func() {
		if err != nil {
			for _, a := range out {
				a.Close()
			}
		}
	}()
	for _, off := range offs {
		var a attachment
		switch {
		case off == 0:
			// cilium/ebpf reads Address 0 as "none given".
			a, err = openUprobeAtStart(p, path, opts.Pid)
		case ret:
			a, err = ex.Uretprobe("", p.Prog, &link.UprobeOptions{Address: off, PID: opts.Pid})
		default:
			a, err = ex.Uprobe("", p.Prog, &link.UprobeOptions{Address: off, PID: opts.Pid})
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// openUprobeAtStart attaches p at offset 0 of the file at path (a flat
// binary's first instruction) through the uprobe PMU: a perf event whose
// config1 is the path and config2 the offset.
func openUprobeAtStart(p *LoadedProgram, path string, pid int) (*perfEvent, error) {
	typ, err := readSysfsUint("/sys/bus/event_source/devices/uprobe/type")
	if err != nil {
		return nil, fmt.Errorf("uprobe PMU: %w", err)
	}
	name, err := unix.BytePtrFromString(path)
	if err != nil {
		return nil, err
	}
	attr := unix.PerfEventAttr{Type: uint32(typ), Ext1: uint64(uintptr(unsafe.Pointer(name)))}
	if p.Kind == stdlib.Uretprobe {
		// format/retprobe reads "config:N".
		data, err := os.ReadFile("/sys/bus/event_source/devices/uprobe/format/retprobe")
		if err != nil {
			return nil, fmt.Errorf("uprobe PMU: %w", err)
		}
		bit, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(string(data)), "config:"))
		if err != nil {
			return nil, fmt.Errorf("uprobe PMU: retprobe format %q", data)
		}
		attr.Config |= 1 << bit
	}
	procs, cpu := -1, 0
	if pid > 0 {
		procs, cpu = pid, -1
	}
	pe, err := openTaskPerfEvent(&attr, procs, cpu)
	goruntime.KeepAlive(name)
	if err != nil {
		return nil, err
	}
	if err := pe.setProgram(p.Prog); err != nil {
		pe.Close()
		return nil, err
	}
	return pe, nil
}

// readSysfsUint reads a number from a sysfs file.
func readSysfsUint(p string) (uint64, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(data)), 10, 32)
}
