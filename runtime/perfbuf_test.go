//go:build linux

package runtime

import (
	"encoding/binary"
	goruntime "runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
)

// compileScript compiles a script for the given event channel.
func compileScript(t *testing.T, text string, ch codegen.EventChannel) *codegen.Object {
	t.Helper()
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatal(src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: NewHost(nil), StrLen: DefaultMaxStrlen()})
	if cd.HasErrors() {
		t.Fatal(src.Render(cd))
	}
	obj, gd := codegen.Compile(info, &codegen.Options{Events: ch})
	if gd.HasErrors() {
		t.Fatal(src.Render(gd))
	}
	return obj
}

// pinCPU keeps the test's goroutine on one CPU until the test ends, so
// that every record goes to the same perf buffer.
func pinCPU(t *testing.T) {
	goruntime.LockOSThread()
	var set, old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		t.Fatal(err)
	}
	cpu, _ := onlineCPUs()
	set.Set(cpu[0])
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.SchedSetaffinity(0, &old)
		goruntime.UnlockOSThread()
	})
}

// TestPerfBufferEvents checks that records sent through the perf buffer
// fallback arrive whole and in order, and that Stop drains them.
func TestPerfBufferEvents(t *testing.T) {
	obj := compileScript(t, `BEGIN { printf("%d %s\n", 42, "x") }`, codegen.PerfChannel)
	if obj.Map(codegen.PerfBufMap) == nil || obj.Map(codegen.RingBufMap) != nil {
		t.Fatal("perf channel object without a perf event array, or with a ring buffer")
	}
	l := load(t, obj, nil)
	pinCPU(t)
	c := newCollector()
	r, err := l.NewEventReader(c.handle, c.flush, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	done := make(chan error, 1)
	go func() { done <- r.Run() }()
	for range 100 {
		if err := l.RunOnce(l.Programs[0]); err != nil {
			t.Fatal(err)
		}
	}
	r.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := c.count(); n != 100 {
		t.Fatalf("got %d records, want 100", n)
	}
	a := obj.Events[0].Args
	for _, rec := range c.recs {
		if len(rec) < obj.Events[0].Size || binary.NativeEndian.Uint32(rec) != 0 ||
			binary.NativeEndian.Uint64(rec[a[0].Offset:]) != 42 || rec[a[1].Offset] != 'x' {
			t.Fatalf("record %x", rec)
		}
	}
	if lost, err := l.Lost(); err != nil || lost != 0 {
		t.Errorf("Lost() = %d, %v", lost, err)
	}
}

// TestPerfBufferLoss overflows a one-page perf buffer and checks that the
// loss is reported exactly: generated - received, both from the programs'
// count and from the kernel's lost-sample records.
func TestPerfBufferLoss(t *testing.T) {
	obj := compileScript(t, `BEGIN { printf("%d %d %d\n", 1, 2, 3) }`, codegen.PerfChannel)
	l := load(t, obj, nil)
	pinCPU(t)
	c := newCollector()
	c.got = make(chan struct{}, 10000)
	r, err := l.NewEventReader(c.handle, c.flush, &ReaderOptions{PerfBufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	const generated = 1000
	for range generated {
		if err := l.RunOnce(l.Programs[0]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Drain(); err != nil {
		t.Fatal(err)
	}
	received := c.count()
	lost, err := l.Lost()
	if err != nil {
		t.Fatal(err)
	}
	if received == 0 || received == generated || lost != uint64(generated-received) {
		t.Fatalf("generated %d, received %d, Lost() = %d; want %d", generated, received, lost, generated-received)
	}
	t.Logf("generated %d, received %d, lost %d", generated, received, lost)
	// The kernel reports the samples it dropped before the next one it
	// can take: its count agrees with the programs'.
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(); err != nil {
		t.Fatal(err)
	}
	if got := l.perfLost.Load(); got != lost {
		t.Errorf("kernel reported %d lost samples, programs counted %d", got, lost)
	}
	if again, _ := l.Lost(); again != lost || c.count() != received+1 {
		t.Errorf("after one more event: Lost() = %d (want %d), received %d (want %d)", again, lost, c.count(), received+1)
	}
}

// TestParseEventChannel checks the values of GOBPFTRACE_EVENTS.
func TestParseEventChannel(t *testing.T) {
	for s, want := range map[string]codegen.EventChannel{"": codegen.RingBufChannel, "ringbuf": codegen.RingBufChannel, "perf": codegen.PerfChannel} {
		if ch, auto, err := ParseEventChannel(s); err != nil || ch != want || auto != (s == "") {
			t.Errorf("ParseEventChannel(%q) = %v, %v, %v", s, ch, auto, err)
		}
	}
	if _, _, err := ParseEventChannel("ring"); err == nil || err.Error() != `environment variable GOBPFTRACE_EVENTS="ring": want perf or ringbuf` {
		t.Errorf("ParseEventChannel(ring) error = %v", err)
	}
	for rel, want := range map[string]bool{"6.18.0-1-amd64": true, "5.8.0": true, "5.10": true, "5.7.19": false, "4.19.0-27": false, "junk": false, "5": false} {
		if got := releaseAtLeast(rel, 5, 8); got != want {
			t.Errorf("releaseAtLeast(%q, 5, 8) = %v", rel, got)
		}
	}
}
