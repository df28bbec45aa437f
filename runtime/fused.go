//go:build linux

package runtime

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
)

// Fused syscall tracepoints (codegen/fused.go) are attached by storing
// their programs in the program array of their raw_syscalls hook, at
// their slot; the hook's dispatcher (an internal raw tracepoint program,
// attached as one) tail-calls them. Detaching deletes the slot: no perf
// event and no RCU wait per probe.

// attachFused stores a fused program in its hook's program array.
func (l *Loaded) attachFused(p *LoadedProgram) ([]attachment, error) {
	lm := l.maps[p.Fused.Map]
	if lm == nil {
		return nil, fmt.Errorf("program array %s missing", p.Fused.Map)
	}
	key := uint32(p.Fused.Slot)
	if err := lm.Map.Put(key, p.Prog); err != nil {
		return nil, fmt.Errorf("storing the program in %s[%d]: %w", p.Fused.Map, key, err)
	}
	return []attachment{&fusedSlot{m: lm.Map, key: key}}, nil
}

// fusedSlot is a fused program's place in its program array; closing it
// empties the slot.
type fusedSlot struct {
	m   *ebpf.Map
	key uint32
}

// Close implements io.Closer.
func (s *fusedSlot) Close() error {
	if err := s.m.Delete(s.key); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("emptying program array slot %d: %w", s.key, err)
	}
	return nil
}
