package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

// readySyscalls are the tracepoints of the ready mode, in compare.sh's
// order: the i-th prints PRBi.
var readySyscalls = []string{
	"getpid", "getppid", "getuid", "geteuid", "getgid",
	"getegid", "gettid", "getpgrp", "getsid", "sched_yield",
}

// How often the tput mode reads the ring buffer, and how often it looks
// for lost records.
const (
	tputPoll     = 2 * time.Millisecond
	lostInterval = 100 * time.Millisecond
)

// runBegin runs a program once that sends one record, prints "hi" when
// it arrives, and returns.
func runBegin(ctx context.Context, o options, out, diag io.Writer) error {
	const name = "floor_begin"
	spec := &ebpf.CollectionSpec{
		Maps:     map[string]*ebpf.MapSpec{eventsMap: ringSpec(smallRing)},
		Programs: map[string]*ebpf.ProgramSpec{name: beginProgram()},
	}
	return withProbes(spec, nil, func(p *probes) error {
		rd, err := ringbuf.NewReader(p.coll.Maps[eventsMap])
		if err != nil {
			return fmt.Errorf("reading the ring buffer: %w", err)
		}
		defer rd.Close()
		if _, err := p.coll.Programs[name].Run(&ebpf.RunOptions{Context: [1]uint64{}}); err != nil {
			return fmt.Errorf("running BEGIN: %w", err)
		}
		rd.SetDeadline(time.Now().Add(time.Second))
		var rec ringbuf.Record
		if err := rd.ReadInto(&rec); err != nil {
			return fmt.Errorf("reading BEGIN's record: %w", err)
		}
		_, err = io.WriteString(out, "hi\n")
		return err
	})
}

// runFirst prints "hit" at the first getppid of o.pid and returns.
func runFirst(ctx context.Context, o options, out, diag io.Writer) error {
	const name = "floor_first"
	spec := &ebpf.CollectionSpec{
		Maps:     map[string]*ebpf.MapSpec{eventsMap: ringSpec(smallRing)},
		Programs: map[string]*ebpf.ProgramSpec{name: signalProgram(name, o.pid, 0)},
	}
	return withProbes(spec, []hook{{"syscalls", "sys_enter_getppid", name}}, func(p *probes) error {
		return stream(ctx, p, out, o, 0, func(_ []byte, w *bufio.Writer) bool {
			w.WriteString("hit\n")
			return false
		})
	})
}

// runReady prints PRBi at each hit of o.pid on the i-th of o.probes
// syscall tracepoints until ctx ends.
func runReady(ctx context.Context, o options, out, diag io.Writer) error {
	spec := &ebpf.CollectionSpec{
		Maps:     map[string]*ebpf.MapSpec{eventsMap: ringSpec(streamRing)},
		Programs: map[string]*ebpf.ProgramSpec{},
	}
	var hooks []hook
	for i, sc := range readySyscalls[:o.probes] {
		name := fmt.Sprintf("floor_ready%d", i)
		spec.Programs[name] = signalProgram(name, o.pid, int32(i))
		hooks = append(hooks, hook{"syscalls", "sys_enter_" + sc, name})
	}
	return withProbes(spec, hooks, func(p *probes) error {
		return stream(ctx, p, out, o, 0, func(rec []byte, w *bufio.Writer) bool {
			b := append(w.AvailableBuffer(), "PRB"...)
			b = strconv.AppendUint(b, binary.NativeEndian.Uint64(rec), 10)
			w.Write(append(b, '\n'))
			return true
		})
	})
}

// runTput prints "E tid comm" at each getpid of o.pid until ctx ends,
// and reports the records the kernel could not reserve on diag as
// "Lost N events" within lostInterval. The program submits without
// waking the reader, which polls the ring every tputPoll instead.
func runTput(ctx context.Context, o options, out, diag io.Writer) error {
	const name = "floor_tput"
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			eventsMap: ringSpec(streamRing),
			lostMap:   {Name: lostMap, Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1},
		},
		Programs: map[string]*ebpf.ProgramSpec{name: tputProgram(o.pid)},
	}
	return withProbes(spec, []hook{{"syscalls", "sys_enter_getpid", name}}, func(p *probes) error {
		lost := &lostReporter{m: p.coll.Maps[lostMap], w: diag}
		stopLost := lost.every(lostInterval)
		err := stream(ctx, p, out, o, tputPoll, func(rec []byte, w *bufio.Writer) bool {
			comm := rec[tputCommOff : tputCommOff+commLen]
			if i := bytes.IndexByte(comm, 0); i >= 0 {
				comm = comm[:i]
			}
			b := append(w.AvailableBuffer(), "E "...)
			b = strconv.AppendUint(b, uint64(binary.NativeEndian.Uint32(rec[tputTidOff:])), 10)
			b = append(b, ' ')
			b = append(b, comm...)
			w.Write(append(b, '\n'))
			return true
		})
		stopLost()
		return errors.Join(err, lost.report())
	})
}

// stream reads p's ring buffer, calling handle for each record, until ctx
// ends (the records already in the buffer are handled first) or handle
// returns false. Output is buffered and written whenever the ring buffer
// is empty. With poll 0 the reader sleeps until the kernel wakes it;
// otherwise it also reads every poll, for records submitted without a
// wakeup.
func stream(ctx context.Context, p *probes, out io.Writer, o options, poll time.Duration,
	handle func([]byte, *bufio.Writer) bool) error {
	rd, err := ringbuf.NewReader(p.coll.Maps[eventsMap])
	if err != nil {
		return fmt.Errorf("reading the ring buffer: %w", err)
	}
	defer rd.Close()
	o.notifyAttached()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			rd.Flush() // ReadInto returns what is left, then ErrFlushed
		case <-stop:
		}
	}()
	defer func() {
		close(stop)
		<-done
	}()
	if poll > 0 {
		rd.SetDeadline(time.Now().Add(poll))
	}
	w := bufio.NewWriterSize(out, 64<<10)
	var rec ringbuf.Record
	for {
		err := rd.ReadInto(&rec)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded): // read up to the end of the ring
			rd.SetDeadline(time.Now().Add(poll))
			continue
		case errors.Is(err, ringbuf.ErrFlushed):
			return w.Flush()
		case err != nil:
			return fmt.Errorf("reading the ring buffer: %w", err)
		}
		if !handle(rec.RawSample, w) {
			return w.Flush()
		}
		if rd.AvailableBytes() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}

// lostReporter reports the growth of a per-CPU lost-record counter as
// "Lost N events" lines.
type lostReporter struct {
	m        *ebpf.Map
	w        io.Writer
	reported uint64
}

// report writes the records lost since the last report, if any.
func (l *lostReporter) report() error {
	var perCPU []uint64
	if err := l.m.Lookup(uint32(0), &perCPU); err != nil {
		return fmt.Errorf("reading the lost-record count: %w", err)
	}
	var n uint64
	for _, v := range perCPU {
		n += v
	}
	if n == l.reported {
		return nil
	}
	_, err := fmt.Fprintf(l.w, "Lost %d events\n", n-l.reported)
	l.reported = n
	return err
}

// every reports every interval until the returned function is called;
// that function returns once the reporting has stopped.
func (l *lostReporter) every(interval time.Duration) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				l.report()
			}
		}
	}()
	return func() {
		close(stop)
		wg.Wait()
	}
}
