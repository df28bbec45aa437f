//go:build linux

package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/perf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// Polling periods of the EventReader.
//
// Programs submit records with BPF_RB_NO_WAKEUP unless the ring is filling
// up, because a wakeup per event costs more than the event itself. So the
// reader cannot sleep until woken: it waits on the ring's epoll fd with a
// deadline, and when the deadline passes it reads whatever was submitted
// silently, hands it over and flushes the output.
//
// The period adapts: it is DefaultMinPoll while records keep arriving, and
// doubles after every empty period up to DefaultMaxPoll. A busy stream is
// therefore flushed every 2 ms (and read sooner whenever the BPF side
// forces a wakeup), while an idle tracer wakes about 30 times a second and
// an event after a quiet spell is printed at most 32 ms late, which is
// below what a person notices.
const (
	DefaultMinPoll = 2 * time.Millisecond
	DefaultMaxPoll = 32 * time.Millisecond
)

// ReaderOptions tunes an EventReader. A nil *ReaderOptions or zero fields
// mean the defaults.
type ReaderOptions struct {
	// MinPoll is the polling period while records arrive
	// (DefaultMinPoll).
	MinPoll time.Duration
	// MaxPoll is the longest polling period when idle (DefaultMaxPoll).
	MaxPoll time.Duration
	// PerfBufferSize is the size of each CPU's buffer when the program
	// sends records through a perf event array (codegen.PerfChannel);
	// the default is perfBufferSize's.
	PerfBufferSize int
}

// EventReader reads event records from the ring buffer (codegen.RingBufMap)
// or, on kernels without one, from the per-CPU perf buffers
// (codegen.PerfBufMap), and hands each to a handler.
type EventReader struct {
	src     recordSource
	handle  func(rec []byte)
	flush   func()
	minPoll time.Duration
	maxPoll time.Duration
	stopped atomic.Bool
	closed  atomic.Bool
}

// recordSource is a ring or perf buffer reader: both wait on an epoll fd
// until a deadline, then read everything that was written, and both can be
// interrupted by Flush.
type recordSource interface {
	SetDeadline(t time.Time)
	// read returns the next record; nil without error when there was
	// nothing to hand over (a perf buffer's report of lost samples).
	read() ([]byte, error)
	Flush() error
	Close() error
}

// ringSource reads codegen.RingBufMap.
type ringSource struct {
	*ringbuf.Reader
	rec ringbuf.Record
}

func (s *ringSource) read() ([]byte, error) {
	if err := s.ReadInto(&s.rec); err != nil {
		return nil, err
	}
	return s.rec.RawSample, nil
}

// NewEventReader returns a reader of l's events. handle is called for
// every record, on the goroutine running Run or Drain; rec is only valid
// during the call (its buffer is reused). Records from one CPU come in
// order; with the ring buffer all records do. flush, if not nil, is called
// whenever the buffers have been emptied after records were handled: the
// output layer writes its buffered text then.
//
// With perf buffers the reader must exist before any program runs (BEGIN
// included): until then a record has no buffer to go to and is counted as
// lost.
func (l *Loaded) NewEventReader(handle func(rec []byte), flush func(), opts *ReaderOptions) (*EventReader, error) {
	if opts == nil {
		opts = &ReaderOptions{}
	}
	var src recordSource
	if m := l.Map(codegen.PerfBufMap); m != nil {
		ps, err := newPerfSource(m, opts.PerfBufferSize, l.ncpus)
		if err != nil {
			return nil, fmt.Errorf("reading events: %w", err)
		}
		l.perfLost = &ps.lost
		src = ps
	} else {
		m := l.Map(codegen.RingBufMap)
		if m == nil {
			return nil, fmt.Errorf("reading events: no map %s", codegen.RingBufMap)
		}
		rd, err := ringbuf.NewReader(m)
		if err != nil {
			return nil, fmt.Errorf("reading events: %w", err)
		}
		src = &ringSource{Reader: rd}
	}
	if flush == nil {
		flush = func() {}
	}
	r := &EventReader{src: src, handle: handle, flush: flush, minPoll: DefaultMinPoll, maxPoll: DefaultMaxPoll}
	if opts.MinPoll > 0 {
		r.minPoll = opts.MinPoll
	}
	if opts.MaxPoll > 0 {
		r.maxPoll = opts.MaxPoll
	}
	r.maxPoll = max(r.maxPoll, r.minPoll)
	return r, nil
}

