package codegen

import "github.com/cilium/ebpf/asm"

// Kernel growth.
//
// The verifier rewrites a program after checking it and before the JIT:
// helper calls such as bpf_map_lookup_elem on arrays and hashes,
// bpf_get_smp_processor_id or bpf_loop are inlined, division and modulo by
// a register get a zero check, context loads are converted. Each rewrite
// replaces one instruction by several and stretches every jump across it;
// a jump that no longer fits its int16 offset makes the load fail with
// "insn N cannot be patched due to 16-bit range". The jump layout therefore
// measures distances in reach units: an instruction's raw slots plus the
// most the kernel may add in its place (kernelGrowth), so a jump laid out
// as near still fits after the kernel's rewrites.

// kernelGrowth is an upper bound of the instructions the kernel may add
// when it rewrites in (0 for most instructions).
func kernelGrowth(in asm.Instruction) int {
	op := in.OpCode
	switch {
	case op.Class().IsJump() && op.JumpOp() == asm.Call:
		if !in.IsBuiltinCall() {
			return 4 // kfunc fixups (object allocation and the like)
		}
		switch asm.BuiltinFunc(in.Constant) {
		case asm.FnMapLookupElem:
			return 12 // array, per-CPU array and hash lookups are inlined
		case asm.FnLoop:
			return 24 // bpf_loop with a constant callback is inlined
		case asm.FnTailCall:
			return 8
		case asm.FnGetSmpProcessorId, asm.FnGetCurrentTask, asm.FnGetCurrentTaskBtf,
			asm.FnJiffies64, asm.FnGetFuncArg, asm.FnGetFuncRet, asm.FnGetFuncArgCnt, asm.FnGetFuncIp:
			return 6
		}
		return 4
	case op.Class().IsALU() && (op.ALUOp() == asm.Div || op.ALUOp() == asm.Mod) && op.Source() == asm.RegSource:
		return 8 // the zero (and signed -1) divisor checks
	case op.Class() == asm.LdXClass && (in.Src == asm.R1 || in.Src == regCtx):
		return 2 // context access conversion
	}
	return 0
}
