package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Register discipline (see the package doc):
//
//	R0       expression results, helper return values
//	R1–R5    helper arguments and short-lived temporaries
//	R6       the probe context, saved at entry
//	R7       a short-lived callee-saved value (a map value pointer while it
//	         is updated); never held across the evaluation of a
//	         sub-expression
//	R8       the program's per-CPU scratch area, for values too big for
//	         the stack (set in the prologue of programs that need it)
//	R9       the reserved ring-buffer record while an event is built
//	R10      frame pointer; every other value lives in a stack slot
const (
	regCtx     = asm.R6
	regTmp     = asm.R7
	regScratch = asm.R8
	regRecord  = asm.R9
)

// scratchThreshold is the default size above which a value lives in the
// scratch area instead of on the 512-byte stack (config on_stack_limit).
const scratchThreshold = check.DefaultOnStackLimit

// maxScratch is the size of one program's scratch area (the per-CPU map
// value size limit is 32 KiB).
const maxScratch = 32 << 10

// maxStack is the BPF stack limit.
const maxStack = 512

// maxInsns is the verifier's limit on the size of a program.
const maxInsns = 1_000_000

// compileError aborts the compilation of one program with a positioned
// message; it is raised with panic and recovered in Compile.
type compileError struct {
	span diag.Span
	msg  string
	code diag.Code // empty: diag.CodeStack
}

// emitter accumulates the instructions of one program.
type emitter struct {
	insns   asm.Instructions
	labels  int
	pending string // label waiting for the next instruction
	comment string // source comment for the next instruction

	sp    int // bytes of stack in use
	maxSP int
	// scratch is the bytes of scratch area in use (see slot).
	scratch, maxScratch int
	// stackLimit is the largest value slot puts on the stack.
	stackLimit int
	// spanOf is the node being compiled, for stack-overflow errors.
	span diag.Span
}

func (e *emitter) emit(ins ...asm.Instruction) {
	if len(e.insns) > maxInsns {
		panic(&compileError{span: e.span, msg: fmt.Sprintf("program too large: more than %d BPF instructions (check nested unroll counts)", maxInsns)})
	}
	for _, in := range ins {
		if e.pending != "" {
			in = in.WithSymbol(e.pending)
			e.pending = ""
		}
		if e.comment != "" {
			in = in.WithSource(asm.Comment(e.comment))
			e.comment = ""
		}
		e.insns = append(e.insns, in)
	}
}

// newLabel returns a fresh label name.
func (e *emitter) newLabel(prefix string) string {
	e.labels++
	return fmt.Sprintf("%s_%d", prefix, e.labels)
}

// place binds label to the next emitted instruction.
func (e *emitter) place(label string) {
	if e.pending != "" {
		// Two labels on one spot: bind the first to a no-op jump.
		e.emit(asm.Ja.Label(label))
		// The jump targets the second label, which is placed right after:
		// a no-op.
	}
	e.pending = label
}

// alloc reserves n bytes (rounded up to 8) of stack and returns the offset
// from R10 (negative).
func (e *emitter) alloc(n int) int16 {
	n = (n + 7) &^ 7
	e.sp += n
	if e.sp > e.maxSP {
		e.maxSP = e.sp
	}
	if e.sp > maxStack {
		panic(&compileError{span: e.span, msg: fmt.Sprintf("BPF stack limit exceeded: this expression needs %d bytes of stack, more than the %d available", e.sp, maxStack)})
	}
	return int16(-e.sp)
}

// slot reserves n bytes for a value: on the stack when small, in the
// program's per-CPU scratch area otherwise. Scalars (8 bytes or less)
// always stay on the stack: the verifier tracks their values there, which
// it must do to prove that loops end.
func (e *emitter) slot(n int) loc {
	if n <= e.stackLimit || n <= 8 {
		return e.stack(n)
	}
	return e.scratchSlot(n)
}

// scratchSlot allocates n bytes in the scratch area, whatever their size:
// for values that callbacks in other frames read through R8.
func (e *emitter) scratchSlot(n int) loc {
	n = (n + 7) &^ 7
	off := e.scratch
	e.scratch += n
	if e.scratch > e.maxScratch {
		e.maxScratch = e.scratch
	}
	if e.scratch > maxScratch {
		panic(&compileError{span: e.span, msg: fmt.Sprintf("values too large: this program needs %d bytes of scratch space, more than the %d available", e.scratch, maxScratch)})
	}
	return loc{regScratch, int16(off)}
}

// mark is an allocation state of the stack and the scratch area.
type mark struct{ sp, scratch int }

// mark returns the current allocation state; release frees everything
// allocated since.
func (e *emitter) mark() mark { return mark{e.sp, e.scratch} }

func (e *emitter) release(m mark) { e.sp, e.scratch = m.sp, m.scratch }

// loc is a memory location: base register plus offset.
type loc struct {
	base asm.Register
	off  int16
}

