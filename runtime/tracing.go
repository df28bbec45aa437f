//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

// BPF tracing programs: fentry/fexit and iterators.
//
// fentry/fexit programs are loaded against their function's BTF
// (codegen.Program.AttachTo) and attached with a tracing link through a
// BPF trampoline. Kernels without trampolines, or that refuse tracing
// programs (lockdown, a missing JIT, no DYNAMIC_FTRACE_WITH_DIRECT_CALLS),
// fail at load or at attach; a failure is checked once against a
// trivial program on the same function, and when that fails too the error
// is an *UnavailableError naming the facility, with kprobes as the
// alternative.
//
// Iterator programs are attached when the others are, but run only when
// the iterator is read (RunIterators): the session starts the event reader
// first, then reads each iterator to its end, and the script ends as with
// bpftrace.

// trampolinesFacility names what fentry/fexit need.
const trampolinesFacility = "BPF trampolines (fentry/fexit)"

// tracingProbe is the result of the one-time tracing program probe.
var tracingProbe struct {
	once sync.Once
	err  error // nil: a trivial fentry program loads and attaches
}

// probeTrampolines loads and attaches a trivial fentry program on fn, once
// per process; a non-nil result says the kernel cannot run fentry/fexit.
func probeTrampolines(fn string) error {
	tracingProbe.once.Do(func() {
		liftMemlock()
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Name: "probe_fentry", Type: ebpf.Tracing, AttachType: ebpf.AttachTraceFEntry,
			AttachTo: fn, License: "GPL",
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
		})
		if err != nil {
			tracingProbe.err = fmt.Errorf("the kernel refused to load a BPF tracing program for %s: %w", fn, errnoOf(err))
			return
		}
		defer prog.Close()
		l, err := link.AttachTracing(link.TracingOptions{Program: prog})
		if err != nil {
			tracingProbe.err = fmt.Errorf("attaching a BPF trampoline to %s failed: %w", fn, errnoOf(err))
			return
		}
		l.Close()
	})
	return tracingProbe.err
}

// tracingUnavailable turns a load or attach failure of an fentry/fexit
// program into an *UnavailableError when the kernel cannot run such
// programs at all; other failures are returned as they are.
func tracingUnavailable(kind stdlib.ProbeKind, fn string, err error) error {
	if kind != stdlib.Fentry && kind != stdlib.Fexit {
		return err
	}
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return err
	}
	perr := probeTrampolines(fn)
	if perr == nil {
		return err
	}
	alt := "kprobe:" + fn
	if kind == stdlib.Fexit {
		alt = "kretprobe:" + fn
	}
	alts := []string{alt}
	if tp, ok := kprobeTracepoints[fn]; ok {
		alts = append(alts, tp)
	}
	return &UnavailableError{Facility: trampolinesFacility, Reason: perr.Error(), Alternatives: alts, Err: err}
}

// attachFentry attaches an fentry or fexit program to its function.
func attachFentry(p *LoadedProgram, _ *AttachOptions) ([]attachment, error) {
	l, err := link.AttachTracing(link.TracingOptions{Program: p.Prog})
	if err != nil {
		return nil, tracingUnavailable(p.Kind, p.Target.Func, err)
	}
	return []attachment{l}, nil
}

// attachIter creates the iterator's link; RunIterators reads it.
func attachIter(p *LoadedProgram, _ *AttachOptions) ([]attachment, error) {
	it, err := link.AttachIter(link.IterOptions{Program: p.Prog})
	if err != nil {
		return nil, fmt.Errorf("creating iterator %s: %w", p.AttachTo, err)
	}
	return []attachment{&iterAttachment{Iter: it, prog: p}}, nil
}

// iterAttachment is an attached iterator, read by RunIterators.
type iterAttachment struct {
	*link.Iter
	prog *LoadedProgram
}

// Iterates reports whether the script's probes, BEGIN and END aside, are
// iterators: it ends once RunIterators has read them.
func (l *Loaded) Iterates() bool {
	n := 0
	for _, p := range l.Programs {
		switch {
		case stdlib.Probes[p.Kind].RunOnce:
		case p.Kind == stdlib.Iter:
			n++
		default:
			return false
		}
	}
	return n > 0
}

// RunIterators reads every attached iterator to its end: each read runs
// the program on the next objects, whose output goes to the event
// channel (the iterator's own text output is empty and discarded).
func (l *Loaded) RunIterators() error {
	l.mu.Lock()
	var its []*iterAttachment
	for _, a := range l.attachments {
		if it, ok := a.(*iterAttachment); ok {
			its = append(its, it)
		}
	}
	l.mu.Unlock()
	for _, it := range its {
		r, err := it.Open()
		if err != nil {
			return fmt.Errorf("opening iterator %s: %w", it.prog.Probe, err)
		}
		_, err = io.Copy(io.Discard, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("reading iterator %s: %w", it.prog.Probe, err)
		}
	}
	return nil
}

// errnoOf is the system error inside err, without cilium/ebpf's wording
// (whose MEMLOCK hint does not apply to tracing programs), or err.
func errnoOf(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if errno == 524 { // ENOTSUPP, the kernel's internal "not supported"
			return errors.New("operation not supported")
		}
		return errno
	}
	return err
}
