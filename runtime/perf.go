//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

// perfEvent is an open perf event fd with a program attached by
// PERF_EVENT_IOC_SET_BPF, which works on every kernel with BPF and needs no
// bpf_link feature probe; closing the fd detaches the program.
//
// Closing is slow for tracepoints: the kernel waits for RCU grace periods
// under a global mutex, 30-70 ms per tracepoint here. A bpf_link does not
// help: unhooking the program through it costs as much again, before the
// fd close. Detach therefore closes all events concurrently.
//
// Close may be called more than once and concurrently (unwatch() closes
// watchpoints while Detach may close everything): only the first closes
// the fd, so a number the kernel has reused for another file is never
// closed.
type perfEvent struct {
	fd     int
	closed atomic.Bool
	// mu keeps disable from running on a number Close has released.
	mu sync.Mutex
}

func openPerfEvent(attr *unix.PerfEventAttr, cpu int) (*perfEvent, error) {
	return openTaskPerfEvent(attr, -1, cpu)
}

// openTaskPerfEvent opens a perf event counting in process pid (-1: every
// process) on cpu (-1: wherever pid runs). An event of a process is
// inherited by the threads and children it creates later (with the
// program set on it), as bpftrace's are.
func openTaskPerfEvent(attr *unix.PerfEventAttr, pid, cpu int) (*perfEvent, error) {
	attr.Size = uint32(unsafe.Sizeof(*attr))
	if pid > 0 {
		attr.Bits |= unix.PerfBitInherit
	}
	fd, err := unix.PerfEventOpen(attr, pid, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("perf_event_open on cpu %d: %w", cpu, err)
	}
	return &perfEvent{fd: fd}, nil
}

// openTracepointEvent opens the tracepoint with the given tracefs id. The
// program set on it runs on every CPU, whichever CPU the event is opened
// on.
func openTracepointEvent(id uint64) (*perfEvent, error) {
	attr := unix.PerfEventAttr{
		Type:        unix.PERF_TYPE_TRACEPOINT,
		Config:      id,
		Sample_type: unix.PERF_SAMPLE_RAW,
		Sample:      1,
		Wakeup:      1,
	}
	return openPerfEvent(&attr, 0)
}

// openClockEvent opens a cpu-clock software event on one CPU firing every
// periodNs nanoseconds, or freq times per second when freq is set.
func openClockEvent(pid, cpu int, periodNs, freq uint64) (*perfEvent, error) {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CPU_CLOCK,
	}
	switch {
	case freq > 0:
		attr.Sample = freq
		attr.Bits |= unix.PerfBitFreq
	case periodNs > 0:
		attr.Sample = periodNs
	default:
		return nil, errors.New("no period or frequency")
	}
	return openTaskPerfEvent(&attr, pid, cpu)
}

// setProgram attaches prog to the event and enables it.
func (pe *perfEvent) setProgram(prog *ebpf.Program) error {
	if err := unix.IoctlSetInt(pe.fd, unix.PERF_EVENT_IOC_SET_BPF, prog.FD()); err != nil {
		return fmt.Errorf("setting perf event program: %w", err)
	}
	if err := unix.IoctlSetInt(pe.fd, unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
		return fmt.Errorf("enabling perf event: %w", err)
	}
	return nil
}

// Close closes the event, detaching its program.
func (pe *perfEvent) Close() error {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if !pe.closed.CompareAndSwap(false, true) {
		return nil
	}
	return unix.Close(pe.fd)
}

// disable stops the event at once (PERF_EVENT_IOC_DISABLE): its program
// no longer runs, though the event stays open, which is what is slow to
// undo (see Quiesce).
func (pe *perfEvent) disable() error {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if pe.closed.Load() {
		return nil
	}
	if err := unix.IoctlSetInt(pe.fd, unix.PERF_EVENT_IOC_DISABLE, 0); err != nil {
		return fmt.Errorf("disabling perf event: %w", err)
	}
	return nil
}

var onlineCPUList = sync.OnceValues(func() ([]int, error) {
	data, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return nil, fmt.Errorf("listing online CPUs: %w", err)
	}
	cpus, err := parseCPUList(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("listing online CPUs: %w", err)
	}
	return cpus, nil
})

// onlineCPUs returns the online CPU numbers, ascending (never empty).
func onlineCPUs() ([]int, error) { return onlineCPUList() }

// parseCPUList parses the kernel's CPU list format, e.g. "0-3,5,7-8".
func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil || last < first {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for c := first; c <= last; c++ {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("empty CPU list")
	}
	return cpus, nil
}

// attachPerfCounter attaches a software or hardware probe: its perf event
// on every online CPU (with -p or -c, in that process), sampled every
// Count events. A machine without a
// PMU (virtual machines) has no hardware events: that is an
// *UnavailableError.
func attachPerfCounter(p *LoadedProgram, opts *AttachOptions) ([]attachment, error) {
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	pid := -1
	if proc := opts.process(); proc != 0 {
		// The events of that process only, on any CPU.
		pid, cpus = proc, []int{-1}
	}
	typ := uint32(unix.PERF_TYPE_SOFTWARE)
	if p.Kind == stdlib.Hardware {
		typ = unix.PERF_TYPE_HARDWARE
	}
	return attachPerCPU(p, cpus, func(cpu int) (*perfEvent, error) {
		pe, err := openTaskPerfEvent(&unix.PerfEventAttr{Type: typ, Config: p.Target.PerfConfig, Sample: p.Target.Count}, pid, cpu)
		if err != nil && p.Kind == stdlib.Hardware && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP)) {
			return nil, &UnavailableError{Facility: "hardware performance counters",
				Reason:       "no PMU provides " + p.Target.PerfEvent + ", as in most virtual machines",
				Alternatives: []string{"software:cpu-clock", "profile:hz:99"}, Err: err}
		}
		return pe, err
	})
}
