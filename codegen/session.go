package codegen

import (
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Kprobe session programs.
//
// A kprobe and a kretprobe on the same functions (kprobe:F { A }
// kretprobe:F { B }, F one function or a shared wildcard) become one
// session program where the kernel has them (Linux 6.10 with kprobe-multi
// links: Options.KprobeSession), as in bpftrace: one program, one link,
// one attach per function instead of two, and the return half runs only
// for calls whose entry ran. The programs are compiled as usual and then
// joined:
//
//	r6 = r1; call bpf_session_is_return; r1 = r6
//	if r0 != 0 goto B
//	A (main part)            ; ends in exit with r0 = 0: run the return half
//	B: B (main part)
//	A's and B's subprograms
//
// The entry half must return 0 (a non-zero return would skip the return
// half); every generated program does. B's labels get a suffix so that
// they cannot clash with A's, and B loses its function start: it becomes
// code of the main function. Subprograms stay after both main parts, as
// the verifier requires.

// kfuncSessionIsReturn tells a session program's two halves apart.
const kfuncSessionIsReturn = "bpf_session_is_return"

// sessionJumpLimit bounds the entry half's size (raw slots) over which the
// prologue jumps to the return half: a 16-bit offset, with room for the
// kernel's rewrites (growth.go) inside the entry half.
const sessionJumpLimit = 16 << 10

// joinSessions replaces each kprobe program that has exactly one
// kretprobe partner on the same functions by a session program, when the
// kernel has them for those functions (opts.KprobeSession).
func (c *compiler) joinSessions() {
	if c.opts.KprobeSession == nil {
		return
	}
	progs := c.obj.Programs
	removed := map[*Program]bool{}
	for _, p := range progs {
		if p.Kind != stdlib.Kprobe || !sessionEligible(p) {
			continue
		}
		var partner *Program
		n := 0
		for _, q := range progs {
			if q.Kind == stdlib.Kretprobe && sessionEligible(q) && !removed[q] && sameFuncs(p, q) {
				partner = q
				n++
			}
		}
		if n != 1 || mainSize(p.Insns) > sessionJumpLimit {
			continue
		}
		if !c.opts.KprobeSession(append([]string{p.Target.Func}, p.MoreFuncs...)) {
			continue
		}
		p.Insns = joinSession(p.Insns, partner.Insns)
		p.Session = true
		p.AttachType = ebpf.AttachTraceKprobeSession
		p.Probe += "," + partner.Probe
		removed[partner] = true
	}
	if len(removed) > 0 {
		c.obj.Programs = slices.DeleteFunc(progs, func(p *Program) bool { return removed[p] })
	}
}

// sessionEligible reports whether p could be half of a session program:
// a kprobe or kretprobe on functions, without an offset or address.
func sessionEligible(p *Program) bool {
	return p.Target.Func != "" && p.Target.Offset == 0 && p.Target.Binary == ""
}

// sameFuncs reports whether p and q attach to the same functions.
func sameFuncs(p, q *Program) bool {
	return p.Target.Func == q.Target.Func && slices.Equal(p.MoreFuncs, q.MoreFuncs)
}

// mainSize is the raw size of insns' main function.
func mainSize(insns asm.Instructions) int {
	m, _ := splitMain(insns)
	return int(m.Size() / asm.InstructionSize)
}

// splitMain splits insns into the main function and the subprograms after
// it (each starting at an instruction with BTF function metadata).
func splitMain(insns asm.Instructions) (main, subs asm.Instructions) {
	for i := 1; i < len(insns); i++ {
		if btf.FuncMetadata(&insns[i]) != nil {
			return insns[:i], insns[i:]
		}
	}
	return insns, nil
}

// joinSession joins entry and ret, two laid-out programs, into a session
// program (see the file comment).
func joinSession(entry, ret asm.Instructions) asm.Instructions {
	// B's own symbols (labels, subprogram names) are renamed; references
	// to anything else (maps, kfuncs) are kept.
	own := map[string]bool{}
	for _, in := range ret {
		if s := in.Symbol(); s != "" {
			own[s] = true
		}
	}
	const suffix = ".ret"
	ret = slices.Clone(ret)
	for i, in := range ret {
		if s := in.Symbol(); own[s] {
			in = in.WithSymbol(s + suffix)
		}
		if r := in.Reference(); own[r] {
			in = in.WithReference(r + suffix)
		}
		ret[i] = in
	}
	retLabel := "session_return" + suffix
	entryMain, entrySubs := splitMain(entry)
	retMain, retSubs := splitMain(ret)
	fn := btf.FuncMetadata(&entryMain[0])
	prologue := asm.Instructions{
		btf.WithFuncMetadata(asm.Mov.Reg(asm.R6, asm.R1), fn).WithSource(entryMain[0].Source()),
		kfuncCall(kfuncSessionIsReturn),
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.JNE.Imm(asm.R0, 0, retLabel),
	}
	out := make(asm.Instructions, 0, len(prologue)+len(entry)+len(ret))
	out = append(out, prologue...)
	out = append(out, withoutFunc(entryMain[0]))
	out = append(out, entryMain[1:]...)
	first := withoutFunc(retMain[0])
	if s := first.Symbol(); s != "" {
		// The return half's first instruction already has a label; the
		// prologue jumps to it under the session name instead.
		retLabel = s
		out[len(prologue)-1] = asm.JNE.Imm(asm.R0, 0, retLabel)
	} else {
		first = first.WithSymbol(retLabel)
	}
	out = append(out, first)
	out = append(out, retMain[1:]...)
	out = append(out, entrySubs...)
	out = append(out, retSubs...)
	return out
}

// withoutFunc returns in without its BTF function metadata (a function's
// first instruction that is no longer one), keeping its symbol,
// reference, source and other metadata.
func withoutFunc(in asm.Instruction) asm.Instruction {
	if btf.FuncMetadata(&in) == nil {
		return in
	}
	return btf.WithFuncMetadata(in, nil)
}
