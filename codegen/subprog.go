package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Subprograms.
//
// A program may carry BPF functions besides its main one: the callbacks
// that bpf_loop and bpf_for_each_map_elem call (loops.go), later the
// targets of bpf-to-bpf calls. They are compiled by the same gen and
// emitter as the main function, into instruction lists of their own, and
// placed after the main function in Program.Insns, as the verifier
// requires. The first instruction of each has the subprogram's name as its
// symbol and BTF function metadata (static linkage), so that:
//
//   - cilium/ebpf resolves references to it (funcRef: a 64-bit immediate
//     load with source register BPF_PSEUDO_FUNC, or a bpf-to-bpf call)
//     when it marshals the program;
//   - the kernel gets one func_info record per function, which it requires
//     of every function once one has one (the main function has one for
//     its line info);
//   - splitMain (session.go) tells the main function from the others.
//
// Labels are unique across the whole program (one emitter counter), and a
// jump never leaves its function: each function is pruned and laid out
// on its own (finishSubprogs). Every function needs BTF line info at its
// first instruction when the program has line info, so a subprogram
// starts with a source comment.

// subprog is a compiled subprogram.
type subprog struct {
	name  string
	nargs int
	insns asm.Instructions
	// span is the construct the subprogram compiles, for errors; parent
	// is the index in gen.subs of the function that calls it (-1: the
	// main function); depth is its stack frame's size.
	span   diag.Span
	parent int
	depth  int
}

// funcRef loads the address of subprogram name into dst
// (BPF_LD_IMM64 with BPF_PSEUDO_FUNC), the callback argument of helpers
// such as bpf_loop.
func funcRef(dst asm.Register, name string) asm.Instruction {
	return asm.Instruction{
		OpCode:   asm.LoadImmOp(asm.DWord),
		Dst:      dst,
		Src:      asm.PseudoFunc,
		Constant: -1,
	}.WithReference(name)
}

// subprogram compiles a new function of nargs arguments (R1 to R5 at its
// entry) whose body body emits, and returns its name; span is what it
// compiles, for errors. The emitter's instructions, pending label,
// comment and stack are set aside meanwhile, so a subprogram may be
// compiled in the middle of another function; it has a stack frame of
// its own (see loops.go for how callbacks reach the main function's).
func (g *gen) subprogram(prefix, comment string, nargs int, span diag.Span, body func()) string {
	e := g.e
	name := e.newLabel(prefix)
	insns, pending, cmt, sp, maxSP := e.insns, e.pending, e.comment, e.sp, e.maxSP
	e.insns, e.pending, e.comment, e.sp, e.maxSP = nil, name, comment, 0, 0
	index := len(g.subs)
	g.subs = append(g.subs, subprog{name: name, nargs: nargs, span: span, parent: g.sub})
	parent := g.sub
	g.sub = index
	body()
	if e.pending != "" {
		// A label at the very end: nothing jumps there that is not
		// followed by code, but keep the function well formed.
		e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
	g.subs[index].insns, g.subs[index].depth = e.insns, e.maxSP
	g.sub = parent
	e.insns, e.pending, e.comment, e.sp, e.maxSP = insns, pending, cmt, sp, maxSP
	return name
}

// frameSize is the stack the verifier counts for a frame of n bytes: it
// rounds each frame up (to 16 bytes with the JIT, 32 without).
func frameSize(n int) int { return (max(n, 1) + 31) &^ 31 }

// checkFrames stops the compilation when a chain of calls needs more
// than the 512 bytes of stack the verifier allows all its frames
// together: the main function's (mainDepth) and those of the subprograms
// it calls, nested.
func (g *gen) checkFrames(mainDepth int) {
	chain := make([]int, len(g.subs))
	for i, s := range g.subs {
		// A subprogram is appended before the ones it calls, so its
		// parent's chain is known.
		below := frameSize(mainDepth)
		if s.parent >= 0 {
			below = chain[s.parent]
		}
		chain[i] = below + frameSize(s.depth)
		if chain[i] > maxStack {
			panic(&compileError{span: s.span, msg: fmt.Sprintf("BPF stack limit exceeded: this loop's body needs %d bytes of stack on top of the %d its callers use, more than the %d available to them together", frameSize(s.depth), below, maxStack)})
		}
	}
}

// finishSubprogs prunes and lays out each subprogram and appends them to
// the main function's instructions. prologue, when not nil, returns
// instructions inserted at the start of every subprogram, after its first
// instruction.
func (g *gen) finishSubprogs(main asm.Instructions, prologue func() asm.Instructions) (asm.Instructions, error) {
	g.checkFrames(g.e.maxSP)
	out := main
	for _, s := range g.subs {
		insns := s.insns
		if prologue != nil {
			if extra := prologue(); len(extra) > 0 {
				withExtra := make(asm.Instructions, 0, len(insns)+len(extra))
				withExtra = append(withExtra, insns[0])
				withExtra = append(withExtra, extra...)
				insns = append(withExtra, insns[1:]...)
			}
		}
		insns, err := layoutJumps(pruneUnreachable(insns), g.c.opts.LongJumps)
		if err != nil {
			return nil, err
		}
		insns[0] = btf.WithFuncMetadata(insns[0], subprogFunc(s.name, s.nargs))
		out = append(out, insns...)
	}
	return out, nil
}

// subprogFunc is the BTF function of a subprogram: static, nargs 64-bit
// arguments, a 64-bit result.
func subprogFunc(name string, nargs int) *btf.Func {
	u64 := &btf.Int{Name: "unsigned long long", Size: 8}
	params := make([]btf.FuncParam, nargs)
	for i := range params {
		params[i] = btf.FuncParam{Name: string(rune('a' + i)), Type: u64}
	}
	return &btf.Func{
		Name:    name,
		Type:    &btf.FuncProto{Return: &btf.Int{Name: "long long", Size: 8, Encoding: btf.Signed}, Params: params},
		Linkage: btf.StaticFunc,
	}
}
