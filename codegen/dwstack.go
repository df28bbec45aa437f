package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// DWARF stack unwinding (dw_ustack).
//
// ustack asks the kernel for the user stack, which it walks through the
// frame pointers: programs built without them (most distributions' C
// libraries, most optimised code) give one or two frames. dw_ustack
// unwinds in the program instead, with the call frame information the
// compiler leaves in every binary for exceptions (.eh_frame), as a
// debugger does. The runtime reduces that information to unwind rows
// (runtime/cfi): for each address range of a file, how to compute the
// canonical frame address (CFA: rsp or rbp plus an offset, or the PLT's
// expression) and where the caller's rbp was saved; the return address
// is always at CFA-8 on x86-64.
//
// Tables (filled by the runtime before the probes fire, see
// runtime/dwunwind.go):
//
//   - DwRowsMap: every file's rows, one global index space, in chunks of
//     DwChunkRows rows (a hash map without preallocation: its size is an
//     upper bound, its memory what is stored). A row is DwRowSize bytes:
//     the row's first address in the file (u32), the CFA kind (u8), the
//     rbp rule (u8), two zero bytes, the CFA offset (s32) and rbp's
//     offset from the CFA (s32).
//   - DwMapsMap: an LPM trie from (process, address) to the executable
//     mapping that holds the address: its load bias and the range of its
//     file's rows. The key is the prefix length, the process id and the
//     address in big-endian order, so that a mapping is a handful of
//     prefixes and finding one costs a single lookup. Each process has a
//     32-bit prefix (the process alone) whose value has no rows: an
//     address of a known process outside every mapping with rows (JIT
//     code, a file without .eh_frame) ends the stack there, while a
//     process with no entry at all has no tables, which is reported (the
//     HEAD warning) and answered with the frame-pointer stack.
//   - DwStacksMap: the unwound stacks, keyed by a 64-bit hash of their
//     addresses, each DwStackFrames addresses ending with a zero. A
//     dw_ustack value is that key with DwStackFlag set (stack ids from
//     bpf_get_stackid are below 2^31 and errors are negative, so the
//     printer tells them apart), then the process id as for ustack.
//
// The program: the registers of the user context (the probe's own for
// uprobes and USDT, bpf_task_pt_regs otherwise) go to a state in the
// scratch area, and a bpf_loop (Linux 5.17) runs one callback per frame:
// it records the address, finds its mapping, binary-searches its row with
// a nested bpf_loop (one callback per halving: the verifier checks each
// callback once, whatever the trip counts), computes the CFA, reads the
// return address and rbp from the user stack, and goes on with the
// caller. Caller frames are searched at their address minus one, inside
// the call instruction. Everything the callbacks share lives in the
// scratch area: the verifier sees unknown values there, so iterations
// look alike to it and are checked once.

// Map names of DWARF unwinding.
const (
	DwRowsMap   = "dw_rows"
	DwMapsMap   = "dw_maps"
	DwStacksMap = "dw_stacks"
)

// Row layout (see the package comment above).
const (
	DwRowSize   = 16
	DwChunkRows = 64
	// DwChunkShift is log2(DwChunkRows).
	DwChunkShift = 6
)

// CFA kinds of a row.
const (
	DwCFAUndefined = iota // no unwind information: the stack ends
	DwCFARSP              // CFA = rsp + offset
	DwCFARBP              // CFA = rbp + offset
	DwCFAPLT              // CFA = rsp + 8, + 8 more when (rip & 15) >= offset
)

// rbp rules of a row.
const (
	DwRBPSame      = iota // unchanged
	DwRBPAtCFA            // saved at CFA + offset
	DwRBPUndefined        // unknown from here on
)

// DwMapsKeySize is the size of a DwMapsMap key: the prefix length (u32),
// the process id (u32) and the address (big-endian u64). DwMapsValueSize
// is its value's: the load bias (u64), the first row (u32) and the number
// of rows (u32).
const (
	DwMapsKeySize   = 16
	DwMapsValueSize = 16
	// DwMapsPidBits is the prefix length that matches a process alone.
	DwMapsPidBits = 32
)

