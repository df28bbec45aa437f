//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// AttachOptions configures Attach. A nil *AttachOptions means the zero
// value.
type AttachOptions struct {
	// Pid restricts uprobes to one process (-p); 0 for all.
	Pid int
	// Child is the process of -c (0: none). Probes that attach to a
	// process rather than filter one (perf events and watchpoints) attach
	// to it, as bpftrace's do.
	Child int
}

// process is the process perf-event probes attach to: -p's, else the -c
// child's, else 0 (every process).
func (o *AttachOptions) process() int {
	if o == nil {
		return 0
	}
	if o.Pid != 0 {
		return o.Pid
	}
	return o.Child
}

// attachment is one thing that keeps a program attached: a perf event fd
// or a cilium link. Closing it detaches.
type attachment = io.Closer

// attachFunc attaches one program and returns what keeps it attached.
type attachFunc func(p *LoadedProgram, opts *AttachOptions) ([]attachment, error)

// attachers is indexed by stdlib.ProbeKind. BEGIN and END have no entry:
// they are run with RunOnce, not attached. A test fails when an implemented
// kind is missing.
var attachers = [stdlib.NumProbeKinds]attachFunc{
	stdlib.Tracepoint:    attachTracepoint,
	stdlib.USDT:          attachUSDT,
	stdlib.Interval:      attachInterval,
	stdlib.Profile:       attachProfile,
	stdlib.Software:      attachPerfCounter,
	stdlib.Hardware:      attachPerfCounter,
	stdlib.Watchpoint:    attachWatchpoint,
	stdlib.Kprobe:        attachKprobe,
	stdlib.Kretprobe:     attachKprobe,
	stdlib.Uprobe:        attachUprobe,
	stdlib.RawTracepoint: attachRawTracepoint,
	stdlib.Uretprobe:     attachUprobe,
	stdlib.Fentry:        attachFentry,
	stdlib.Fexit:         attachFentry,
	stdlib.Iter:          attachIter,
}

// AttachError reports a probe that could not be attached.
type AttachError struct {
	// Program is the probe that failed.
	Program *LoadedProgram
	// Err says why.
	Err error
}

// Error implements error: "attaching PROBE: reason".
func (e *AttachError) Error() string {
	return fmt.Sprintf("attaching %s: %v", e.Program.Probe, e.Err)
}

// Unwrap returns the underlying error.
func (e *AttachError) Unwrap() error { return e.Err }

// UnavailableError reports a probe type the running kernel lacks (this one
// is wrapped in an AttachError).
type UnavailableError struct {
	// Facility is what is missing, e.g. "kprobes".
	Facility string
	// Reason says why, e.g. "CONFIG_KPROBES is not set".
	Reason string
	// Alternatives are probes that could replace the failing one, e.g. a
	// tracepoint for a syscall kprobe. Possibly empty.
	Alternatives []string
	// Err is the error the attach attempt returned.
	Err error
}

// Error implements error: "FACILITY are not available on this kernel
// (REASON)".
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s are not available on this kernel (%s)", e.Facility, e.Reason)
}

// Unwrap returns the error of the attach attempt.
func (e *UnavailableError) Unwrap() error { return e.Err }

// reverseAttachKinds are the kinds whose programs on one hook the kernel
// runs last-attached first (kprobes and uprobes share an aggregated probe
// whose handler list grows at its head; BPF trampolines likewise). As in
// bpftrace, they are attached in reverse script order, so that two probes
// on one function fire in the order the script declares them.
var reverseAttachKinds = [stdlib.NumProbeKinds]bool{
	stdlib.Kprobe: true, stdlib.Uprobe: true, stdlib.Uretprobe: true, stdlib.USDT: true,
	stdlib.Fentry: true, stdlib.Fexit: true, stdlib.Iter: true,
}

// Attach attaches every program except those run once (BEGIN, END,
// self:signal) and stops at the
// first failure (an *AttachError); what was attached stays attached until
// Detach or Close. Programs of kinds the kernel runs in attach order are
// attached first, in script order, then the others in reverse script order
// (reverseAttachKinds), so that probes on one hook fire in script order.
func (l *Loaded) Attach(opts *AttachOptions) error {
	l.AttachProgress.start(l.NumAttachable())
	for _, p := range l.Programs {
		if stdlib.Probes[p.Kind].RunOnce || reverseAttachKinds[p.Kind] {
			continue
		}
		if err := l.AttachProgram(p, opts); err != nil {
			return err
		}
		l.AttachProgress.step()
	}
	for i := len(l.Programs) - 1; i >= 0; i-- {
		if p := l.Programs[i]; reverseAttachKinds[p.Kind] {
			if err := l.AttachProgram(p, opts); err != nil {
				return err
			}
			l.AttachProgress.step()
		}
	}
	return nil
}

