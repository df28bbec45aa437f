//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Hardware breakpoint types of perf_event_attr.bp_type
// (include/uapi/linux/hw_breakpoint.h).
const (
	hwBreakpointR = 1
	hwBreakpointW = 2
	hwBreakpointX = 4
)

// watchpointAttr is the perf event of a watchpoint: a hardware breakpoint
// on addr of length bytes for the access mode's letters, sampled on every
// hit. An execution breakpoint always watches one instruction word (the
// kernel requires bp_len == sizeof(long)).
func watchpointAttr(addr, length uint64, mode string) (*unix.PerfEventAttr, error) {
	attr := &unix.PerfEventAttr{Type: unix.PERF_TYPE_BREAKPOINT, Sample: 1, Ext1: addr, Ext2: length}
	for _, c := range mode {
		switch c {
		case 'r':
			attr.Bp_type |= hwBreakpointR
		case 'w':
			attr.Bp_type |= hwBreakpointW
		case 'x':
			attr.Bp_type |= hwBreakpointX
		default:
			return nil, fmt.Errorf("bad watchpoint mode %q", mode)
		}
	}
	if attr.Bp_type&hwBreakpointX != 0 {
		attr.Ext2 = 8
	}
	return attr, nil
}

// attachWatchpoint attaches a watchpoint probe. With a process (-p, or the
// -c child) it opens the breakpoint in each of the process's threads,
// inherited by the threads they create; otherwise on every online CPU,
// where it traps the accesses of any task (a kernel address: the kernel's
// own). As bpftrace, threads that exit while this runs are skipped and
// only a watchpoint that could be set nowhere is an error; running out of
// debug registers says so.
func attachWatchpoint(p *LoadedProgram, opts *AttachOptions) (_ []attachment, err error) {
	if err := breakpointsFire(); err != nil {
		return nil, err
	}
	pid := opts.process()
	attr, err := watchpointAttr(p.Target.Addr, p.Target.WatchLen, p.Target.WatchMode)
	if err != nil {
		return nil, err
	}
	type target struct{ tid, cpu int }
	var targets []target
	if pid != 0 {
		tids, err := processThreads(pid)
		if err != nil {
			return nil, err
		}
		for _, tid := range tids {
			targets = append(targets, target{tid, -1})
		}
	} else {
		cpus, err := onlineCPUs()
		if err != nil {
			return nil, err
		}
		for _, cpu := range cpus {
			targets = append(targets, target{-1, cpu})
		}
	}
	var out []attachment
	defer func() {
		if err != nil {
			for _, a := range out {
				a.Close()
			}
		}
	}()
	var firstErr error
	for _, t := range targets {
		a := *attr
		pe, err := openTaskPerfEvent(&a, t.tid, t.cpu)
		if err != nil {
			if errors.Is(err, unix.ENOSPC) {
				return nil, fmt.Errorf("no more hardware debug registers left for watchpoint 0x%x: %w", p.Target.Addr, err)
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, pe)
		if err := pe.setProgram(p.Prog); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		if firstErr == nil {
			firstErr = fmt.Errorf("process %d has no threads", pid)
		}
		// (A kernel without breakpoints failed breakpointsFire.)
		return nil, firstErr
	}
	return out, nil
}

// Unwatch detaches the watchpoints on addr (unwatch()): they stop firing
// now; their events are closed again, harmlessly, by Detach.
func (l *Loaded) Unwatch(addr uint64) {
	l.mu.Lock()
	as := l.watches[addr]
	delete(l.watches, addr)
	l.mu.Unlock()
	for _, a := range as {
		a.Close()
	}
}

// processThreads lists the thread ids of process pid.
func processThreads(pid int) ([]int, error) {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil, fmt.Errorf("listing the threads of process %d: %w", pid, err)
	}
	var tids []int
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	sort.Ints(tids)
	return tids, nil
}

// breakpointTarget is the variable breakpointsFire watches.
var breakpointTarget uint64

// breakpointsFire checks once that hardware breakpoints really trap: some
// hypervisors (Firecracker) accept breakpoint perf events but never
// deliver their hits, so a watchpoint would silently count nothing. It
// watches writes to a variable in the calling thread, writes it twice
// and reads the event's count (about 50 µs).
var breakpointsFire = sync.OnceValue(func() error {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	attr := &unix.PerfEventAttr{Type: unix.PERF_TYPE_BREAKPOINT, Bp_type: hwBreakpointW,
		Ext1: uint64(uintptr(unsafe.Pointer(&breakpointTarget))), Ext2: 8,
		Bits: unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv}
	attr.Size = uint32(unsafe.Sizeof(*attr))
	fd, err := unix.PerfEventOpen(attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) {
			return &UnavailableError{Facility: "hardware breakpoints", Reason: "the kernel has no CONFIG_HAVE_HW_BREAKPOINT", Err: err}
		}
		return fmt.Errorf("testing hardware breakpoints: %w", err)
	}
	defer unix.Close(fd)
	atomic.StoreUint64(&breakpointTarget, 1)
	atomic.StoreUint64(&breakpointTarget, 2)
	var buf [8]byte
	if n, err := unix.Read(fd, buf[:]); err != nil || n != 8 {
		return fmt.Errorf("testing hardware breakpoints: reading the count: %v", err)
	}
	if *(*uint64)(unsafe.Pointer(&buf[0])) == 0 {
		return &UnavailableError{Facility: "hardware breakpoints",
			Reason: "a test breakpoint on two writes counted none: the hypervisor does not pass the debug registers through, as Firecracker"}
	}
	return nil
})
