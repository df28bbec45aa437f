//go:build linux

package runtime

import (
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/perf"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// EventsEnv names the environment variable that overrides the choice of
// the event channel: "perf" forces the perf buffer fallback (to test it on
// a kernel with ring buffers), "ringbuf" the ring buffer; unset or empty
// means automatic (see EventChannel).
const EventsEnv = "GOBPFTRACE_EVENTS"

// ParseEventChannel parses a value of EventsEnv; auto is true for the
// empty value.
func ParseEventChannel(s string) (ch codegen.EventChannel, auto bool, err error) {
	switch s {
	case "":
		return codegen.RingBufChannel, true, nil
	case "ringbuf":
		return codegen.RingBufChannel, false, nil
	case "perf":
		return codegen.PerfChannel, false, nil
	}
	return 0, false, fmt.Errorf("environment variable %s=%q: want perf or ringbuf", EventsEnv, s)
}

// CheckEventsEnv reports an invalid value of EventsEnv.
func CheckEventsEnv() error {
	_, _, err := ParseEventChannel(os.Getenv(EventsEnv))
	return err
}

// EventChannel is the channel programs should send event records through
// on this kernel (codegen.Options.Events): EventsEnv when it is set (an
// invalid value, which CheckEventsEnv reports, counts as unset), else the
// ring buffer where the kernel has one. Every kernel from 5.8 on does, so
// those are only asked for their release (a feature probe would cost a
// third of a millisecond of start-up); older ones, which may have it
// backported, are probed.
func EventChannel() codegen.EventChannel { return eventChannel() }

var eventChannel = sync.OnceValue(func() codegen.EventChannel {
	if ch, auto, err := ParseEventChannel(os.Getenv(EventsEnv)); err == nil && !auto {
		return ch
	}
	if releaseAtLeast(kernelRelease(), 5, 8) {
		return codegen.RingBufChannel
	}
	liftMemlock()
	if features.HaveMapType(ebpf.RingBuf) == nil {
		return codegen.RingBufChannel
	}
	return codegen.PerfChannel
})

// releaseAtLeast reports whether a kernel release string ("6.18.0-1-amd64")
// is at least major.minor; false when it cannot be parsed.
func releaseAtLeast(release string, major, minor int) bool {
	maj, rest, _ := strings.Cut(release, ".")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		rest = rest[:end]
	}
	ma, err1 := strconv.Atoi(maj)
	mi, err2 := strconv.Atoi(rest)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// perfBufferSize is the default size of one CPU's perf buffer: the ring
// buffer's 4 MiB shared among the CPUs, but at least 256 KiB (bpftrace's
// default of 64 pages) and a power of two.
func perfBufferSize(ncpus int) int {
	size := (4 << 20) / max(ncpus, 1)
	size = max(size, 256<<10)
	return 1 << bits.Len(uint(size-1))
}

// perfSource reads codegen.PerfBufMap.
type perfSource struct {
	*perf.Reader
	rec perf.Record
	// lost is the number of samples the kernel reported lost.
	lost atomic.Uint64
}

// newPerfSource opens a perf buffer of size bytes (0: the default) on
// every CPU. The reader is woken when a buffer is a quarter full, like the
// ring buffer; in between the EventReader polls.
func newPerfSource(m *ebpf.Map, size, ncpus int) (*perfSource, error) {
	if size <= 0 {
		size = perfBufferSize(ncpus)
	}
	page := os.Getpagesize()
	size = max(size, page)
	rd, err := perf.NewReaderWithOptions(m, size, perf.ReaderOptions{Watermark: max(size/4, 1) &^ 7})
	if err != nil {
		return nil, err
	}
	return &perfSource{Reader: rd}, nil
}

func (s *perfSource) read() ([]byte, error) {
	if err := s.ReadInto(&s.rec); err != nil {
		return nil, err
	}
	if s.rec.LostSamples > 0 {
		s.lost.Add(s.rec.LostSamples)
		return nil, nil
	}
	return s.rec.RawSample, nil
}
