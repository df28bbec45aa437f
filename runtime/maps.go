//go:build linux

package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// Entry is one map element as raw bytes, laid out as codegen.MapDef's Key
// and Value types describe: the BPF key, and one value per possible CPU
// for per-CPU maps (aggregations are combined by the caller) or exactly
// one value otherwise. It is output's MapEntry, so that what is read is
// printed or exported without a copy.
type Entry = output.MapEntry

// ReadMap returns every element of the named map. Elements are read with
// the batch syscalls, a few thousand per call, falling back to
// key-by-key iteration on kernels or map types without them. The order is
// the kernel's; sorting is the printer's job. For script maps stored as
// per-CPU arrays (codegen.MapDef.Array) slots that were never written are
// dropped and keys get the generic layout (see arrayEntries).
func (l *Loaded) ReadMap(name string) ([]Entry, error) {
	rm, err := l.rawMap(name)
	if err != nil {
		return nil, fmt.Errorf("reading map %s: %w", name, err)
	}
	keys, values, n, err := rm.dump()
	if err != nil {
		return nil, fmt.Errorf("reading map %s: %w", name, err)
	}
	per := 1
	if rm.perCPU {
		per = rm.ncpus
	}
	entries := make([]Entry, n)
	headers := make([][]byte, n*per) // one allocation for all Values slices
	ks, stride, slot := rm.keySize, rm.stride(), align8(rm.valueSize)
	for i := range entries {
		k := keys[i*ks : (i+1)*ks : (i+1)*ks]
		vs := headers[i*per : (i+1)*per : (i+1)*per]
		base := i * stride
		if rm.perCPU {
			for cpu := range vs {
				off := base + cpu*slot
				vs[cpu] = values[off : off+rm.valueSize : off+rm.valueSize]
			}
		} else {
			vs[0] = values[base : base+rm.valueSize : base+rm.valueSize]
		}
		entries[i] = Entry{Key: k, Values: vs}
	}
	if lm, ok := l.maps[name]; ok && lm.Array {
		entries = arrayEntries(lm.MapDef, entries)
		if len(entries) == 0 && lm.zeroed.Load() {
			// The element zero() kept: bucket 0 with no count.
			entries = append(entries, Entry{Key: make([]byte, 16), Values: [][]byte{make([]byte, rm.valueSize)}})
		}
	}
	return entries, nil
}

// arrayEntries turns the slots of an array-backed scalar aggregation into
// generic entries: slots that are zero on every CPU were never written and
// are dropped; keys become the uint64 zero key of scalar maps, followed by
// the bucket index for histograms.
func arrayEntries(def *codegen.MapDef, entries []Entry) []Entry {
	isHist := isHistAgg(def.Value)
	out := entries[:0]
	for _, e := range entries {
		if allZero(e.Values) || len(e.Key) < 4 {
			continue
		}
		key := make([]byte, 8, 16)
		if isHist {
			key = binary.LittleEndian.AppendUint64(key, uint64(binary.LittleEndian.Uint32(e.Key)))
		}
		out = append(out, Entry{Key: key, Values: e.Values})
	}
	return out
}

func allZero(values [][]byte) bool {
	for _, v := range values {
		for _, b := range v {
			if b != 0 {
				return false
			}
		}
	}
	return true
}

// ClearMap deletes every element of the named map (clear()). Array maps,
// whose elements cannot be deleted, are zeroed instead.
func (l *Loaded) ClearMap(name string) error {
	rm, err := l.rawMap(name)
	if err != nil {
		return fmt.Errorf("clearing map %s: %w", name, err)
	}
	if rm.isArray() {
		if lm, ok := l.maps[name]; ok {
			lm.zeroed.Store(false)
		}
		return l.zero(name, rm)
	}
	keys, _, n, err := rm.dump()
	if err != nil {
		return fmt.Errorf("clearing map %s: %w", name, err)
	}
	if err := rm.deleteKeys(keys, n); err != nil {
		return fmt.Errorf("clearing map %s: %w", name, err)
	}
	return nil
}

