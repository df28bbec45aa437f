package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Uaddr] = callGen{scalar: genUaddr}
}

// Kernel functions (kfuncs) the generated code calls. A kfunc call is an
// instruction whose constant is the function's BTF type ID in the running
// kernel, which a pure compiler cannot know: the call carries the name as
// metadata (see KfuncName) and the loader fills in the ID.
const (
	kfuncVMANew     = "bpf_iter_task_vma_new"
	kfuncVMANext    = "bpf_iter_task_vma_next"
	kfuncVMADestroy = "bpf_iter_task_vma_destroy"
)

// kfuncKey is the instruction metadata key of a kfunc call's name.
type kfuncKey struct{}

// kfuncCall returns a call of the kernel function name.
func kfuncCall(name string) asm.Instruction {
	ins := asm.Instruction{
		OpCode:   asm.OpCode(asm.JumpClass).SetJumpOp(asm.Call),
		Src:      asm.PseudoKfuncCall,
		Constant: -1,
	}
	ins.Metadata.Set(kfuncKey{}, name)
	return ins.WithSource(asm.Comment("kfunc " + name))
}

// haveKfunc reports whether the kernel has the kfunc name
// (Options.Kfunc, asked once per name).
func (c *compiler) haveKfunc(name string) bool {
	if c.opts.Kfunc == nil {
		return true
	}
	v, ok := c.kfuncs[name]
	if !ok {
		if c.kfuncs == nil {
			c.kfuncs = map[string]bool{}
		}
		v = c.opts.Kfunc(name)
		c.kfuncs[name] = v
	}
	return v
}

// KfuncName returns the kernel function an instruction calls, or "" when
// it is not a kfunc call made by generated code. The loader sets the
// instruction's Constant to the function's BTF ID.
func KfuncName(ins *asm.Instruction) string {
	name, _ := ins.Metadata.Get(kfuncKey{}).(string)
	return name
}

// genUaddr loads the address of the symbol the checker resolved. For a
// position-independent file the symbol's offset is added to the start of
// the file's lowest mapping in the current task, found by walking the
// task's mappings with the task-VMA iterator kfuncs (Linux 6.7+) and
// matching the inode number of the mapped file; 0 when the task does not
// map the file.
func genUaddr(g *gen, call *ast.Call) {
	ua := g.inst.UserAddrs[call]
	if !ua.Relocate {
		g.loadConst(asm.R0, int64(ua.Addr))
		return
	}
	for _, name := range []string{kfuncVMANew, kfuncVMANext, kfuncVMADestroy} {
		if !g.c.haveKfunc(name) {
			panic(&compileError{span: call.Span(), code: diag.CodeUnsupported,
				msg: "uaddr() of a symbol in a position-independent file: this kernel lacks the kernel function " + name + " (Linux 6.7 or later has it)"})
		}
	}
	m := g.e.mark()
	defer g.e.release(m)
	iter := g.e.stack(8)
	base := g.e.stack(8)
	next, miss, done := g.e.newLabel("vma_next"), g.e.newLabel("vma_miss"), g.e.newLabel("vma_done")

	g.e.call(asm.FnGetCurrentTaskBtf)
	g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
	g.e.addr(asm.R1, iter)
	g.e.emit(asm.Mov.Imm(asm.R3, 0), kfuncCall(kfuncVMANew))
	// A failed start leaves the iterator empty: next returns NULL.
	g.e.place(next)
	g.e.addr(asm.R1, iter)
	g.e.emit(
		kfuncCall(kfuncVMANext),
		asm.JEq.Imm(asm.R0, 0, miss),
		asm.LoadMem(asm.R1, asm.R0, int16(ua.VMA.VMFile), asm.DWord),
		asm.JEq.Imm(asm.R1, 0, next),
		asm.LoadMem(asm.R1, asm.R1, int16(ua.VMA.FileInode), asm.DWord),
		asm.JEq.Imm(asm.R1, 0, next),
		asm.LoadMem(asm.R1, asm.R1, int16(ua.VMA.InodeIno), asm.DWord),
	)
	g.loadConst(asm.R2, int64(ua.Inode))
	g.e.emit(
		asm.JNE.Reg(asm.R1, asm.R2, next),
		// Mappings come in address order: the first one of the file is
		// its lowest.
		asm.LoadMem(asm.R0, asm.R0, int16(ua.VMA.VMStart), asm.DWord),
		asm.StoreMem(base.base, base.off, asm.R0, asm.DWord),
		asm.Ja.Label(done),
	)
	g.e.place(miss)
	g.e.emit(storeImm64(base.base, base.off, 0))
	g.e.place(done)
	g.e.addr(asm.R1, iter)
	g.e.emit(
		kfuncCall(kfuncVMADestroy),
		asm.LoadMem(asm.R0, base.base, base.off, asm.DWord),
	)
	g.loadConst(asm.R1, int64(ua.Addr))
	g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
}
