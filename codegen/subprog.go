package codegen

import (
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
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
// entry) whose body body emits, and returns its name. The emitter's
// instructions, pending label and comment are set aside meanwhile, so a
// subprogram may be compiled in the middle of another function; its
// stack allocations continue those of the caller (see loops.go for how
// callbacks share the main function's frame).
func (g *gen) subprogram(prefix, comment string, nargs int, body func()) string {
	e := g.e
	name := e.newLabel(prefix)
	insns, pending, cmt := e.insns, e.pending, e.comment
	e.insns, e.pending, e.comment = nil, name, comment
	body()
	if e.pending != "" {
		// A label at the very end: nothing jumps there that is not
		// followed by code, but keep the function well formed.
		e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
	g.subs = append(g.subs, subprog{name: name, nargs: nargs, insns: e.insns})
	e.insns, e.pending, e.comment = insns, pending, cmt
	return name
}

// finishSubprogs prunes and lays out each subprogram and appends them to
// the main function's instructions. prologue, when not nil, returns
// instructions inserted at the start of every subprogram, after its first
// instruction.
func (g *gen) finishSubprogs(main asm.Instructions, prologue func() asm.Instructions) (asm.Instructions, error) {
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
