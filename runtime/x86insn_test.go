package runtime

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestX86InsnLen decodes instructions of every shape: prefixes, REX,
// ModRM with SIB and displacements, RIP-relative operands, immediates of
// each size, 0F, 0F 38 and 0F 3A maps, VEX and EVEX.
func TestX86InsnLen(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want int
	}{
		{"90", 1},                    // nop
		{"c3", 1},                    // ret
		{"f30f1efa", 4},              // endbr64
		{"55", 1},                    // push rbp
		{"4889e5", 3},                // mov rbp, rsp
		{"4883ec10", 4},              // sub rsp, 0x10
		{"4881ec00010000", 7},        // sub rsp, 0x100
		{"488b0500000000", 7},        // mov rax, [rip+0]
		{"8b442404", 4},              // mov eax, [rsp+4]
		{"8b0425e8030000", 7},        // mov eax, [0x3e8] (SIB, no base)
		{"48b8efcdab8967452301", 10}, // movabs rax, imm64
		{"b801000000", 5},            // mov eax, 1
		{"66b80100", 4},              // mov ax, 1
		{"e800000000", 5},            // call rel32
		{"7405", 2},                  // je rel8
		{"0f8400010000", 6},          // je rel32
		{"f6c101", 3},                // test cl, 1
		{"f7c100010000", 6},          // test ecx, 0x100
		{"f7d8", 2},                  // neg eax
		{"66c74424080100", 7},        // mov word [rsp+8], 1
		{"c744240801000000", 8},      // mov dword [rsp+8], 1
		{"660f1f440000", 6},          // nop word [rax+rax]
		{"662e0f1f840000000000", 10}, // cs nop word [rax+rax+0]
		{"0f1f8000000000", 7},        // nop dword [rax+0]
		{"f3480fb8c7", 5},            // popcnt rax, rdi
		{"660f3a0fc108", 6},          // palignr xmm0, xmm1, 8
		{"660f3800c1", 5},            // pshufb xmm0, xmm1
		{"c5f877", 3},                // vzeroupper
		{"c5fd6f0500000000", 8},      // vmovdqa ymm0, [rip+0]
		{"c4e37d39c101", 6},          // vextracti128 xmm1, ymm0, 1
		{"62f17d486f0500000000", 10}, // vmovdqa32 zmm0, [rip+0]
		{"62f37d4839c101", 7},        // vextracti32x4 xmm1, zmm0, 1
		{"c8100000", 4},              // enter 0x10, 0
		{"c21000", 3},                // ret 0x10
		{"a10000000000000000", 9},    // movabs eax, [moffs64]
		{"0f05", 2},                  // syscall
		{"f00fb10a", 4},              // lock cmpxchg [rdx], ecx
		{"d9ee", 2},                  // fldz
	} {
		code := mustHex(t, tc.hex)
		// Trailing bytes must not count.
		n, err := x86InsnLen(append(code, 0x90, 0x90))
		if err != nil || n != tc.want {
			t.Errorf("%s: length %d, %v; want %d", tc.hex, n, err, tc.want)
		}
		if _, err := x86InsnLen(code[:len(code)-1]); err == nil {
			t.Errorf("%s: truncated instruction decoded", tc.hex)
		}
	}
	for _, bad := range []string{"06", "0f04", "d6"} {
		if _, err := x86InsnLen(mustHex(t, bad)); err == nil {
			t.Errorf("%s: invalid opcode decoded", bad)
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for i := 0; i+1 < len(s); i += 2 {
		b, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, byte(b))
	}
	return out
}

// TestX86Boundary: offsets at instruction starts are boundaries, others
// are not.
func TestX86Boundary(t *testing.T) {
	code := mustHex(t, "f30f1efa554889e54883ec10c3") // endbr64; push; mov; sub; ret
	for off, want := range map[uint64]bool{0: true, 1: false, 4: true, 5: true, 6: false, 8: true, 12: true} {
		if got, err := x86Boundary(code, off); err != nil || got != want {
			t.Errorf("offset %d: %v, %v; want %v", off, got, err, want)
		}
	}
	if _, err := x86Boundary(code, 20); err == nil {
		t.Error("offset past the code: no error")
	}
}

// TestX86InsnLenObjdump decodes the whole .text of /bin/bash and compares
// every instruction start with objdump's disassembly.
func TestX86InsnLenObjdump(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("needs objdump")
	}
	const bin = "/bin/bash"
	f, err := elf.Open(bin)
	if err != nil || f.Machine != elf.EM_X86_64 {
		t.Skipf("no x86-64 %s", bin)
	}
	text := f.Section(".text")
	code, err := text.Data()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(objdump, "-d", "-j", ".text", "--no-show-raw-insn", bin).Output()
	if err != nil {
		t.Skipf("objdump: %v", err)
	}
	var want []uint64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		addr, rest, ok := strings.Cut(line, ":\t")
		if !ok || strings.Contains(rest, "(bad)") {
			continue
		}
		a, err := strconv.ParseUint(strings.TrimSpace(addr), 16, 64)
		if err == nil {
			want = append(want, a)
		}
	}
	// The starts are objdump's, but for the instruction after a lone
	// FWAIT (9B), which objdump merges with the x87 instruction after it.
	theirs := map[uint64]bool{}
	for _, a := range want {
		theirs[a] = true
	}
	afterWait, n := false, 0
	for pos := uint64(0); pos < uint64(len(code)); n++ {
		if addr := text.Addr + pos; !theirs[addr] && !afterWait {
			t.Fatalf("we decode an instruction at %#x, objdump does not", addr)
		}
		l, err := x86InsnLen(code[pos:])
		if err != nil {
			t.Fatalf("at %#x: %v (bytes % x)", text.Addr+pos, err, code[pos:min(len(code), int(pos)+16)])
		}
		afterWait = l == 1 && code[pos] == 0x9b
		pos += uint64(l)
	}
	if n < len(want) {
		t.Errorf("decoded %d instructions, objdump %d", n, len(want))
	}
}
