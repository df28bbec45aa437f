package codegen

import "github.com/cilium/ebpf/asm"

// pruneUnreachable removes instructions no path from the entry reaches.
// The verifier rejects programs with unreachable instructions, and such
// code arises naturally: statements after return, break, continue or
// exit(), the closing jump of a loop whose body always breaks, the "equal"
// arm of a comparison against a constant that cannot fit. Jumps refer to
// symbolic labels, so dropping instructions needs no offset fixing: an
// unreachable instruction is by definition the target of no reachable
// jump.
func pruneUnreachable(insns asm.Instructions) asm.Instructions {
	if len(insns) == 0 {
		return insns
	}
	labels := make(map[string]int, len(insns)/4)
	for i, ins := range insns {
		if sym := ins.Symbol(); sym != "" {
			labels[sym] = i
		}
	}
	reached := make([]bool, len(insns))
	work := []int{0}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		for i < len(insns) && !reached[i] {
			reached[i] = true
			ins := insns[i]
			op := ins.OpCode.JumpOp()
			class := ins.OpCode.Class()
			if !class.IsJump() || op == asm.Call {
				i++
				continue
			}
			if op == asm.Exit {
				break
			}
			if ref := ins.Reference(); ref != "" {
				if t, ok := labels[ref]; ok {
					work = append(work, t)
				}
			} else {
				work = append(work, i+1+int(ins.Offset))
			}
			if op == asm.Ja {
				break
			}
			i++
		}
	}
	out := insns[:0:0]
	for i, ins := range insns {
		if reached[i] {
			out = append(out, ins)
		}
	}
	return out
}