// DwStackFlag marks a stack value recorded by dw_ustack.
const DwStackFlag = 1 << 62

// DwStackFrames is the number of addresses a DwStacksMap value holds.
const DwStackFrames = stackFrames

// Table capacities: upper bounds (the maps are not preallocated, except
// the stacks').
const (
	dwRowChunks   = 1 << 16 // 4 M rows
	dwMapsEntries = 1 << 16
	dwStacks      = 4096
)

// dwBisectSteps bounds a row search: 2^32 rows.
const dwBisectSteps = 32

// fnv64 is the FNV-1a 64-bit offset basis and prime, for the stack key.
const (
	fnvOffset = -3750763034362895579 // 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
)

func init() {
	callGens[stdlib.DwUstack] = callGen{mem: func(g *gen, call *ast.Call, dst loc, dt types.Type) { g.dwStack(call, dst, dt) }}
}

// dwState is the unwinder's state in the scratch area.
type dwState struct {
	ip, sp, bp, bpValid loc // the frame being unwound
	n, hash, noData     loc // frames recorded, their hash, no tables for the process
	tgid                loc
	pc, lo, hi, first   loc // the row search: address in the file, bounds, first row
	mapsKey, rowsKey    loc // lookup keys
	out                 loc // DwStackFrames addresses
}

// usesDwStack reports whether the probe being compiled calls dw_ustack.
func (g *gen) usesDwStack() bool {
	found := false
	ast.Inspect(g.inst.Probe.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.Call); ok && g.inst.Calls[call] == stdlib.DwUstack {
			found = true
		}
		return !found
	})
	return found
}

// dwStack records the DWARF-unwound user stack and writes a ustack value
// of type dt at dst.
func (g *gen) dwStack(call *ast.Call, dst loc, dt types.Type) {
	g.c.requireHelper(call, asm.FnLoop, "dw_ustack needs the helper bpf_loop", "5.17")
	user := stdlib.Probes[g.inst.Attach.Kind]
	ctxRegs := user.UserSpace && user.Regs
	if !ctxRegs {
		g.c.requireHelper(call, asm.FnTaskPtRegs, "dw_ustack outside uprobes and USDT probes needs the helper bpf_task_pt_regs", "5.15")
	}
	g.c.useDwMaps()
	limit := stackFrames
	if st, ok := dt.(*types.Stack); ok && st.Limit > 0 {
		limit = st.Limit
	}
	e := g.e
	m := e.mark()
	defer e.release(m)
	s := dwState{
		ip: e.scratchSlot(8), sp: e.scratchSlot(8), bp: e.scratchSlot(8), bpValid: e.scratchSlot(8),
		n: e.scratchSlot(8), hash: e.scratchSlot(8), noData: e.scratchSlot(8), tgid: e.scratchSlot(8),
		pc: e.scratchSlot(8), lo: e.scratchSlot(8), hi: e.scratchSlot(8), first: e.scratchSlot(8),
		mapsKey: e.scratchSlot(DwMapsKeySize), rowsKey: e.scratchSlot(8),
		out: e.scratchSlot(8 * DwStackFrames),
	}
	// The addresses past the limit are never written: the slot after
	// it ends the stack.
	e.zero(s.out, 8*min(limit+1, DwStackFrames))
	e.emit(storeImm64(s.n.base, s.n.off, 0), storeImm64(s.noData.base, s.noData.off, 0))
	e.emit(asm.LoadImm(asm.R0, fnvOffset, asm.DWord))
	e.emit(asm.StoreMem(s.hash.base, s.hash.off, asm.R0, asm.DWord))
	e.emit(storeImm64(s.bpValid.base, s.bpValid.off, 1))
	g.storeTgid(s.tgid)
	g.dwUserRegs(s, ctxRegs)

	span := call.Span()
	frame := g.subprogram("dw_frame_cb", g.sourceLine(span), 2, span, func() {
		e.emit(asm.Mov.Reg(regCtx, asm.R2))
		g.dwFrame(s, limit, span)
	})
	e.emit(asm.Mov.Imm(asm.R1, int32(limit)))
	e.emit(funcRef(asm.R2, frame))
	e.emit(asm.Mov.Reg(asm.R3, g.frame0Reg()), asm.Mov.Imm(asm.R4, 0))
	e.call(asm.FnLoop)

	// No tables for this process: warn, and record the frame-pointer
	// stack instead.
	haveData, done := e.newLabel("dw_data"), e.newLabel("dw_done")
	e.emit(asm.LoadMem(asm.R0, s.noData.base, s.noData.off, asm.DWord))
	e.emit(asm.JEq.Imm(asm.R0, 0, haveData))
	g.runtimeError(RuntimeDwNoData, span)
	g.userStack(dst, dt)
	e.emit(asm.Ja.Label(done))

	e.place(haveData)
	e.emit(asm.LoadMem(asm.R0, s.hash.base, s.hash.off, asm.DWord))
	e.emit(asm.LSh.Imm(asm.R0, 2), asm.RSh.Imm(asm.R0, 2))
	e.emit(asm.LoadImm(asm.R1, DwStackFlag, asm.DWord), asm.Or.Reg(asm.R0, asm.R1))
	e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.DWord))
	// The key is copied to the stack: dst may be in an event record,
	// which kernels before 6.x do not take as a map key.
	key := e.stack(8)
	e.emit(asm.StoreMem(key.base, key.off, asm.R0, asm.DWord))
	e.mapPtr(asm.R1, DwStacksMap)
	e.addr(asm.R2, key)
	e.addr(asm.R3, s.out)
	e.emit(asm.Mov.Imm(asm.R4, bpfNoExist))
	e.call(asm.FnMapUpdateElem)
	g.storeTgid(dst.plus(8))
	e.place(done)
}

