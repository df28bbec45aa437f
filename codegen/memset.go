package codegen

import "github.com/cilium/ebpf/asm"

// clearCallMin is the size from which clearMem zeroes with a helper call
// (5 instructions) rather than with stores (one per 8 bytes).
const clearCallMin = 48

// clearMem zeroes n bytes at l, like zero, but in a constant number of
// instructions when n is large: bpf_probe_read_kernel from address 0
// fails and, by its contract, fills its destination with zeros. A
// 1,024-byte string then costs 5 instructions instead of 128, which keeps
// unrolled printfs of strings far from the program size limits. Unlike
// zero it clobbers R0–R5, and the verifier knows the bytes as initialised
// but not as zero, so it is only for buffers about to be overwritten by a
// helper (strings read with probe_read_str), never for scalars whose
// value the verifier must track.
func (e *emitter) clearMem(l loc, n int) {
	if n < clearCallMin {
		e.zero(l, n)
		return
	}
	e.addr(asm.R1, l)
	e.emit(asm.Mov.Imm(asm.R2, int32(n)), asm.Mov.Imm(asm.R3, 0))
	e.call(asm.FnProbeReadKernel)
}
