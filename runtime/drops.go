//go:build linux

package runtime

import (
	"encoding/binary"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// Drops returns, per script map, how many updates the kernel refused
// because the map was full (codegen.DropsMap summed over CPUs). Maps with
// no refusals are absent.
func (l *Loaded) Drops() (map[string]uint64, error) {
	if l.Map(codegen.DropsMap) == nil {
		return nil, nil
	}
	entries, err := l.ReadMap(codegen.DropsMap)
	if err != nil {
		return nil, err
	}
	bySlot := make(map[int]uint64, len(entries))
	for _, e := range entries {
		if len(e.Key) < 4 {
			continue
		}
		var sum uint64
		for _, v := range e.Values {
			if len(v) >= 8 {
				sum += binary.NativeEndian.Uint64(v)
			}
		}
		if sum > 0 {
			bySlot[int(binary.NativeEndian.Uint32(e.Key))] = sum
		}
	}
	out := map[string]uint64{}
	for _, m := range l.Object.Maps {
		if !m.Internal {
			if n := bySlot[m.DropSlot]; n > 0 {
				out[m.Name] = n
			}
		}
	}
	return out, nil
}