// bpfNoPrealloc is BPF_F_NO_PREALLOC: the tables take the memory of what
// they hold.
const bpfNoPrealloc = 1

// dwUserRegs stores the user registers ip, sp and bp in the state: from
// the context of a probe on user code, else from the task's saved user
// registers (bpf_task_pt_regs).
func (g *gen) dwUserRegs(s dwState, ctxRegs bool) {
	e := g.e
	regs := []struct {
		name string
		at   loc
	}{{"rip", s.ip}, {"rsp", s.sp}, {"rbp", s.bp}}
	if ctxRegs {
		g.ctxTo(asm.R1)
		for _, r := range regs {
			off, _, _ := stdlib.RegOffset(r.name)
			e.emit(asm.LoadMem(asm.R0, asm.R1, int16(off), asm.DWord))
			e.emit(asm.StoreMem(r.at.base, r.at.off, asm.R0, asm.DWord))
		}
		return
	}
	e.call(asm.FnGetCurrentTaskBtf)
	e.emit(asm.Mov.Reg(asm.R1, asm.R0))
	e.call(asm.FnTaskPtRegs)
	e.emit(asm.Mov.Reg(regTmp, asm.R0))
	for _, r := range regs {
		off, _, _ := stdlib.RegOffset(r.name)
		e.addr(asm.R1, r.at)
		e.emit(asm.Mov.Imm(asm.R2, 8), asm.Mov.Reg(asm.R3, regTmp), asm.Add.Imm(asm.R3, int32(off)))
		e.call(asm.FnProbeReadKernel)
	}
}

