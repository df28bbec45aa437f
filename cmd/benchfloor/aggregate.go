package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/cilium/ebpf"
)

// countMaxKeys is the capacity of the count mode's map (bpftrace's
// default map size).
const countMaxKeys = 4096

// batchKeys is how many keys one batch lookup reads.
const batchKeys = 4096

// entry is a map key with its value summed over the CPUs.
type entry[K any] struct {
	key K
	n   uint64
}

// runCount counts the syscalls of every process per comm until ctx ends,
// then prints "@[comm]: N" lines, smallest count first.
func runCount(ctx context.Context, o options, out, diag io.Writer) error {
	const name = "floor_count"
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{countsMap: {Name: countsMap, Type: ebpf.PerCPUHash,
			KeySize: commLen, ValueSize: 8, MaxEntries: countMaxKeys}},
		Programs: map[string]*ebpf.ProgramSpec{name: countProgram()},
	}
	return withProbes(spec, []hook{{"raw_syscalls", "sys_enter", name}}, func(p *probes) error {
		es, err := collect[[commLen]byte](ctx, p, o)
		if err != nil {
			return err
		}
		slices.SortFunc(es, func(a, b entry[[commLen]byte]) int {
			return cmp.Or(cmp.Compare(a.n, b.n), bytes.Compare(a.key[:], b.key[:]))
		})
		return printEntries(out, es, "@[", func(b []byte, k [commLen]byte) []byte {
			if i := bytes.IndexByte(k[:], 0); i >= 0 {
				return append(b, k[:i]...)
			}
			return append(b, k[:]...)
		})
	})
}

// runHist counts the ids of the syscalls of every process in log2
// buckets until ctx ends, then prints the histogram @x.
func runHist(ctx context.Context, o options, out, diag io.Writer) error {
	const name = "floor_hist"
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{countsMap: {Name: countsMap, Type: ebpf.PerCPUArray,
			KeySize: 4, ValueSize: 8, MaxEntries: histBuckets}},
		Programs: map[string]*ebpf.ProgramSpec{name: histProgram()},
	}
	return withProbes(spec, []hook{{"raw_syscalls", "sys_enter", name}}, func(p *probes) error {
		es, err := collect[uint32](ctx, p, o)
		if err != nil {
			return err
		}
		var buckets [histBuckets]uint64
		for _, e := range es {
			buckets[e.key] = e.n
		}
		w := bufio.NewWriter(out)
		w.WriteString("\n\n")
		writeHist(w, "@x", buckets[:])
		return w.Flush()
	})
}

// runMaps counts the getpid calls of o.pid per nanosecond timestamp until
// ctx ends, then prints "@m[ns]: N" lines, smallest count first.
func runMaps(ctx context.Context, o options, out, diag io.Writer) error {
	const name = "floor_maps"
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{countsMap: {Name: countsMap, Type: ebpf.PerCPUHash,
			KeySize: 8, ValueSize: 8, MaxEntries: uint32(o.maxKeys)}},
		Programs: map[string]*ebpf.ProgramSpec{name: mapsProgram(o.pid)},
	}
	return withProbes(spec, []hook{{"syscalls", "sys_enter_getpid", name}}, func(p *probes) error {
		es, err := collect[uint64](ctx, p, o)
		if err != nil {
			return err
		}
		slices.SortFunc(es, func(a, b entry[uint64]) int {
			return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.key, b.key))
		})
		return printEntries(out, es, "@m[", func(b []byte, k uint64) []byte {
			return strconv.AppendUint(b, k, 10)
		})
	})
}

// collect waits for ctx to end and returns the entries of p's map
// countsMap. The probes stay attached: they are detached after the
// results are printed, since a tracepoint's detach waits for the kernel's
// grace periods and the results do not need to.
func collect[K any](ctx context.Context, p *probes, o options) ([]entry[K], error) {
	o.notifyAttached()
	<-ctx.Done()
	return readPerCPU[K](p.coll.Maps[countsMap])
}

// readPerCPU returns every entry of a per-CPU map of uint64 values, with
// the values summed over the CPUs, reading batchKeys keys per system call.
func readPerCPU[K any](m *ebpf.Map) ([]entry[K], error) {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, err
	}
	keys := make([]K, batchKeys)
	vals := make([]uint64, batchKeys*cpus)
	var es []entry[K]
	var cursor ebpf.MapBatchCursor
	for {
		n, err := m.BatchLookup(&cursor, keys, vals, nil)
		for i := range n {
			e := entry[K]{key: keys[i]}
			for _, v := range vals[i*cpus : (i+1)*cpus] {
				e.n += v
			}
			es = append(es, e)
		}
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return es, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading map %s: %w", countsMap, err)
		}
	}
}

// printEntries prints es as bpftrace prints a map of counts at exit: two
// empty lines, "PREFIXkey]: N" per entry, an empty line.
func printEntries[K any](out io.Writer, es []entry[K], prefix string, appendKey func([]byte, K) []byte) error {
	w := bufio.NewWriterSize(out, 64<<10)
	w.WriteString("\n\n")
	for _, e := range es {
		b := append(w.AvailableBuffer(), prefix...)
		b = appendKey(b, e.key)
		b = append(b, "]: "...)
		b = strconv.AppendUint(b, e.n, 10)
		w.Write(append(b, '\n'))
	}
	w.WriteString("\n")
	return w.Flush()
}