// ZeroMap sets every value of the named map to zero, keeping the keys
// (zero()).
func (l *Loaded) ZeroMap(name string) error {
	rm, err := l.rawMap(name)
	if err != nil {
		return fmt.Errorf("zeroing map %s: %w", name, err)
	}
	if lm, ok := l.maps[name]; ok && lm.Array && isHistAgg(lm.Value) && !lm.zeroed.Load() {
		// A histogram that was written keeps its (now empty) element.
		if entries, err := l.ReadMap(name); err == nil && len(entries) > 0 {
			lm.zeroed.Store(true)
		}
	}
	return l.zero(name, rm)
}

// isHistAgg reports whether t is a hist or lhist aggregation.
func isHistAgg(t types.Type) bool {
	agg, ok := t.(*types.Agg)
	return ok && (agg.Kind == types.Hist || agg.Kind == types.LHist)
}

func (l *Loaded) zero(name string, rm rawMap) error {
	keys, _, n, err := rm.dump()
	if err == nil {
		err = rm.zeroKeys(keys, n)
	}
	if err != nil {
		return fmt.Errorf("zeroing map %s: %w", name, err)
	}
	return nil
}

// rawMap is what the byte-level map operations need to know about a map.
type rawMap struct {
	fd         int
	typ        ebpf.MapType
	keySize    int
	valueSize  int
	maxEntries int
	perCPU     bool
	ncpus      int
}

func (l *Loaded) rawMap(name string) (rawMap, error) {
	m := l.Map(name)
	if m == nil {
		return rawMap{}, errors.New("no such map")
	}
	rm := rawMap{
		fd:         m.FD(),
		typ:        m.Type(),
		keySize:    int(m.KeySize()),
		valueSize:  int(m.ValueSize()),
		maxEntries: int(m.MaxEntries()),
		ncpus:      l.ncpus,
	}
	switch rm.typ {
	case ebpf.Hash, ebpf.LRUHash, ebpf.Array:
	case ebpf.PerCPUHash, ebpf.LRUCPUHash, ebpf.PerCPUArray:
		rm.perCPU = true
	default:
		return rawMap{}, fmt.Errorf("map type %s cannot be read", rm.typ)
	}
	if rm.keySize == 0 || rm.valueSize == 0 {
		return rawMap{}, fmt.Errorf("map has %d-byte keys and %d-byte values", rm.keySize, rm.valueSize)
	}
	return rm, nil
}

func (rm rawMap) isArray() bool { return rm.typ == ebpf.Array || rm.typ == ebpf.PerCPUArray }

// stride is the size of one element's value in batch and lookup buffers: a
// per-CPU value is one 8-byte aligned slot per possible CPU.
func (rm rawMap) stride() int {
	if rm.perCPU {
		return rm.ncpus * align8(rm.valueSize)
	}
	return rm.valueSize
}

func align8(n int) int { return (n + 7) &^ 7 }

// noBatch records the (map type, batch command) pairs the kernel refused
// (batchUnsupported), so that later reads and clears go straight to the
// element-by-element fallback instead of failing a syscall each time.
var noBatch sync.Map // batchOp → struct{}

type batchOp struct {
	typ ebpf.MapType
	cmd uintptr
}

// batch runs one batch command on the map (see mapBatch), or fails at once
// with ENOTSUPP when the kernel refused the command for this map type
// before. A refusal processes no element, whatever count the kernel left
// in the attribute.
func (rm rawMap) batch(cmd uintptr, in, out, keys, values []byte, count int, elemFlags uint64) (int, error) {
	op := batchOp{rm.typ, cmd}
	if _, refused := noBatch.Load(op); refused {
		return 0, errnoENOTSUPP
	}
	done, err := mapBatch(cmd, rm.fd, in, out, keys, values, count, elemFlags)
	if err != nil && batchUnsupported(err) {
		noBatch.Store(op, struct{}{})
		return 0, err
	}
	return done, err
}

// batchChunk is the number of elements asked for per batch syscall.
const batchChunk = 4096

// dump reads all elements: n keys packed in keys and n values (stride
// bytes each) packed in values.
func (rm rawMap) dump() (keys, values []byte, n int, err error) {
	keys, values, n, err = rm.dumpBatch()
	if err != nil && n == 0 && batchUnsupported(err) {
		return rm.dumpIter()
	}
	return keys, values, n, err
}