// dwFrame is the body of the frame callback (regCtx frame 0): it records
// the current address and unwinds to the caller, returning 1 (stop) when
// the stack ends or cannot be followed.
func (g *gen) dwFrame(s dwState, limit int, span diag.Span) {
	e := g.e
	stop := e.newLabel("dw_stop")
	// Record the address.
	e.emit(asm.LoadMem(asm.R1, s.n.base, s.n.off, asm.DWord))
	e.emit(asm.JGE.Imm(asm.R1, int32(min(limit, DwStackFrames)), stop))
	e.emit(asm.LoadMem(asm.R2, s.ip.base, s.ip.off, asm.DWord))
	e.emit(asm.JEq.Imm(asm.R2, 0, stop))
	e.emit(asm.Mov.Reg(asm.R3, asm.R1), asm.LSh.Imm(asm.R3, 3), asm.Add.Reg(asm.R3, regScratch))
	e.emit(asm.StoreMem(asm.R3, s.out.off, asm.R2, asm.DWord))
	e.emit(asm.Add.Imm(asm.R1, 1), asm.StoreMem(s.n.base, s.n.off, asm.R1, asm.DWord))
	e.emit(asm.LoadMem(asm.R3, s.hash.base, s.hash.off, asm.DWord))
	e.emit(asm.Xor.Reg(asm.R3, asm.R2), asm.LoadImm(asm.R4, fnvPrime, asm.DWord), asm.Mul.Reg(asm.R3, asm.R4))
	e.emit(asm.StoreMem(s.hash.base, s.hash.off, asm.R3, asm.DWord))

	// Find the mapping: (prefix 96, tgid, big-endian address).
	k := s.mapsKey
	e.emit(asm.StoreImm(k.base, k.off, DwMapsKeySize*8-32, asm.Word))
	e.emit(asm.LoadMem(asm.R3, s.tgid.base, s.tgid.off, asm.Word))
	e.emit(asm.StoreMem(k.base, k.off+4, asm.R3, asm.Word))
	e.emit(asm.Mov.Reg(asm.R3, asm.R2), asm.HostTo(asm.BE, asm.R3, asm.DWord))
	e.emit(asm.StoreMem(k.base, k.off+8, asm.R3, asm.DWord))
	e.mapPtr(asm.R1, DwMapsMap)
	e.addr(asm.R2, k)
	e.call(asm.FnMapLookupElem)
	found := e.newLabel("dw_mapped")
	e.emit(asm.JNE.Imm(asm.R0, 0, found))
	// Not even the process: no tables for it (reported for the first
	// frame only; later ones end where the tables end).
	e.emit(asm.LoadMem(asm.R1, s.n.base, s.n.off, asm.DWord))
	e.emit(asm.JNE.Imm(asm.R1, 1, stop))
	e.emit(storeImm64(s.noData.base, s.noData.off, 1))
	e.emit(asm.Ja.Label(stop))
	e.place(found)
	// pc = ip - bias, minus one in callers (inside the call).
	e.emit(asm.LoadMem(asm.R1, asm.R0, 12, asm.Word))
	e.emit(asm.JEq.Imm(asm.R1, 0, stop))
	e.emit(asm.LoadMem(asm.R2, asm.R0, 8, asm.Word))
	e.emit(asm.StoreMem(s.first.base, s.first.off, asm.R2, asm.DWord))
	e.emit(asm.StoreMem(s.lo.base, s.lo.off, asm.R2, asm.DWord))
	e.emit(asm.Add.Reg(asm.R2, asm.R1), asm.StoreMem(s.hi.base, s.hi.off, asm.R2, asm.DWord))
	e.emit(asm.LoadMem(asm.R1, s.ip.base, s.ip.off, asm.DWord))
	e.emit(asm.LoadMem(asm.R2, asm.R0, 0, asm.DWord), asm.Sub.Reg(asm.R1, asm.R2))
	inner := e.newLabel("dw_inner")
	e.emit(asm.LoadMem(asm.R2, s.n.base, s.n.off, asm.DWord))
	e.emit(asm.JEq.Imm(asm.R2, 1, inner))
	e.emit(asm.Sub.Imm(asm.R1, 1))
	e.place(inner)
	e.emit(asm.StoreMem(s.pc.base, s.pc.off, asm.R1, asm.DWord))

	// Binary search: the last row whose address is <= pc.
	bisect := g.subprogram("dw_bisect_cb", g.sourceLine(span), 2, span, func() {
		e.emit(asm.Mov.Reg(regCtx, asm.R2))
		g.dwBisect(s)
	})
	e.emit(asm.Mov.Imm(asm.R1, dwBisectSteps))
	e.emit(funcRef(asm.R2, bisect))
	e.emit(asm.Mov.Reg(asm.R3, regCtx), asm.Mov.Imm(asm.R4, 0))
	e.call(asm.FnLoop)
	e.emit(asm.LoadMem(asm.R1, s.lo.base, s.lo.off, asm.DWord))
	e.emit(asm.LoadMem(asm.R2, s.first.base, s.first.off, asm.DWord))
	e.emit(asm.JLE.Reg(asm.R1, asm.R2, stop))
	e.emit(asm.Sub.Imm(asm.R1, 1))
	g.dwRow(s, asm.R1, stop)

	// R0 is the row. The CFA, in R6's stead kept in R7 (regTmp) across
	// the reads below: R3.
	cfa, plt, rsp := e.newLabel("dw_cfa"), e.newLabel("dw_plt"), e.newLabel("dw_rsp")
	e.emit(asm.LoadMem(asm.R1, asm.R0, 4, asm.Byte))
	e.emit(asm.LoadMem(asm.R2, asm.R0, 8, asm.Word))
	e.signExtend(asm.R2, 4)
	e.emit(asm.JEq.Imm(asm.R1, DwCFARSP, rsp))
	e.emit(asm.JEq.Imm(asm.R1, DwCFAPLT, plt))
	e.emit(asm.JNE.Imm(asm.R1, DwCFARBP, stop))
	e.emit(asm.LoadMem(asm.R1, s.bpValid.base, s.bpValid.off, asm.DWord))
	e.emit(asm.JEq.Imm(asm.R1, 0, stop))
	e.emit(asm.LoadMem(asm.R3, s.bp.base, s.bp.off, asm.DWord), asm.Add.Reg(asm.R3, asm.R2))
	e.emit(asm.Ja.Label(cfa))
	e.place(rsp)
	e.emit(asm.LoadMem(asm.R3, s.sp.base, s.sp.off, asm.DWord), asm.Add.Reg(asm.R3, asm.R2))
	e.emit(asm.Ja.Label(cfa))
	e.place(plt)
	e.emit(asm.LoadMem(asm.R3, s.sp.base, s.sp.off, asm.DWord), asm.Add.Imm(asm.R3, 8))
	e.emit(asm.LoadMem(asm.R1, s.ip.base, s.ip.off, asm.DWord), asm.And.Imm(asm.R1, 15))
	e.emit(asm.JLT.Reg(asm.R1, asm.R2, cfa))
	e.emit(asm.Add.Imm(asm.R3, 8))
	e.place(cfa)
	// The rbp rule and offset go to the frame's stack, the CFA to the
	// state's sp (the caller's rsp is the CFA).
	rule, ruleOff := e.stack(8), e.stack(8)
	e.emit(asm.LoadMem(asm.R1, asm.R0, 5, asm.Byte), asm.StoreMem(rule.base, rule.off, asm.R1, asm.DWord))
	e.emit(asm.LoadMem(asm.R1, asm.R0, 12, asm.Word))
	e.signExtend(asm.R1, 4)
	e.emit(asm.StoreMem(ruleOff.base, ruleOff.off, asm.R1, asm.DWord))
	e.emit(asm.StoreMem(s.sp.base, s.sp.off, asm.R3, asm.DWord))
	// The return address, at CFA-8.
	e.addr(asm.R1, s.ip)
	e.emit(asm.Mov.Imm(asm.R2, 8), asm.Sub.Imm(asm.R3, 8))
	e.call(asm.FnProbeReadUser)
	e.emit(asm.JNE.Imm(asm.R0, 0, stop))
	// rbp.
	same, undef := e.newLabel("dw_rbp_same"), e.newLabel("dw_rbp_undef")
	e.emit(asm.LoadMem(asm.R1, rule.base, rule.off, asm.DWord))
	e.emit(asm.JEq.Imm(asm.R1, DwRBPSame, same))
	e.emit(asm.JNE.Imm(asm.R1, DwRBPAtCFA, undef))
	e.addr(asm.R1, s.bp)
	e.emit(asm.Mov.Imm(asm.R2, 8))
	e.emit(asm.LoadMem(asm.R3, s.sp.base, s.sp.off, asm.DWord))
	e.emit(asm.LoadMem(asm.R4, ruleOff.base, ruleOff.off, asm.DWord), asm.Add.Reg(asm.R3, asm.R4))
	e.call(asm.FnProbeReadUser)
	e.emit(asm.JEq.Imm(asm.R0, 0, same))
	e.place(undef)
	e.emit(storeImm64(s.bpValid.base, s.bpValid.off, 0))
	e.place(same)
	e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	returnAt(e, stop, 1)
}

