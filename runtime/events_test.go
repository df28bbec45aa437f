//go:build linux

package runtime

import (
	"encoding/binary"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func ringbufObject(flags int32) *codegen.Object {
	return &codegen.Object{
		Maps:     []*codegen.MapDef{ringbufDef(), lostDef()},
		Programs: []*codegen.Program{beginProgram("begin", ringbufInsns(3, 42, flags))},
	}
}

// collector records what an EventReader hands over.
type collector struct {
	mu      sync.Mutex
	recs    [][]byte
	flushes int
	got     chan struct{}
}

func newCollector() *collector { return &collector{got: make(chan struct{}, 1024)} }

func (c *collector) handle(rec []byte) {
	c.mu.Lock()
	c.recs = append(c.recs, append([]byte(nil), rec...))
	c.mu.Unlock()
	c.got <- struct{}{}
}

func (c *collector) flush() {
	c.mu.Lock()
	c.flushes++
	c.mu.Unlock()
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.recs)
}

func checkRecord(t *testing.T, rec []byte) {
	t.Helper()
	if len(rec) != 16 || binary.NativeEndian.Uint32(rec) != 3 || binary.NativeEndian.Uint64(rec[8:]) != 42 {
		t.Errorf("record = %x", rec)
	}
}

// TestEventReaderNoWakeup checks that records submitted without a wakeup
// are delivered by polling, promptly, while Run is running.
func TestEventReaderNoWakeup(t *testing.T) {
	l := load(t, ringbufObject(rbNoWakeup), nil)
	c := newCollector()
	r, err := l.NewEventReader(c.handle, c.flush, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	done := make(chan error, 1)
	go func() { done <- r.Run() }()

	// Let the reader go idle so its period grows to the maximum.
	time.Sleep(150 * time.Millisecond)
	start := time.Now()
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.got:
	case <-time.After(time.Second):
		t.Fatal("record not delivered within 1s")
	}
	// The idle period is capped at DefaultMaxPoll; the bound is loose so
	// that a loaded machine's scheduling delays cannot fail the test, but
	// an uncapped period (waiting for a wakeup that never comes) still does.
	if lat := time.Since(start); lat > 10*DefaultMaxPoll {
		t.Errorf("idle latency %v, want ≤ %v (the poll period is capped at %v)", lat, 10*DefaultMaxPoll, DefaultMaxPoll)
	}
	for range 99 {
		if err := l.RunOnce(l.Programs[0]); err != nil {
			t.Fatal(err)
		}
	}
	r.Stop()
	r.Stop() // idempotent
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after Stop")
	}
	if n := c.count(); n != 100 {
		t.Fatalf("got %d records, want 100 (Stop must drain)", n)
	}
	for _, rec := range c.recs {
		checkRecord(t, rec)
	}
	if c.flushes == 0 {
		t.Error("flush never called")
	}
}

func TestEventReaderDrainAfterRun(t *testing.T) {
	l := load(t, ringbufObject(rbForceWakeup), nil)
	c := newCollector()
	r, err := l.NewEventReader(c.handle, c.flush, &ReaderOptions{MinPoll: time.Millisecond, MaxPoll: 4 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	// Stop from inside the handler, as an exit() event does.
	stopping := func(rec []byte) { c.handle(rec); r.Stop() }
	r.handle = stopping
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
	// END runs after the reader stopped; its records are drained.
	r.handle = c.handle
	for range 3 {
		l.RunOnce(l.Programs[0])
	}
	flushes := c.flushes
	if err := r.Drain(); err != nil {
		t.Fatal(err)
	}
	if n := c.count(); n != 4 {
		t.Fatalf("got %d records, want 4", n)
	}
	if c.flushes != flushes+1 {
		t.Errorf("Drain flushed %d times", c.flushes-flushes)
	}
}

// TestLost checks that Lost sums the per-CPU counters.
func TestLost(t *testing.T) {
	l := load(t, ringbufObject(rbNoWakeup), nil)
	if n, err := l.Lost(); err != nil || n != 0 {
		t.Fatalf("Lost() = %d, %v", n, err)
	}
	vals := make([]uint64, l.NumCPU())
	for i := range vals {
		vals[i] = uint64(i + 1)
	}
	if err := l.Map(codegen.LostMap).Put(uint32(0), vals); err != nil {
		t.Fatal(err)
	}
	want := uint64(l.NumCPU() * (l.NumCPU() + 1) / 2)
	if n, err := l.Lost(); err != nil || n != want {
		t.Fatalf("Lost() = %d, %v; want %d", n, err, want)
	}
}

// TestEventReaderFromTracepoint streams records from a busy tracepoint and
// checks nothing is lost at a moderate rate.
func TestEventReaderFromTracepoint(t *testing.T) {
	prog := &codegen.Program{
		Name: "tp", Kind: stdlib.Tracepoint, Probe: "tracepoint:syscalls:sys_enter_getppid",
		Target: codegen.Target{Category: "syscalls", Event: "sys_enter_getppid"}, Type: ebpf.TracePoint,
		Insns: append(asm.Instructions{
			asm.FnGetCurrentPidTgid.Call(),
			asm.RSh.Imm(asm.R0, 32),
			asm.JNE.Imm(asm.R0, int32(os.Getpid()), "out"),
		}, withOutLabel(ringbufInsns(3, 42, rbNoWakeup))...),
	}
	obj := &codegen.Object{Maps: []*codegen.MapDef{ringbufDef(), lostDef()}, Programs: []*codegen.Program{prog}}
	l := load(t, obj, nil)
	var n int
	r, err := l.NewEventReader(func(rec []byte) { n++; checkRecord(t, rec) }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := l.Attach(nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run() }()
	const events = 2000
	for i := range events {
		syscall.Getppid()
		if i%200 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	r.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lost, _ := l.Lost()
	if n != events {
		t.Errorf("got %d records, want %d", n, events)
	}
	if lost != 0 {
		t.Errorf("lost %d", lost)
	}
}

func TestEventReaderClose(t *testing.T) {
	l := load(t, ringbufObject(rbNoWakeup), nil)
	r, err := l.NewEventReader(func([]byte) {}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run() }()
	time.Sleep(20 * time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after Close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after Close")
	}
}
