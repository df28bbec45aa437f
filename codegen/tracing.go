package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// BPF tracing programs: fentry/fexit (trampolines) and iterators.
//
// Their context is not pt_regs: for fentry/fexit it is an array of u64,
// the function's arguments and (fexit) its return value after them; the
// checker gives `args` one field per argument at offset 8*i, so argument
// reads are plain context loads of the argument's width. An iterator's
// context is struct bpf_iter__NAME; the kernel calls the program once
// more after the last object with a NULL object pointer, on which the
// program returns at once (bpftrace does the same on every context read).

// iterObjectOffset is the offset of the object pointer (task) in every
// supported struct bpf_iter__NAME, after the struct bpf_iter_meta pointer.
const iterObjectOffset = 8

// tracingPrologue emits the iterator's end-of-iteration check.
func (g *gen) tracingPrologue() {
	if g.inst.Attach.Kind != stdlib.Iter {
		return
	}
	g.e.emit(
		asm.LoadMem(asm.R0, regCtx, iterObjectOffset, asm.DWord),
		asm.JEq.Imm(asm.R0, 0, "exit"),
	)
}

// fexitRetval loads fexit's return value, stored after the arguments.
func (g *gen) fexitRetval() {
	for _, f := range g.inst.Attach.Args.Fields {
		if f.Name == check.RetvalField {
			g.e.loadInt(asm.R0, loc{regCtx, int16(f.Offset)}, f.Type.Size(), isSigned(f.Type))
			return
		}
	}
	panic(&compileError{span: g.e.span, msg: "retval: " + g.inst.Attach.Func + " returns void"})
}

// attachTo is what a tracing program is loaded against (the kernel checks
// its context accesses against that function's or iterator's BTF): the
// function of fentry/fexit, the iterator's name.
func attachTo(a *check.Attach) string {
	switch a.Kind {
	case stdlib.Fentry, stdlib.Fexit:
		return a.Func
	case stdlib.Iter:
		return a.Event
	}
	return ""
}

// iterNullCheck follows an iterator's read of an object pointer from its
// context: the kernel types it "or NULL" and allows no arithmetic on it
// before a NULL check. A NULL pointer is replaced by the plain number 0
// (the program may not simply return here: a printf may hold a ring
// buffer record), so reads through it fail as reads of address 0 do.
func (g *gen) iterNullCheck(t types.Type) {
	if _, ptr := t.(*types.Pointer); !ptr || g.inst.Attach.Kind != stdlib.Iter {
		return
	}
	ok := g.e.newLabel("iter_obj")
	g.e.emit(asm.JNE.Imm(asm.R0, 0, ok), asm.Mov.Imm(asm.R0, 0))
	g.e.place(ok)
}