// dwBisect is the body of the row search callback (regCtx frame 0): one
// halving of [lo, hi) towards the first row whose address is past pc.
func (g *gen) dwBisect(s dwState) {
	e := g.e
	stop := e.newLabel("dw_bs_stop")
	e.emit(asm.LoadMem(asm.R1, s.lo.base, s.lo.off, asm.DWord))
	e.emit(asm.LoadMem(asm.R2, s.hi.base, s.hi.off, asm.DWord))
	e.emit(asm.JGE.Reg(asm.R1, asm.R2, stop))
	e.emit(asm.Add.Reg(asm.R1, asm.R2), asm.RSh.Imm(asm.R1, 1))
	mid := e.stack(8)
	e.emit(asm.StoreMem(mid.base, mid.off, asm.R1, asm.DWord))
	g.dwRow(s, asm.R1, stop)
	e.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.Word))
	e.emit(asm.LoadMem(asm.R2, s.pc.base, s.pc.off, asm.DWord))
	e.emit(asm.LoadMem(asm.R3, mid.base, mid.off, asm.DWord))
	right := e.newLabel("dw_bs_right")
	e.emit(asm.JGT.Reg(asm.R1, asm.R2, right))
	e.emit(asm.Add.Imm(asm.R3, 1), asm.StoreMem(s.lo.base, s.lo.off, asm.R3, asm.DWord))
	e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	e.place(right)
	e.emit(asm.StoreMem(s.hi.base, s.hi.off, asm.R3, asm.DWord))
	e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	returnAt(e, stop, 1)
}

