package main

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// Map names, as the programs reference them and bpftool shows them.
const (
	eventsMap = "events" // ring buffer of the modes that print per hit
	lostMap   = "lost"   // per-CPU count of records the ring buffer refused
	countsMap = "counts" // per-CPU hash or array of the aggregating modes
)

// Ring-buffer sizes: one page for the modes that send a record or two,
// and as much as gobpftrace's default for those that stream.
const (
	smallRing  = 4096
	streamRing = 4 << 20
)

// histBuckets is the number of log2 buckets: negative values, zero, and
// one per power of two of a 64-bit value.
const histBuckets = 66

// tputRecord is the layout of a tput record: the thread id at 0, the
// comm at 8.
const (
	tputTidOff  = 0
	tputCommOff = 8
	tputSize    = 24
	commLen     = 16
)

// exitLabel ends every program with return 0.
const exitLabel = "exit"

func epilogue() asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm(asm.R0, 0).WithSymbol(exitLabel),
		asm.Return(),
	}
}

// pidFilter returns early unless the current process is pid; nothing
// when pid is 0. Clobbers r0-r5.
func pidFilter(pid uint32) asm.Instructions {
	if pid == 0 {
		return nil
	}
	return asm.Instructions{
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.JNE.Imm(asm.R0, int32(pid), exitLabel),
	}
}

// storeDWord stores v, sign-extended to 64 bits, at fp+off: the one
// instruction asm.StoreImm does not build for double words (it could not
// hold every int64).
func storeDWord(off int16, v int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(asm.DWord), Dst: asm.RFP, Offset: off, Constant: int64(v)}
}

// emitConst writes the 8-byte record v to the ring buffer.
func emitConst(v int32) asm.Instructions {
	return asm.Instructions{
		storeDWord(-8, v),
		asm.LoadMapPtr(asm.R1, 0).WithReference(eventsMap),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -8),
		asm.Mov.Imm(asm.R3, 8),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
	}
}

// addOneAt adds one to the uint64 value of the key at fp+keyOff in the
// per-CPU map mapName, and jumps to missing when the key is not there.
func addOneAt(mapName string, keyOff int16, missing string) asm.Instructions {
	return asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapName),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(keyOff)),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, missing),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
	}
}

// increment adds one to the uint64 value at the key at fp+keyOff in the
// per-CPU hash countsMap. A missing key is inserted with 1 and BPF_ANY,
// which sets this CPU's value only, so two CPUs inserting the same key at
// once both count. The slot at fp+keyOff-8 holds the 1.
func increment(keyOff int16) asm.Instructions {
	const insert = "insert"
	return append(addOneAt(countsMap, keyOff, insert),
		asm.Ja.Label(exitLabel),
		storeDWord(keyOff-8, 1).WithSymbol(insert),
		asm.LoadMapPtr(asm.R1, 0).WithReference(countsMap),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(keyOff)),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, int32(keyOff-8)),
		asm.Mov.Imm(asm.R4, 0), // BPF_ANY
		asm.FnMapUpdateElem.Call(),
	)
}

// program assembles a program of type typ from its parts and the epilogue.
func program(name string, typ ebpf.ProgramType, parts ...asm.Instructions) *ebpf.ProgramSpec {
	var insns asm.Instructions
	for _, p := range parts {
		insns = append(insns, p...)
	}
	insns = append(insns, epilogue()...)
	return &ebpf.ProgramSpec{Name: name, Type: typ, License: "GPL", Instructions: insns}
}

// ringSpec is the ring buffer eventsMap of size bytes.
func ringSpec(size uint32) *ebpf.MapSpec {
	return &ebpf.MapSpec{Name: eventsMap, Type: ebpf.RingBuf, MaxEntries: size}
}

// beginProgram sends the record 0 when run once: BEGIN's printf.
func beginProgram() *ebpf.ProgramSpec {
	return program("floor_begin", ebpf.RawTracepoint, emitConst(0))
}

// signalProgram sends the record v when pid hits its tracepoint: the
// printf of the first and ready modes.
func signalProgram(name string, pid uint32, v int32) *ebpf.ProgramSpec {
	return program(name, ebpf.TracePoint, pidFilter(pid), emitConst(v))
}