// Run reads and handles records until Stop is called, then drains what is
// left in the ring and returns. It returns early on Close, or with an error
// when reading fails.
func (r *EventReader) Run() error {
	period := r.minPoll
	for !r.stopped.Load() {
		// A new deadline every round: the reader waits for a wakeup until
		// then and reads whatever is in the ring when it passes.
		r.src.SetDeadline(time.Now().Add(period))
		n, err := r.readBatch()
		if err != nil {
			return err
		}
		if n > 0 {
			r.flush()
			period = r.minPoll
		} else {
			period = min(2*period, r.maxPoll)
		}
	}
	if r.closed.Load() {
		return nil
	}
	return r.Drain()
}

// Stop makes Run drain the ring and return. It may be called from any
// goroutine, including from the handler, and more than once.
func (r *EventReader) Stop() {
	if r.stopped.Swap(true) {
		return
	}
	// Interrupt a wait in progress; the reader then returns the records
	// already in the buffers followed by ErrFlushed.
	r.src.Flush()
}

// Drain handles every record currently in the ring without waiting, then
// flushes. Use it after Run has returned, e.g. after running END.
func (r *EventReader) Drain() error {
	// A deadline in the past makes the reader check for wakeups without
	// blocking and then read up to the end of the ring.
	r.src.SetDeadline(time.Now())
	_, err := r.readBatch()
	r.flush()
	return err
}

// readBatch handles records until the deadline passes or a flush
// interrupts, and returns how many it handled. Both end conditions are
// reported by the ringbuf and perf readers only after the buffers have
// been emptied.
func (r *EventReader) readBatch() (int, error) {
	n := 0
	for {
		rec, err := r.src.read()
		switch {
		case err == nil:
			if rec != nil {
				n++
				r.handle(rec)
			}
		case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, ringbuf.ErrFlushed), errors.Is(err, perf.ErrFlushed):
			return n, nil
		case errors.Is(err, os.ErrClosed) && r.closed.Load():
			return n, nil // Close interrupted us
		default:
			return n, fmt.Errorf("reading events: %w", err)
		}
	}
}

// Close releases the reader. A Run in progress returns without draining.
func (r *EventReader) Close() error {
	r.closed.Store(true)
	r.stopped.Store(true)
	return r.src.Close()
}

// Lost returns the number of events dropped because the ring buffer was
// full (the sum of codegen.LostMap over CPUs); 0 when there is no such map.
//
// With perf buffers the programs count the same way every record
// bpf_perf_event_output refused, and the kernel also reports the samples
// it dropped in the buffers (read by the EventReader). Both count the same
// losses, but the kernel's report of the last ones waits for room in the
// buffer, and kernels before 5.4 hide the failure from the program, so
// Lost returns the larger of the two.
func (l *Loaded) Lost() (uint64, error) {
	var reported uint64
	if l.perfLost != nil {
		reported = l.perfLost.Load()
	}
	m := l.Map(codegen.LostMap)
	if m == nil {
		return reported, nil
	}
	buf := make([]byte, l.ncpus*8)
	if err := mapElem(bpfMapLookupElem, m.FD(), make([]byte, 4), buf, 0); err != nil {
		return 0, fmt.Errorf("reading map %s: %w", codegen.LostMap, err)
	}
	var total uint64
	for cpu := range l.ncpus {
		total += binary.NativeEndian.Uint64(buf[cpu*8:])
	}
	return max(total, reported), nil
}
