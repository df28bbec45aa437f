//go:build linux

package runtime

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Hand-built objects for kernel tests: they use only codegen's Object
// types, not its compiler.

// uniqueName returns a kernel-valid object name no other test run uses, so
// leak checks can look for it.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func ringbufDef() *codegen.MapDef {
	return &codegen.MapDef{Name: codegen.RingBufMap, Internal: true,
		Spec: &ebpf.MapSpec{Name: "ringbuf", Type: ebpf.RingBuf, MaxEntries: 1 << 16}}
}

func stateDef() *codegen.MapDef {
	return &codegen.MapDef{Name: codegen.StateMap, Internal: true,
		Spec: &ebpf.MapSpec{Name: "state", Type: ebpf.Array, KeySize: 4, ValueSize: 8 * uint32(codegen.NumStateSlots), MaxEntries: 1}}
}

func lostDef() *codegen.MapDef {
	return &codegen.MapDef{Name: codegen.LostMap, Internal: true,
		Spec: &ebpf.MapSpec{Name: "lost", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}}
}

// counterDef is a one-slot array counted by counterInsns.
func counterDef(name string) *codegen.MapDef {
	return &codegen.MapDef{Name: name,
		Spec: &ebpf.MapSpec{Name: "counter", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1}}
}

// counterInsns atomically adds 1 to element 0 of an array map.
func counterInsns(mapName string) asm.Instructions {
	return asm.Instructions{
		asm.StoreImm(asm.R10, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapName),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Imm(asm.R1, 1),
		asm.AddAtomic.Mem(asm.R0, asm.R1, asm.DWord, 0),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

// ringbufInsns submits one 16-byte record: the event index, then payload.
func ringbufInsns(event int32, payload int32, flags int32) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm(asm.R1, event),
		asm.StoreMem(asm.R10, -16, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R1, payload),
		asm.StoreMem(asm.R10, -8, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, 0).WithReference(codegen.RingBufMap),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -16),
		asm.Mov.Imm(asm.R3, 16),
		asm.Mov.Imm(asm.R4, flags),
		asm.FnRingbufOutput.Call(),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	}
}

// BPF ring buffer submit flags.
const (
	rbNoWakeup    = 1
	rbForceWakeup = 2
)

func beginProgram(name string, insns asm.Instructions) *codegen.Program {
	return &codegen.Program{Name: name, Kind: stdlib.Begin, Probe: "BEGIN", Type: ebpf.RawTracepoint, Insns: insns}
}

// load loads obj and closes it when the test ends.
func load(t *testing.T, obj *codegen.Object, opts *LoadOptions) *Loaded {
	t.Helper()
	requireRoot(t)
	l, err := Load(obj, opts)
	if err != nil {
		t.Fatalf("Load: %+v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// readCounter reads element 0 of an array map of uint64.
func readCounter(t *testing.T, l *Loaded, name string) uint64 {
	t.Helper()
	var v uint64
	if err := l.Map(name).Lookup(uint32(0), &v); err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return v
}

// sumPerCPU adds up the per-CPU u64 values of a map entry.
func sumPerCPU(values [][]byte) uint64 {
	var sum uint64
	for _, v := range values {
		sum += binary.NativeEndian.Uint64(v)
	}
	return sum
}

// kernelObjectNames lists the names of all BPF programs and maps in the
// kernel.
func kernelObjectNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for id := ebpf.ProgramID(0); ; {
		next, err := ebpf.ProgramGetNextID(id)
		if err != nil {
			break
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue
		}
		if info, err := p.Info(); err == nil {
			names[info.Name] = true
		}
		p.Close()
	}
	for id := ebpf.MapID(0); ; {
		next, err := ebpf.MapGetNextID(id)
		if err != nil {
			break
		}
		id = next
		m, err := ebpf.NewMapFromID(id)
		if err != nil {
			continue
		}
		if info, err := m.Info(); err == nil {
			names[info.Name] = true
		}
		m.Close()
	}
	return names
}