func (rm rawMap) dumpBatch() (keys, values []byte, n int, err error) {
	ks, stride := rm.keySize, rm.stride()
	chunk := max(min(rm.maxEntries, batchChunk), 1)
	capacity := chunk
	keys = make([]byte, capacity*ks)
	values = make([]byte, capacity*stride)
	// The cursor is a bucket index (u32) for hash maps and a key for arrays.
	cursorLen := max(ks, 4)
	in, out := make([]byte, cursorLen), make([]byte, cursorLen)
	var inArg []byte // nil: start from the beginning
	for {
		if n+chunk > capacity {
			capacity = max(2*capacity, n+chunk)
			keys = append(keys, make([]byte, capacity*ks-len(keys))...)
			values = append(values, make([]byte, capacity*stride-len(values))...)
		}
		got, err := rm.batch(bpfMapLookupBatch, inArg, out,
			keys[n*ks:(n+chunk)*ks], values[n*stride:(n+chunk)*stride], chunk, 0)
		n += got
		switch {
		case errors.Is(err, unix.ENOENT):
			return keys, values, n, nil
		case errors.Is(err, unix.ENOSPC) && got == 0:
			// A hash bucket holds more elements than the chunk.
			chunk *= 2
			continue
		case err != nil:
			return nil, nil, n, err
		}
		copy(in, out)
		inArg = in
	}
}

// dumpIter is the fallback: BPF_MAP_GET_NEXT_KEY and a lookup per key.
// Elements deleted while iterating are skipped.
func (rm rawMap) dumpIter() (keys, values []byte, n int, err error) {
	ks, stride := rm.keySize, rm.stride()
	var prev []byte // nil: first key
	next := make([]byte, ks)
	val := make([]byte, stride)
	for {
		err := mapElem(bpfMapGetNextKey, rm.fd, prev, next, 0)
		if errors.Is(err, unix.ENOENT) {
			return keys, values, n, nil
		}
		if err != nil {
			return nil, nil, 0, err
		}
		err = mapElem(bpfMapLookupElem, rm.fd, next, val, 0)
		if err == nil {
			keys = append(keys, next...)
			values = append(values, val...)
			n++
		} else if !errors.Is(err, unix.ENOENT) {
			return nil, nil, 0, err
		}
		prev = append(prev[:0], next...)
	}
}

// deleteKeys deletes n packed keys. A key deleted concurrently stops a
// batch with ENOENT after the keys before it; it is skipped.
func (rm rawMap) deleteKeys(keys []byte, n int) error {
	ks := rm.keySize
	for i := 0; i < n; {
		done, err := rm.batch(bpfMapDeleteBatch, nil, nil, keys[i*ks:n*ks], nil, n-i, 0)
		i += done
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.ENOENT):
			i++ // skip the missing key
		case done == 0 && batchUnsupported(err):
			return rm.deleteEach(keys[i*ks : n*ks])
		default:
			return err
		}
	}
	return nil
}

func (rm rawMap) deleteEach(keys []byte) error {
	for off := 0; off < len(keys); off += rm.keySize {
		err := mapElem(bpfMapDeleteElem, rm.fd, keys[off:off+rm.keySize], nil, 0)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	return nil
}

// zeroKeys writes zero values for n packed keys.
func (rm rawMap) zeroKeys(keys []byte, n int) error {
	if n == 0 {
		return nil
	}
	ks, stride := rm.keySize, rm.stride()
	zeros := make([]byte, n*stride)
	done, err := rm.batch(bpfMapUpdateBatch, nil, nil, keys[:n*ks], zeros, n, unix.BPF_ANY)
	if err == nil {
		return nil
	}
	if !batchUnsupported(err) || done != 0 {
		return err
	}
	for i := range n {
		if err := mapElem(bpfMapUpdateElem, rm.fd, keys[i*ks:(i+1)*ks], zeros[:stride], unix.BPF_ANY); err != nil {
			return err
		}
	}
	return nil
}