// dwRow points R0 at row idx (in register idx, clobbered) of DwRowsMap,
// going to fail when its chunk is missing.
func (g *gen) dwRow(s dwState, idx asm.Register, fail string) {
	e := g.e
	off := e.stack(8)
	e.emit(asm.Mov.Reg(asm.R3, idx), asm.And.Imm(asm.R3, DwChunkRows-1), asm.LSh.Imm(asm.R3, 4))
	e.emit(asm.StoreMem(off.base, off.off, asm.R3, asm.DWord))
	e.emit(asm.RSh.Imm(idx, DwChunkShift))
	e.emit(asm.StoreMem(s.rowsKey.base, s.rowsKey.off, idx, asm.Word))
	e.mapPtr(asm.R1, DwRowsMap)
	e.addr(asm.R2, s.rowsKey)
	e.call(asm.FnMapLookupElem)
	e.emit(asm.JEq.Imm(asm.R0, 0, fail))
	e.emit(asm.LoadMem(asm.R3, off.base, off.off, asm.DWord))
	e.emit(asm.And.Imm(asm.R3, (DwChunkRows-1)*DwRowSize))
	e.emit(asm.Add.Reg(asm.R0, asm.R3))
}

// useDwMaps adds the maps of DWARF unwinding to the object once, and the
// frame-pointer stacks' map it falls back to.
func (c *compiler) useDwMaps() {
	c.useStacks()
	if c.maps[DwStacksMap] != nil {
		return
	}
	c.addMap(&MapDef{Name: DwRowsMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "dw_rows", Type: ebpf.Hash, KeySize: 4, ValueSize: DwRowSize * DwChunkRows, MaxEntries: dwRowChunks, Flags: bpfNoPrealloc}})
	c.addMap(&MapDef{Name: DwMapsMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "dw_maps", Type: ebpf.LPMTrie, KeySize: DwMapsKeySize, ValueSize: DwMapsValueSize, MaxEntries: dwMapsEntries, Flags: bpfNoPrealloc}})
	c.addMap(&MapDef{Name: DwStacksMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "dw_stacks", Type: ebpf.Hash, KeySize: 8, ValueSize: 8 * DwStackFrames, MaxEntries: dwStacks}})
}