// NumAttachable is the number of programs Attach attaches.
func (l *Loaded) NumAttachable() int {
	n := 0
	for _, p := range l.Object.Programs {
		if !stdlib.Probes[p.Kind].RunOnce {
			n++
		}
	}
	return n
}

// AttachProgram attaches one program.
func (l *Loaded) AttachProgram(p *LoadedProgram, opts *AttachOptions) error {
	if opts == nil {
		opts = &AttachOptions{}
	}
	var fn attachFunc
	if int(p.Kind) < len(attachers) {
		fn = attachers[p.Kind]
	}
	if fn == nil {
		return &AttachError{Program: p, Err: fmt.Errorf("%s probes cannot be attached yet", p.Kind)}
	}
	var as []attachment
	var err error
	switch {
	case p.Fused != nil:
		as, err = l.attachFused(p)
	case p.RawForm:
		as, err = l.attachRawForm(p)
	default:
		as, err = fn(p, opts)
	}
	if err != nil {
		return &AttachError{Program: p, Err: err}
	}
	l.mu.Lock()
	l.attachments = append(l.attachments, as...)
	if p.Kind == stdlib.Watchpoint {
		if l.watches == nil {
			l.watches = map[uint64][]attachment{}
		}
		l.watches[p.Target.Addr] = append(l.watches[p.Target.Addr], as...)
	}
	l.mu.Unlock()
	return nil
}

// maxConcurrentDetach bounds the goroutines (each blocked in close(2) on
// its own thread) that Detach uses.
const maxConcurrentDetach = 256

// disabler is an attachment that can stop firing at once, long before it
// can be closed (perf events).
type disabler interface{ disable() error }

// Quiesce stops every probe from doing anything, fast, and leaves the
// slow part of detaching for Detach (or Close): closing a perf event of a
// tracepoint waits for RCU grace periods, seconds for hundreds of them.
// The state map's exit flag (codegen.SlotExited) makes every program but
// END return at its first instruction; perf events (tracepoints,
// perf-event kprobes and uprobes, profile, interval, software events,
// watchpoints) are also disabled, an ioctl each, which stops the
// sampling ones from being delivered at all (a tracepoint still calls
// its programs: hence the flag); other attachments (bpf links: raw
// tracepoints, multi-kprobes and uprobes, fentry) are closed now, which
// is quick for them. The maps then hold what the probes recorded, for
// END and the final dump.
func (l *Loaded) Quiesce() error {
	var errs []error
	if l.Map(codegen.StateMap) != nil {
		errs = append(errs, l.SetState(codegen.SlotExited, 1))
	}
	l.mu.Lock()
	as := l.attachments
	var kept []attachment
	var closing []attachment
	for _, a := range as {
		if _, ok := a.(disabler); ok {
			kept = append(kept, a)
		} else {
			closing = append(closing, a)
		}
	}
	l.attachments = kept
	l.mu.Unlock()
	for _, a := range kept {
		errs = append(errs, a.(disabler).disable())
	}
	errs = append(errs, closeAll(closing, nil))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping probes: %w", err)
	}
	return nil
}

// Attached is the number of attachments open (perf events and links).
func (l *Loaded) Attached() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.attachments)
}

// Detach detaches and releases every attached probe. The closes run
// concurrently: closing a tracepoint waits for RCU grace periods in the
// kernel, 30-70 ms each on this kind of machine, and partly in parallel,
// so closing hundreds of probes one after the other would take many
// seconds (here 16 tracepoints take 1.1 s in sequence; 64 take 2.3 s
// concurrently).
func (l *Loaded) Detach() error {
	l.mu.Lock()
	as := l.attachments
	l.attachments = nil
	l.mu.Unlock()
	l.DetachProgress.start(len(as))
	if err := closeAll(as, &l.DetachProgress); err != nil {
		return fmt.Errorf("detaching probes: %w", err)
	}
	return nil
}