// rbNoWakeup is BPF_RB_NO_WAKEUP: submit a ring-buffer record without
// waking the reader.
const rbNoWakeup = 1

// tputProgram sends the thread id and comm of each hit of pid in a
// record reserved in the ring buffer, without waking the reader (a wakeup
// per record costs more than the record), and counts the records it
// could not reserve in lostMap.
func tputProgram(pid uint32) *ebpf.ProgramSpec {
	const lost = "lost"
	body := asm.Instructions{
		asm.FnGetCurrentPidTgid.Call(),
		asm.Mov.Reg(asm.R6, asm.R0),
	}
	if pid != 0 {
		body = append(body,
			asm.RSh.Imm(asm.R0, 32),
			asm.JNE.Imm(asm.R0, int32(pid), exitLabel))
	}
	body = append(body,
		asm.LoadMapPtr(asm.R1, 0).WithReference(eventsMap),
		asm.Mov.Imm(asm.R2, tputSize),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, lost),
		asm.Mov.Reg(asm.R7, asm.R0),
		asm.StoreMem(asm.R7, tputTidOff, asm.R6, asm.Word),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Add.Imm(asm.R1, tputCommOff),
		asm.Mov.Imm(asm.R2, commLen),
		asm.FnGetCurrentComm.Call(),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Mov.Imm(asm.R2, rbNoWakeup),
		asm.FnRingbufSubmit.Call(),
		asm.Ja.Label(exitLabel),
		asm.StoreImm(asm.RFP, -4, 0, asm.Word).WithSymbol(lost),
	)
	body = append(body, addOneAt(lostMap, -4, exitLabel)...)
	return program("floor_tput", ebpf.TracePoint, body)
}

// countProgram counts hits per comm. The key is zeroed first: kernels
// that copy the comm without clearing the bytes after its NUL would
// otherwise split one name into several keys.
func countProgram() *ebpf.ProgramSpec {
	return program("floor_count", ebpf.TracePoint, asm.Instructions{
		storeDWord(-16, 0),
		storeDWord(-8, 0),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, -16),
		asm.Mov.Imm(asm.R2, commLen),
		asm.FnGetCurrentComm.Call(),
	}, increment(-16))
}

// histProgram counts raw_syscalls:sys_enter's id (a long at offset 8 of
// the context) in log2 buckets: 0 for negative values, 1 for zero, and
// 2+floor(log2(v)) for positive ones, found by halving the width six
// times (r1 the value, r2 the bucket).
func histProgram() *ebpf.ProgramSpec {
	const store = "store"
	body := asm.Instructions{
		asm.LoadMem(asm.R1, asm.R1, 8, asm.DWord),
		asm.Mov.Imm(asm.R2, 0),
		asm.JSLT.Imm(asm.R1, 0, store),
		asm.Mov.Imm(asm.R2, 1),
		asm.JEq.Imm(asm.R1, 0, store),
		asm.Mov.Imm(asm.R2, 2),
	}
	shifts := []int32{32, 16, 8, 4, 2, 1}
	for i, shift := range shifts {
		next := store
		if i+1 < len(shifts) {
			next = fmt.Sprintf("shift%d", shifts[i+1])
		}
		body = append(body,
			asm.Mov.Reg(asm.R3, asm.R1).WithSymbol(fmt.Sprintf("shift%d", shift)),
			asm.RSh.Imm(asm.R3, shift),
			asm.JEq.Imm(asm.R3, 0, next))
		if next != store { // after the last halving the value is not needed
			body = append(body, asm.Mov.Reg(asm.R1, asm.R3))
		}
		body = append(body, asm.Add.Imm(asm.R2, shift))
	}
	body = append(body,
		asm.StoreMem(asm.RFP, -4, asm.R2, asm.Word).WithSymbol(store))
	body = append(body, addOneAt(countsMap, -4, exitLabel)...)
	return program("floor_hist", ebpf.TracePoint, body)
}

// mapsProgram counts the hits of pid per nanosecond timestamp: a new key
// per hit.
func mapsProgram(pid uint32) *ebpf.ProgramSpec {
	return program("floor_maps", ebpf.TracePoint, pidFilter(pid), asm.Instructions{
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.RFP, -8, asm.R0, asm.DWord),
	}, increment(-8))
}
