//go:build linux

package runtime

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// fillMap loads a map with n elements: key i (uint64) → value i+1 (one
// uint64, on every CPU for per-CPU maps).
func fillMap(t *testing.T, l *Loaded, name string, n int) {
	t.Helper()
	m := l.Map(name)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(i)
	}
	var values any
	if m.Type() == ebpf.PerCPUHash || m.Type() == ebpf.PerCPUArray {
		vs := make([]uint64, n*l.NumCPU())
		for i := range vs {
			vs[i] = uint64(i/l.NumCPU() + 1)
		}
		values = vs
	} else {
		vs := make([]uint64, n)
		for i := range vs {
			vs[i] = uint64(i + 1)
		}
		values = vs
	}
	var batchKeys any = keys
	if m.Type() == ebpf.Array || m.Type() == ebpf.PerCPUArray {
		k32 := make([]uint32, n)
		for i := range k32 {
			k32[i] = uint32(i)
		}
		batchKeys = k32
	}
	_, err := m.BatchUpdate(batchKeys, values, nil)
	if !errors.Is(err, ebpf.ErrNotSupported) {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	// No batch update for this map type (per-CPU arrays before 5.13).
	rm, err := l.rawMap(name)
	if err != nil {
		t.Fatal(err)
	}
	vals := values.([]uint64)
	per := len(vals) / n // values per key: one per CPU for per-CPU maps
	value := make([]byte, rm.stride())
	for i, k := range keys {
		key := binary.NativeEndian.AppendUint64(nil, k)[:rm.keySize]
		for c := range per {
			binary.NativeEndian.PutUint64(value[c*8:], vals[i*per+c])
		}
		if err := mapElem(bpfMapUpdateElem, rm.fd, key, value, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func mapsObject(n int) *codegen.Object {
	def := func(name string, typ ebpf.MapType, keySize uint32, perCPU bool) *codegen.MapDef {
		return &codegen.MapDef{Name: name, PerCPU: perCPU,
			Spec: &ebpf.MapSpec{Name: name[1:], Type: typ, KeySize: keySize, ValueSize: 8, MaxEntries: uint32(n)}}
	}
	return &codegen.Object{Maps: []*codegen.MapDef{
		def("@hash", ebpf.Hash, 8, false),
		def("@pcpu", ebpf.PerCPUHash, 8, true),
		def("@arr", ebpf.Array, 4, false),
		def("@parr", ebpf.PerCPUArray, 4, true),
	}}
}

func TestReadMapLarge(t *testing.T) {
	const n = 100_000
	l := load(t, mapsObject(n), nil)
	for _, name := range []string{"@hash", "@pcpu", "@arr", "@parr"} {
		fillMap(t, l, name, n)
		start := time.Now()
		entries, err := l.ReadMap(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: read %d entries in %v", name, len(entries), time.Since(start))
		if len(entries) != n {
			t.Fatalf("%s: %d entries, want %d", name, len(entries), n)
		}
		perCPU := name == "@pcpu" || name == "@parr"
		seen := make([]bool, n)
		for _, e := range entries {
			var k uint64
			if len(e.Key) == 4 {
				k = uint64(binary.NativeEndian.Uint32(e.Key))
			} else {
				k = binary.NativeEndian.Uint64(e.Key)
			}
			if k >= n || seen[k] {
				t.Fatalf("%s: bad or duplicate key %d", name, k)
			}
			seen[k] = true
			wantVals := 1
			if perCPU {
				wantVals = l.NumCPU()
			}
			if len(e.Values) != wantVals {
				t.Fatalf("%s: %d values", name, len(e.Values))
			}
			for _, v := range e.Values {
				if len(v) != 8 || binary.NativeEndian.Uint64(v) != k+1 {
					t.Fatalf("%s: key %d value %x", name, k, v)
				}
			}
		}
	}
}

func TestClearAndZeroMap(t *testing.T) {
	const n = 10_000
	l := load(t, mapsObject(n), nil)
	for _, name := range []string{"@hash", "@pcpu", "@arr", "@parr"} {
		fillMap(t, l, name, n)
		if err := l.ZeroMap(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		entries, err := l.ReadMap(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != n {
			t.Fatalf("%s: zero kept %d of %d keys", name, len(entries), n)
		}
		for _, e := range entries {
			for _, v := range e.Values {
				if binary.NativeEndian.Uint64(v) != 0 {
					t.Fatalf("%s: value %x after zero", name, v)
				}
			}
		}

		fillMap(t, l, name, n)
		if err := l.ClearMap(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		entries, err = l.ReadMap(name)
		if err != nil {
			t.Fatal(err)
		}
		isArray := name == "@arr" || name == "@parr"
		if !isArray && len(entries) != 0 {
			t.Fatalf("%s: %d entries after clear", name, len(entries))
		}
		if isArray && len(entries) != n {
			t.Fatalf("%s: %d entries after clear", name, len(entries))
		}
	}
}

// TestMapFallbacks exercises the element-by-element paths used when the
// batch syscalls are missing.
func TestMapFallbacks(t *testing.T) {
	const n = 300
	l := load(t, mapsObject(n), nil)
	for _, name := range []string{"@hash", "@pcpu"} {
		fillMap(t, l, name, n)
		rm, err := l.rawMap(name)
		if err != nil {
			t.Fatal(err)
		}
		keys, values, got, err := rm.dumpIter()
		if err != nil || got != n || len(keys) != n*8 || len(values) != n*rm.stride() {
			t.Fatalf("%s: dumpIter = %d elements, %v", name, got, err)
		}
		if err := rm.deleteEach(keys[:8*(n/2)]); err != nil {
			t.Fatal(err)
		}
		_, _, got, err = rm.dump()
		if err != nil || got != n-n/2 {
			t.Fatalf("%s: after deleting half: %d elements, %v", name, got, err)
		}
	}
	if _, err := l.ReadMap("@nope"); err == nil {
		t.Error("reading a missing map: no error")
	}
}

// refuseBatch makes the map operations behave as on a kernel without batch
// commands for the given map types (per-CPU arrays before 5.13, every
// type before 5.6), through the record of refusals.
func refuseBatch(t *testing.T, types ...ebpf.MapType) {
	t.Helper()
	var added []batchOp
	for _, typ := range types {
		for _, cmd := range []uintptr{bpfMapLookupBatch, bpfMapUpdateBatch, bpfMapDeleteBatch} {
			if _, had := noBatch.LoadOrStore(batchOp{typ, cmd}, struct{}{}); !had {
				added = append(added, batchOp{typ, cmd})
			}
		}
	}
	t.Cleanup(func() {
		for _, op := range added {
			noBatch.Delete(op)
		}
	})
}

// TestMapsWithoutBatch reads, zeroes and clears maps of every type through
// the public API with no batch commands. On 5.10, reading or clearing a
// histogram (a per-CPU array, which has no batch operations there) failed
// with "errno 524": the kernel's refusal left the element count as it was
// given, so the fallback never ran.
func TestMapsWithoutBatch(t *testing.T) {
	const n = 300
	l := load(t, mapsObject(n), nil)
	refuseBatch(t, ebpf.Hash, ebpf.PerCPUHash, ebpf.Array, ebpf.PerCPUArray)
	for _, name := range []string{"@hash", "@pcpu", "@arr", "@parr"} {
		fillMap(t, l, name, n)
		entries, err := l.ReadMap(name)
		if err != nil || len(entries) != n {
			t.Fatalf("%s: read %d entries, %v", name, len(entries), err)
		}
		if err := l.ZeroMap(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		entries, err = l.ReadMap(name)
		if err != nil || len(entries) != n {
			t.Fatalf("%s: %d entries after zero, %v", name, len(entries), err)
		}
		for _, e := range entries {
			if !allZero(e.Values) {
				t.Fatalf("%s: value %x after zero", name, e.Values)
			}
		}
		fillMap(t, l, name, n)
		if err := l.ClearMap(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		entries, err = l.ReadMap(name)
		want := 0
		if name == "@arr" || name == "@parr" {
			want = n // array elements are zeroed, not deleted
		}
		if err != nil || len(entries) != want {
			t.Fatalf("%s: %d entries after clear, want %d (%v)", name, len(entries), want, err)
		}
	}
}

func TestReadMapSmallBatch(t *testing.T) {
	// Many more elements than one batch, in a map whose buckets may hold
	// several elements: exercises the cursor and buffer growth.
	const n = batchChunk*3 + 17
	l := load(t, mapsObject(n), nil)
	fillMap(t, l, "@hash", n)
	entries, err := l.ReadMap("@hash")
	if err != nil || len(entries) != n {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
}

func BenchmarkReadMap100k(b *testing.B) {
	requireRoot(b)
	const n = 100_000
	l, err := Load(mapsObject(n), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(i)
	}
	if _, err := l.Map("@hash").BatchUpdate(keys, keys, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := l.ReadMap("@hash"); err != nil {
			b.Fatal(err)
		}
	}
}
