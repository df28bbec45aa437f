package stdlib

import "strconv"

// ptRegs maps the x86-64 register names of struct pt_regs (the 64-bit
// names and the kernel's field names) to their offsets in it.
var ptRegs = map[string]int{
	"r15": 0, "r14": 8, "r13": 16, "r12": 24, "rbp": 32, "rbx": 40,
	"r11": 48, "r10": 56, "r9": 64, "r8": 72, "rax": 80, "rcx": 88,
	"rdx": 96, "rsi": 104, "rdi": 112, "orig_ax": 120, "orig_rax": 120,
	"rip": 128, "cs": 136, "flags": 144, "eflags": 144, "rsp": 152, "ss": 160,
}

// regAliases maps the 32-, 16- and 8-bit register names, and the short
// names bpftrace's reg() takes ("ax", "ip", "sp" …), to the 64-bit
// register that holds them.
var regAliases = func() map[string]string {
	m := map[string]string{}
	for _, r := range []string{"ax", "bx", "cx", "dx"} {
		full := "r" + r
		m["e"+r], m[r], m[r[:1]+"l"], m[r[:1]+"h"] = full, full, full, full
	}
	for _, r := range []string{"si", "di", "bp", "sp"} {
		full := "r" + r
		m["e"+r], m[r], m[r+"l"] = full, full, full
	}
	// bpftrace names the instruction pointer "pc" on every architecture.
	m["eip"], m["ip"], m["pc"] = "rip", "rip", "rip"
	for i := 8; i <= 15; i++ {
		full := "r" + strconv.Itoa(i)
		m[full+"d"], m[full+"w"], m[full+"b"] = full, full, full
	}
	return m
}()

// RegOffset returns the offset in x86-64 struct pt_regs of the register
// holding name (any width: "rax", "eax", "ax", "al", "ah" …), and whether
// name is a high byte register (ah, bh, ch, dh: bits 8–15).
func RegOffset(name string) (off int, high, ok bool) {
	if o, ok := ptRegs[name]; ok {
		return o, false, true
	}
	full, ok := regAliases[name]
	if !ok {
		return 0, false, false
	}
	return ptRegs[full], len(name) == 2 && name[1] == 'h', true
}
