//go:build linux

package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// StackAddrs returns the instruction addresses of a stack recorded in the
// stack trace map (codegen.StackMap), innermost first.
func (l *Loaded) StackAddrs(id uint32) ([]uint64, error) {
	m := l.Map(codegen.StackMap)
	if m == nil {
		return nil, fmt.Errorf("no stack map")
	}
	buf := make([]byte, m.ValueSize())
	if err := m.Lookup(&id, &buf); err != nil {
		return nil, fmt.Errorf("reading stack %d: %w", id, err)
	}
	var out []uint64
	for i := 0; i+8 <= len(buf); i += 8 {
		a := binary.NativeEndian.Uint64(buf[i:])
		if a == 0 {
			break
		}
		out = append(out, a)
	}
	return out, nil
}