// closeAll closes attachments concurrently (see Detach), counting them
// in progress (nil: not counted).
func closeAll(as []attachment, progress *Progress) error {
	if len(as) == 0 {
		return nil
	}
	errs := make([]error, len(as))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxConcurrentDetach)
	for i, a := range as {
		sem <- struct{}{}
		wg.Go(func() {
			errs[i] = a.Close()
			if progress != nil {
				progress.step()
			}
			<-sem
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// RunOnce runs a program of a run-once kind (stdlib.ProbeDef.RunOnce:
// BEGIN, END, self) once with BPF_PROG_TEST_RUN. The programs are
// raw-tracepoint programs; they are given a zeroed context of
// 12 arguments (the most a raw tracepoint can have), so any context read
// the verifier allowed reads zero.
func (l *Loaded) RunOnce(p *LoadedProgram) error {
	if p.Prog.Type() != ebpf.RawTracepoint {
		return fmt.Errorf("running %s: program type %s cannot be run once", p.Probe, p.Prog.Type())
	}
	var ctx [rawTracepointMaxArgs]uint64
	if _, err := p.Prog.Run(&ebpf.RunOptions{Context: ctx}); err != nil {
		return fmt.Errorf("running %s: %w", p.Probe, memlockError(err))
	}
	return nil
}

// ethHeaderLen is the packet BPF_PROG_TEST_RUN needs for an XDP program
// at least (an Ethernet header).
const ethHeaderLen = 14

// RunRepeat runs a test or bench probe's program (XDP) repeat times with
// BPF_PROG_TEST_RUN on a zeroed packet and returns the last run's return
// value and the average time of one run, as the kernel measures it.
func (l *Loaded) RunRepeat(p *LoadedProgram, repeat int) (uint32, time.Duration, error) {
	if p.Prog.Type() != ebpf.XDP {
		return 0, 0, fmt.Errorf("running %s: program type %s cannot be run repeatedly", p.Probe, p.Prog.Type())
	}
	ret, avg, err := p.Prog.Benchmark(make([]byte, ethHeaderLen), repeat, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("running %s: %w", p.Probe, memlockError(err))
	}
	return ret, avg, nil
}

// rawTracepointMaxArgs is MAX_BPF_FUNC_ARGS: the largest context
// BPF_PROG_TEST_RUN accepts for a raw tracepoint program.
const rawTracepointMaxArgs = 12

// attachTracepoint opens the tracepoint as a perf event and sets the
// program on it.
func attachTracepoint(p *LoadedProgram, _ *AttachOptions) ([]attachment, error) {
	id, err := tracepointID(p.Target.Category, p.Target.Event)
	if err != nil {
		return nil, err
	}
	pe, err := openTracepointEvent(id)
	if err != nil {
		return nil, err
	}
	if err := pe.setProgram(p.Prog); err != nil {
		pe.Close()
		return nil, err
	}
	return []attachment{pe}, nil
}

// tracepointID reads events/CAT/EVENT/id from tracefs.
func tracepointID(category, event string) (uint64, error) {
	dir, err := Tracefs()
	if err != nil {
		return 0, err
	}
	if filepath.Base(category) != category || filepath.Base(event) != event {
		return 0, fmt.Errorf("invalid tracepoint name %s:%s", category, event)
	}
	data, err := os.ReadFile(filepath.Join(dir, "events", category, event, "id"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("tracepoint %s:%s does not exist: %w", category, event, err)
		}
		return 0, fmt.Errorf("reading tracepoint id: %w", err)
	}
	var id uint64
	if _, err := fmt.Sscanf(string(data), "%d", &id); err != nil {
		return 0, fmt.Errorf("parsing tracepoint id %q: %w", data, err)
	}
	return id, nil
}

// attachInterval fires the program on one CPU (the first online one).
func attachInterval(p *LoadedProgram, _ *AttachOptions) ([]attachment, error) {
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	return attachClock(p, -1, cpus[:1])
}

// attachProfile fires the program on every online CPU, or with -p or -c
// while that process runs, on whichever CPU (as bpftrace attaches it).
func attachProfile(p *LoadedProgram, opts *AttachOptions) ([]attachment, error) {
	if proc := opts.process(); proc != 0 {
		return attachClock(p, proc, []int{-1})
	}
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	return attachClock(p, -1, cpus)
}

// attachClock opens a cpu-clock perf event per CPU (of process pid, or
// of every process when it is -1), period or frequency from the target,
// with the program set on each.
func attachClock(p *LoadedProgram, pid int, cpus []int) ([]attachment, error) {
	return attachPerCPU(p, cpus, func(cpu int) (*perfEvent, error) {
		return openClockEvent(pid, cpu, p.Target.PeriodNs, p.Target.Freq)
	})
}

// attachPerCPU opens a perf event per CPU with open and sets the program
// on each; on failure the events opened so far are closed.
func attachPerCPU(p *LoadedProgram, cpus []int, open func(cpu int) (*perfEvent, error)) (_ []attachment, err error) {
	var out []attachment
	defer func() {
		if err != nil {
			for _, a := range out {
				a.Close()
			}
		}
	}()
	for _, cpu := range cpus {
		pe, err := open(cpu)
		if err != nil {
			return nil, err
		}
		out = append(out, pe)
		if err := pe.setProgram(p.Prog); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// attachKprobe attaches kprobes and kretprobes. When the kernel has no
// kprobes at all the error is an *UnavailableError naming the facility.
func attachKprobe(p *LoadedProgram, _ *AttachOptions) ([]attachment, error) {
	// cilium/ebpf finds tracefs once and caches failure: mount it first.
	if _, err := Tracefs(); err != nil {
		return nil, err
	}
	if len(p.MoreFuncs) > 0 || p.Session {
		return attachKprobes(p)
	}
	l, err := kprobeLink(p, p.Target.Func)
	if err != nil {
		return nil, err
	}
	return []attachment{l}, nil
}

// kprobeLink attaches p to one function.
func kprobeLink(p *LoadedProgram, fn string) (link.Link, error) {
	opts := &link.KprobeOptions{Offset: p.Target.Offset}
	var (
		l   link.Link
		err error
	)
	if p.Kind == stdlib.Kretprobe {
		l, err = link.Kretprobe(fn, p.Prog, opts)
	} else {
		l, err = link.Kprobe(fn, p.Prog, opts)
	}
	if err != nil {
		if !kprobesAvailable() {
			return nil, &UnavailableError{
				Facility:     "kprobes",
				Reason:       "CONFIG_KPROBES is not set",
				Alternatives: kprobeAlternatives(p),
				Err:          err,
			}
		}
		return nil, err
	}
	return l, nil
}

// kprobeAlternatives suggests the tracepoints that cover the same event as
// a kprobe that cannot be attached.
func kprobeAlternatives(p *LoadedProgram) []string {
	if tp, ok := kprobeTracepoints[p.Target.Func]; ok {
		return []string{tp}
	}
	return nil
}

// kprobeTracepoints maps kernel functions often traced with kprobes to a
// tracepoint on the same event (with its own argument names: see -lv).
var kprobeTracepoints = map[string]string{
	"tcp_set_state":             "tracepoint:sock:inet_sock_set_state",
	"tcp_retransmit_skb":        "tracepoint:tcp:tcp_retransmit_skb",
	"tcp_send_reset":            "tracepoint:tcp:tcp_send_reset",
	"tcp_v4_connect":            "tracepoint:sock:inet_sock_set_state",
	"tcp_v6_connect":            "tracepoint:sock:inet_sock_set_state",
	"tcp_connect":               "tracepoint:sock:inet_sock_set_state",
	"cap_capable":               "tracepoint:capability:cap_capable",
	"oom_kill_process":          "tracepoint:oom:mark_victim",
	"kfree_skb_reason":          "tracepoint:skb:kfree_skb",
	"do_sys_open":               "tracepoint:syscalls:sys_enter_openat",
	"do_sys_openat2":            "tracepoint:syscalls:sys_enter_openat",
	"do_nanosleep":              "tracepoint:syscalls:sys_enter_clock_nanosleep",
	"vfs_read":                  "tracepoint:syscalls:sys_enter_read",
	"vfs_write":                 "tracepoint:syscalls:sys_enter_write",
	"ksys_read":                 "tracepoint:syscalls:sys_enter_read",
	"ksys_write":                "tracepoint:syscalls:sys_enter_write",
	"blk_account_io_start":      "tracepoint:block:block_io_start",
	"blk_account_io_done":       "tracepoint:block:block_io_done",
	"__blk_account_io_start":    "tracepoint:block:block_io_start",
	"__blk_account_io_done":     "tracepoint:block:block_io_done",
	"wake_up_new_task":          "tracepoint:sched:sched_wakeup_new",
	"try_to_wake_up":            "tracepoint:sched:sched_wakeup",
	"finish_task_switch":        "tracepoint:sched:sched_switch",
	"finish_task_switch.isra.0": "tracepoint:sched:sched_switch",
	"security_bprm_check":       "tracepoint:sched:sched_process_exec",
	"do_exit":                   "tracepoint:sched:sched_process_exit",
	"kernel_clone":              "tracepoint:sched:sched_process_fork",
	"inet_csk_accept":           "tracepoint:sock:inet_sock_set_state",
	"tcp_v4_syn_recv_sock":      "tracepoint:sock:inet_sock_set_state",
	"tcp_v6_syn_recv_sock":      "tracepoint:sock:inet_sock_set_state",
	"__x64_sys_openat":          "tracepoint:syscalls:sys_enter_openat",
	"__x64_sys_execve":          "tracepoint:syscalls:sys_enter_execve",
	"do_execveat_common.isra.0": "tracepoint:syscalls:sys_enter_execve",
}

// kprobesAvailable reports whether the kernel can create kprobes at all:
// through the kprobe PMU or through tracefs kprobe_events.
func kprobesAvailable() bool {
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe/type"); err == nil {
		return true
	}
	dir, err := Tracefs()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "kprobe_events"))
	return err == nil
}

// attachRawTracepoint attaches a classic raw tracepoint program
// (BPF_RAW_TRACEPOINT_OPEN), which works on kernels without BTF-typed
// tp_btf programs.
func attachRawTracepoint(p *LoadedProgram, _ *AttachOptions) ([]attachment, error) {
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: p.Target.Event, Program: p.Prog})
	if err != nil {
		return nil, err
	}
	return []attachment{l}, nil
}