// stack reserves n bytes of stack (see alloc) and returns their location.
// Values that must stay on the stack (the verifier tracks scalars there)
// use it instead of slot. (Each function has its own frame; loop callbacks
// reach the main function's through gen.frame0.)
func (e *emitter) stack(n int) loc { return loc{asm.R10, e.alloc(n)} }

// onStack reports whether l is a location on the stack.
func (e *emitter) onStack(l loc) bool { return l.base == asm.R10 }

func (l loc) plus(n int) loc { return loc{l.base, l.off + int16(n)} }

// addr puts the address of l in dst.
func (e *emitter) addr(dst asm.Register, l loc) {
	e.emit(asm.Mov.Reg(dst, l.base))
	if l.off != 0 {
		e.emit(asm.Add.Imm(dst, int32(l.off)))
	}
}

// chunk returns the widest access size (8, 4, 2 or 1 bytes) that fits in
// n remaining bytes and keeps the absolute offset off aligned, as the
// verifier requires for stack accesses.
func chunk(off int16, n int) int {
	for _, c := range []int{8, 4, 2} {
		if n >= c && int(off)%c == 0 {
			return c
		}
	}
	return 1
}

// zero clears n bytes at l.
func (e *emitter) zero(l loc, n int) {
	for i := 0; i < n; {
		off := l.off + int16(i)
		c := chunk(off, n-i)
		if c == 8 {
			e.emit(storeImm64(l.base, off, 0))
		} else {
			e.emit(asm.StoreImm(l.base, off, 0, sizeOf(c)))
		}
		i += c
	}
}

// copyMem copies n bytes from src to dst using R1 as a temporary. src and
// dst must not use R1 as base.
func (e *emitter) copyMem(dst, src loc, n int) {
	for i := 0; i < n; {
		c := min(chunk(dst.off+int16(i), n-i), chunk(src.off+int16(i), n-i))
		e.emit(asm.LoadMem(asm.R1, src.base, src.off+int16(i), sizeOf(c)))
		e.emit(asm.StoreMem(dst.base, dst.off+int16(i), asm.R1, sizeOf(c)))
		i += c
	}
}

// storeBytes writes the constant bytes b at l.
func (e *emitter) storeBytes(l loc, b []byte) {
	for i := 0; i < len(b); {
		off := l.off + int16(i)
		c := chunk(off, len(b)-i)
		var v uint64
		for j := c - 1; j >= 0; j-- {
			v = v<<8 | uint64(b[i+j])
		}
		switch c {
		case 8:
			e.emit(asm.LoadImm(asm.R1, int64(v), asm.DWord))
			e.emit(asm.StoreMem(l.base, off, asm.R1, asm.DWord))
		case 4:
			e.emit(asm.StoreImm(l.base, off, int64(int32(uint32(v))), asm.Word))
		default:
			e.emit(asm.StoreImm(l.base, off, int64(v), sizeOf(c)))
		}
		i += c
	}
}

// sizeOf returns the asm size for an integer of n bytes.
func sizeOf(n int) asm.Size {
	switch n {
	case 1:
		return asm.Byte
	case 2:
		return asm.Half
	case 4:
		return asm.Word
	}
	return asm.DWord
}

// loadInt loads an integer of n bytes at l into dst, sign-extending when
// signed.
func (e *emitter) loadInt(dst asm.Register, l loc, n int, signed bool) {
	e.emit(asm.LoadMem(dst, l.base, l.off, sizeOf(n)))
	if signed && n < 8 {
		e.signExtend(dst, n)
	}
}

// signExtend sign-extends the low n bytes of r.
func (e *emitter) signExtend(r asm.Register, n int) {
	shift := int32(64 - 8*n)
	e.emit(asm.LSh.Imm(r, shift), asm.ArSh.Imm(r, shift))
}

// truncate keeps the low n bytes of r, sign-extending when signed.
func (e *emitter) truncate(r asm.Register, n int, signed bool) {
	if n >= 8 {
		return
	}
	if signed {
		e.signExtend(r, n)
		return
	}
	shift := int32(64 - 8*n)
	e.emit(asm.LSh.Imm(r, shift), asm.RSh.Imm(r, shift))
}

// call emits a helper call.
func (e *emitter) call(fn asm.BuiltinFunc) {
	e.emit(fn.Call())
}

// mapPtr loads the address of a map into dst.
func (e *emitter) mapPtr(dst asm.Register, name string) {
	e.emit(asm.LoadMapPtr(dst, 0).WithReference(name))
}

// storeImm64 emits `*(u64 *)(dst + off) = imm` (the immediate is a
// sign-extended 32-bit value). cilium/ebpf's asm.StoreImm refuses the
// DWord size although the kernel accepts BPF_ST|BPF_MEM|BPF_DW.
func storeImm64(dst asm.Register, off int16, imm int64) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(asm.DWord), Dst: dst, Offset: off, Constant: imm}
}
