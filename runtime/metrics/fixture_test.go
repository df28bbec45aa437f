package metrics

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// fakeSource is a Source of synthetic maps.
type fakeSource struct {
	infos []MapInfo
	maps  map[string]*output.Map
	fail  map[string]bool
	res   output.Resolver
}

func newFakeSource() *fakeSource {
	return &fakeSource{maps: map[string]*output.Map{}, fail: map[string]bool{}}
}

// add registers a map with its key names.
func (s *fakeSource) add(m *output.Map, keyNames ...string) {
	s.infos = append(s.infos, MapInfo{Name: m.Name, Key: m.Key, Value: m.Value, KeyNames: keyNames})
	s.maps[m.Name] = m
}

func (s *fakeSource) Maps() []MapInfo { return append([]MapInfo(nil), s.infos...) }

func (s *fakeSource) ReadMap(name string) (*output.Map, error) {
	if s.fail[name] {
		return nil, errors.New("reading failed")
	}
	m, ok := s.maps[name]
	if !ok {
		return nil, errors.New("no such map")
	}
	// A fresh copy: the collector may not rely on the source's slices.
	cp := *m
	cp.Entries = append([]output.MapEntry(nil), m.Entries...)
	for i, e := range cp.Entries {
		cp.Entries[i].Values = append([][]byte(nil), e.Values...)
	}
	return &cp, nil
}

func (s *fakeSource) Resolver() output.Resolver { return s.res }

// fakeStats are fixed self metrics.
type fakeStats struct{ fail bool }

func (f fakeStats) LostEvents() (uint64, error) {
	if f.fail {
		return 0, errors.New("no")
	}
	return 3, nil
}

func (f fakeStats) MapDrops() (map[string]uint64, error) {
	return map[string]uint64{"@c": 2, "@size": 5}, nil
}

func (f fakeStats) ProbesAttached() int { return 4 }

func (f fakeStats) Programs() ([]ProgramStats, error) {
	return []ProgramStats{
		{Name: "kprobe_vfs_read", Probe: "kprobe:vfs_read", Runs: 100, RunTime: 1500 * time.Millisecond},
		{Name: "tracepoint_sched", Probe: "tracepoint:sched:sched_switch", Runs: 7, RunTime: 250 * time.Microsecond},
	}, nil
}

// fakeResolver knows a few stacks and kernel symbols.
type fakeResolver struct{}

func (fakeResolver) ProbeName(id uint64) string { return fmt.Sprintf("kprobe:f%d", id) }
func (fakeResolver) AppendStrftime(dst []byte, fmtID, ns uint64) []byte {
	return append(dst, "12:00:00"...)
}
func (fakeResolver) KernelSymbol(addr uint64) string {
	if addr >= 0x1000 && addr < 0x2000 {
		return "vfs_read"
	}
	return ""
}
func (fakeResolver) UserSymbol(pid, addr uint64) string { return "" }
func (fakeResolver) Stack(user bool, id, pid uint64) []output.Frame {
	if id == 1 {
		return []output.Frame{{Addr: 0x1010, Sym: "vfs_read+16"}, {Addr: 0x3000, Sym: "ksys_read+9"}}
	}
	return nil
}
func (fakeResolver) CgroupPath(id uint64, filter string) string { return "" }

// le64 is x as 8 little-endian bytes.
func le64(x int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(x)) }

// enc encodes key values in t's layout: strings, integers (int), and
// uint64 words for stacks and symbols; tuples take a []any.
func enc(t types.Type, v any) []byte {
	b := make([]byte, t.Size())
	switch t := t.(type) {
	case *types.String:
		copy(b, v.(string))
	case *types.Tuple:
		for i, e := range t.Elems {
			copy(b[t.Offsets[i]:], enc(e, v.([]any)[i]))
		}
	default:
		var w [8]byte
		switch v := v.(type) {
		case int:
			binary.LittleEndian.PutUint64(w[:], uint64(v))
		case uint64:
			binary.LittleEndian.PutUint64(w[:], v)
		}
		copy(b, w[:])
	}
	return b
}

// entry is one key with its per-CPU value slots.
type entry struct {
	key   any
	slots [][]byte
}

// build makes a map; a nil key type makes a scalar map (key 0).
func build(name string, kt, vt types.Type, entries ...entry) *output.Map {
	m := &output.Map{Name: name, Key: kt, Value: vt}
	for _, e := range entries {
		key := le64(0)
		if kt != nil {
			key = enc(kt, e.key)
		}
		m.Entries = append(m.Entries, output.MapEntry{Key: key, Values: e.slots})
	}
	return m
}

// counts is per-CPU count/sum slots.
func counts(ns ...int64) [][]byte {
	var s [][]byte
	for _, n := range ns {
		s = append(s, le64(n))
	}
	return s
}

// pair is one 16-byte slot: value+set (min/max) or total+count (avg/stats).
func pair(a, b int64) []byte { return append(le64(a), le64(b)...) }

// histSamples builds a hist/lhist map of (key, value) samples, one
// entry per key and bucket, as the kernel stores them.
func histSamples(name string, kt types.Type, agg *types.Agg, samples ...[2]any) *output.Map {
	m := &output.Map{Name: name, Key: kt, Value: agg}
	n := map[string]int64{}
	var order []string
	for _, s := range samples {
		key := le64(0)
		if kt != nil {
			key = enc(kt, s[0])
		}
		v := int64(s[1].(int))
		b := output.HistIndexBits(v, agg.Bits)
		if agg.Kind == types.LHist {
			b = output.LHistIndex(v, agg.Min, agg.Max, agg.Step)
		}
		k := string(append(key, le64(int64(b))...))
		if _, ok := n[k]; !ok {
			order = append(order, k)
		}
		n[k]++
	}
	for _, k := range order {
		m.Entries = append(m.Entries, output.MapEntry{Key: []byte(k), Values: counts(n[k])})
	}
	return m
}

// testClient makes the requests of the tests: it neither asks for gzip
// on its own nor decompresses, so that a test sees what a scraper that
// sends (or does not send) Accept-Encoding gets.
var testClient = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

// get GETs url with the Accept header accept and returns the status, the
// body and the content type.
func get(url, accept string) (int, string, string) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err.Error(), ""
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := testClient.Do(req)
	if err != nil {
		return 0, err.Error(), ""
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err.Error(), ""
	}
	return res.StatusCode, string(body), res.Header.Get("Content-Type")
}

// scrape is get for a request that must succeed.
func scrape(t testing.TB, url, accept string) (string, string) {
	t.Helper()
	status, body, ctype := get(url, accept)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	return body, ctype
}

// handler serves a collector of src for the test (serveCollector) and
// returns the URL of its metrics.
func handler(t testing.TB, src Source, opts *Options) string {
	t.Helper()
	return serveCollector(t, NewCollector(src, DefaultPrefix, opts))
}

// serveCollector serves c's metrics at /metrics on a loopback port until
// the end of the test and returns their URL.
func serveCollector(t testing.TB, c *Collector) string {
	t.Helper()
	srv, addr, served := startServer(t, c)
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return "http://" + addr + "/metrics"
}

// startServer starts a Server of c's metrics at /metrics on a loopback
// port and returns it, its address, and the channel that receives what
// Serve returns.
func startServer(t testing.TB, c *Collector) (*Server, string, <-chan error) {
	t.Helper()
	srv, err := NewServer(c, "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return srv, ln.Addr().String(), served
}
