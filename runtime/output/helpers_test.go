package output

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// checkGolden compares got with testdata/name.golden (or rewrites it with
// -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch\n--- got ---\n%s--- want ---\n%s", name, show(got), show(want))
	}
}

// show makes line ends visible like cat -A.
func show(b []byte) string {
	return strings.ReplaceAll(string(b), "\n", "$\n")
}

// Frequently used types.
var (
	str64 = &types.String{Cap: 64}
	str16 = &types.String{Cap: 16}
)

// enc encodes a Go value in t's byte layout.
func enc(t types.Type, v any) []byte {
	b := make([]byte, t.Size())
	put(b, t, v)
	return b
}

func put(b []byte, t types.Type, v any) {
	switch t := t.(type) {
	case *types.Int:
		var x uint64
		switch v := v.(type) {
		case int:
			x = uint64(v)
		case int64:
			x = uint64(v)
		case uint64:
			x = v
		default:
			panic("bad int value")
		}
		var tmp [8]byte
		binary.LittleEndian.PutUint64(tmp[:], x)
		copy(b, tmp[:t.Size()])
	case *types.Bool:
		if v.(bool) {
			b[0] = 1
		}
	case *types.String:
		copy(b, v.(string))
	case *types.Tuple:
		vs := v.([]any)
		for i, e := range t.Elems {
			put(b[t.Offsets[i]:], e, vs[i])
		}
	case *types.Record:
		put(b, t.Tuple, v)
	case *types.Array:
		for i, e := range v.([]any) {
			put(b[i*t.Elem.Size():], t.Elem, e)
		}
	case *types.Buffer:
		s := v.(string)
		binary.LittleEndian.PutUint32(b, uint32(len(s)))
		copy(b[4:], s)
	default:
		// Types stored as uint64 words (probe, symbols, stacks, errno,
		// timestamp, inet family …): v is []uint64 or uint64.
		switch v := v.(type) {
		case uint64:
			binary.LittleEndian.PutUint64(b, v)
		case []uint64:
			for i, w := range v {
				binary.LittleEndian.PutUint64(b[8*i:], w)
			}
		default:
			panic("bad value")
		}
	}
}

func u64le(x uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, x)
	return b
}

func i64le(x int64) []byte { return u64le(uint64(x)) }

// slot2 is a 16-byte aggregation slot (min/max: value+set; avg/stats:
// total+count).
func slot2(a int64, b uint64) []byte {
	return append(i64le(a), u64le(b)...)
}

// scalar builds a scalar map holding one plain value.
func scalar(name string, t types.Type, v any) *Map {
	return &Map{Name: name, Value: t, Entries: []MapEntry{{Key: u64le(0), Values: [][]byte{enc(t, v)}}}}
}

// keyed builds a keyed map of plain values from key/value pairs.
func keyed(name string, kt, vt types.Type, kv ...any) *Map {
	m := &Map{Name: name, Key: kt, Value: vt}
	for i := 0; i < len(kv); i += 2 {
		m.Entries = append(m.Entries, MapEntry{Key: enc(kt, kv[i]), Values: [][]byte{enc(vt, kv[i+1])}})
	}
	return m
}

// aggMap builds an aggregation map; slots maps each key (nil for a scalar
// map) to its per-CPU slots.
func aggMap(name string, kt types.Type, agg *types.Agg, keys []any, slots [][][]byte) *Map {
	m := &Map{Name: name, Key: kt, Value: agg}
	for i, k := range keys {
		key := u64le(0)
		if kt != nil {
			key = enc(kt, k)
		}
		m.Entries = append(m.Entries, MapEntry{Key: key, Values: slots[i]})
	}
	return m
}

// sample is one hist()/lhist() call: key (nil for scalar maps) and value.
type sample struct {
	key any
	v   int64
}

// histMap builds a hist/lhist map the way the kernel stores it: one entry
// per (key, bucket), counts spread over two CPUs.
func histMap(name string, kt types.Type, agg *types.Agg, samples ...sample) *Map {
	type bk struct {
		key    string
		bucket int
	}
	counts := map[bk]int{}
	var order []bk
	for _, s := range samples {
		key := u64le(0)
		if kt != nil {
			key = enc(kt, s.key)
		}
		b := HistIndexBits(s.v, agg.Bits)
		if agg.Kind == types.LHist {
			b = LHistIndex(s.v, agg.Min, agg.Max, agg.Step)
		}
		k := bk{string(key), b}
		if _, ok := counts[k]; !ok {
			order = append(order, k)
		}
		counts[k]++
	}
	m := &Map{Name: name, Key: kt, Value: agg}
	for _, k := range order {
		n := counts[k]
		key := append([]byte(k.key), u64le(uint64(k.bucket))...)
		m.Entries = append(m.Entries, MapEntry{Key: key, Values: [][]byte{u64le(uint64(n / 2)), u64le(uint64(n - n/2))}})
	}
	return m
}

// fakeResolver is a Resolver backed by tables.
type fakeResolver struct {
	probes  []string
	ksyms   map[uint64]string
	usyms   map[uint64]string
	stacks  map[uint64][]Frame
	strtime string
	// buildIDs are the build_id stacks (output.BuildIDResolver).
	buildIDs map[uint64][]BuildIDFrame
}

func (f *fakeResolver) BuildIDStack(id uint64) []BuildIDFrame { return f.buildIDs[id] }

func (f *fakeResolver) ProbeName(id uint64) string {
	if id < uint64(len(f.probes)) {
		return f.probes[id]
	}
	return ""
}

func (f *fakeResolver) AppendStrftime(dst []byte, fmtID, ns uint64) []byte {
	return append(dst, f.strtime...)
}

func (f *fakeResolver) KernelSymbol(addr uint64) string { return f.ksyms[addr] }

func (f *fakeResolver) UserSymbol(pid, addr uint64) string { return f.usyms[addr] }

func (f *fakeResolver) Stack(user bool, id, pid uint64) []Frame { return f.stacks[id] }

func (f *fakeResolver) CgroupPath(id uint64, filter string) string {
	return fmt.Sprintf("unified:/cg%d[%s]", id, filter)
}
