//go:build linux

package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// OutputMap reads the script map name (ReadMap) as an output.Map, ready
// for printing or export: aggregations keep their per-CPU slots (the
// output package combines them); plain values of a map declared per-CPU
// (percpuhash, percpulruhash) are merged into one (MergePerCPU).
func (l *Loaded) OutputMap(name string) (*output.Map, error) {
	def := l.Object.Map(name)
	if def == nil || def.Internal {
		return nil, fmt.Errorf("reading map %s: no such map", name)
	}
	entries, err := l.ReadMap(name)
	if err != nil {
		return nil, err
	}
	if _, isAgg := def.Value.(*types.Agg); def.PerCPU && !isAgg {
		for i := range entries {
			entries[i].Values = [][]byte{MergePerCPU(def.Value, entries[i].Values)}
		}
	}
	return &output.Map{Name: name, Key: def.Key, Value: def.Value, Entries: entries}, nil
}

// MergePerCPU combines the per-CPU copies of a plain value of a map
// declared per-CPU: 64-bit integers are summed, other values are taken
// from the first CPU that holds a non-zero value.
func MergePerCPU(t types.Type, values [][]byte) []byte {
	if len(values) == 0 {
		return nil
	}
	if it, ok := t.(*types.Int); ok && it.Bits == 64 {
		var sum uint64
		for _, v := range values {
			if len(v) >= 8 {
				sum += binary.LittleEndian.Uint64(v)
			}
		}
		return binary.LittleEndian.AppendUint64(nil, sum)
	}
	for _, v := range values {
		for _, b := range v {
			if b != 0 {
				return v
			}
		}
	}
	return values[0]
}
