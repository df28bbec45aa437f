package codegen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"
)

// marshalled encodes insns the way the loader does (asm resolves the
// symbolic jumps) and decodes the raw slots back.
func marshalled(t *testing.T, insns asm.Instructions) []asm.Instruction {
	t.Helper()
	cp := make(asm.Instructions, len(insns))
	copy(cp, insns)
	var buf bytes.Buffer
	if err := cp.Marshal(&buf, binary.LittleEndian); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out []asm.Instruction
	r := bytes.NewReader(buf.Bytes())
	for r.Len() > 0 {
		var in asm.Instruction
		if err := in.Unmarshal(r, binary.LittleEndian, "linux"); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		out = append(out, in)
		// A dword load decodes from two slots; pad so indices are slots.
		for w := 1; w < int(in.Width()); w++ {
			out = append(out, asm.Instruction{})
		}
	}
	return out
}

// requireResolved fails unless every symbolic jump of insns is encoded
// with the offset of its label.
func requireResolved(t *testing.T, insns asm.Instructions) {
	t.Helper()
	if err := CheckJumps(insns); err != nil {
		t.Error(err)
	}
}

// interpret runs a program made of mov/add immediates, immediate
// conditional jumps, unconditional jumps and exits, and returns R0 and
// R5 at exit. Symbolic jumps go to their label, literal ones by offset
// (in slots; the test programs have no dword loads).
func interpret(t *testing.T, insns []asm.Instruction, symbolic bool, regs [11]int64) (int64, int64) {
	t.Helper()
	labels := map[string]int{}
	for i, in := range insns {
		if s := in.Symbol(); s != "" && symbolic {
			labels[s] = i
		}
	}
	pc := 0
	for steps := 0; steps < 10_000_000; steps++ {
		if pc < 0 || pc >= len(insns) {
			t.Fatalf("pc %d out of the program", pc)
		}
		in := insns[pc]
		op := in.OpCode
		switch {
		case op == asm.Mov.Imm(asm.R0, 0).OpCode:
			regs[in.Dst] = in.Constant
		case op == asm.Add.Imm(asm.R0, 0).OpCode:
			regs[in.Dst] += in.Constant
		case op.JumpOp() == asm.Exit:
			return regs[0], regs[5]
		case op.Class().IsJump():
			taken := false
			v, c := regs[in.Dst], in.Constant
			switch op.JumpOp() {
			case asm.Ja:
				taken = true
			case asm.JEq:
				taken = v == c
			case asm.JNE:
				taken = v != c
			case asm.JGT:
				taken = uint64(v) > uint64(c)
			case asm.JLE:
				taken = uint64(v) <= uint64(c)
			case asm.JSet:
				taken = v&c != 0
			default:
				t.Fatalf("interpret: unsupported %v", in)
			}
			if !taken {
				break
			}
			if ref := in.Reference(); symbolic && ref != "" {
				pc = labels[ref]
				continue
			}
			d := int(in.Offset)
			if op.Class() == asm.Jump32Class && op.JumpOp() == asm.Ja {
				d = int(in.Constant)
			}
			pc += 1 + d
			continue
		default:
			t.Fatalf("interpret: unsupported %v", in)
		}
		pc++
	}
	t.Fatal("interpret: no exit")
	return 0, 0
}

// filler is n instructions that count in R5.
func filler(n int) asm.Instructions {
	out := make(asm.Instructions, n)
	for i := range out {
		out[i] = asm.Add.Imm(asm.R5, 1)
	}
	return out
}

func seq(parts ...any) asm.Instructions {
	var out asm.Instructions
	for _, p := range parts {
		switch p := p.(type) {
		case asm.Instruction:
			out = append(out, p)
		case asm.Instructions:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("seq: %T", p))
		}
	}
	return out
}

// farExits has unconditional jumps to a label 180,000 instructions away.
func farExits() asm.Instructions {
	return seq(
		asm.Mov.Imm(asm.R5, 0),
		asm.JEq.Imm(asm.R1, 0, "a"),
		asm.JEq.Imm(asm.R1, 1, "b"),
		filler(5), asm.Ja.Label("end"),
		labelled("a", filler(100_000)),
		asm.Mov.Imm(asm.R0, 7), asm.Ja.Label("end"),
		asm.Mov.Imm(asm.R0, 8).WithSymbol("b"), asm.Ja.Label("end"),
		filler(80_000),
		asm.Return().WithSymbol("end"),
	)
}

// labelled puts label on the first instruction of insns.
func labelled(label string, insns asm.Instructions) asm.Instructions {
	insns[0] = insns[0].WithSymbol(label)
	return insns
}

// TestFarJumps lays out programs whose jumps span more than an int16
// offset and checks that every jump is encoded correctly and that the
// laid-out program computes what the symbolic one does, for each input.
func TestFarJumps(t *testing.T) {
	epilogue := asm.Instructions{asm.Mov.Imm(asm.R0, 0).WithSymbol("exit"), asm.Return()}
	cases := []struct {
		name string
		prog func() asm.Instructions
		r1   []int64
		// long: gotol allowed; max: the most instructions the layout may
		// add.
		long bool
		max  int
	}{
		{"if over a long body", func() asm.Instructions {
			return seq(
				asm.Mov.Imm(asm.R5, 0),
				asm.JNE.Imm(asm.R1, 1, "else"),
				filler(70_000),
				asm.Mov.Imm(asm.R0, 1), asm.Ja.Label("end"),
				asm.Mov.Imm(asm.R0, 2).WithSymbol("else"),
				asm.Return().WithSymbol("end"),
			)
		}, []int64{0, 1}, false, 10},
		{"jset over a long body", func() asm.Instructions {
			return seq(
				asm.Mov.Imm(asm.R5, 0),
				asm.JSet.Imm(asm.R1, 2, "else"),
				filler(40_000),
				asm.Mov.Imm(asm.R0, 1), asm.Return(),
				asm.Mov.Imm(asm.R0, 2).WithSymbol("else"),
				asm.Return(),
			)
		}, []int64{0, 2, 3}, false, 10},
		{"predicate to the epilogue", func() asm.Instructions {
			return seq(
				asm.Mov.Imm(asm.R5, 0),
				asm.JEq.Imm(asm.R1, 0, "exit"),
				filler(100_000),
				asm.Ja.Label("exit"),
				epilogue,
			)
		}, []int64{0, 1}, false, 3},
		{"far unconditional jumps through islands", farExits, []int64{0, 1, 2}, false, 40},
		{"the same with gotol", farExits, []int64{0, 1, 2}, true, 4},
		{"backward jump of a long loop", func() asm.Instructions {
			return seq(
				asm.Mov.Imm(asm.R5, 0),
				asm.Mov.Imm(asm.R2, 0),
				asm.Add.Imm(asm.R2, 1).WithSymbol("loop"),
				asm.JGT.Imm(asm.R2, 3, "done"),
				filler(50_000),
				asm.JEq.Imm(asm.R1, 0, "loop"),
				asm.Ja.Label("loop"),
				asm.Mov.Imm(asm.R0, 5).WithSymbol("done"),
				asm.Return(),
			)
		}, []int64{0, 1}, false, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := tc.prog()
			probed := 0
			out, err := layoutJumps(tc.prog(), func() bool { probed++; return tc.long })
			if err != nil {
				t.Fatal(err)
			}
			if probed > 1 {
				t.Errorf("the gotol probe ran %d times", probed)
			}
			if added := len(out) - len(orig); added > tc.max {
				t.Errorf("the layout added %d instructions, want at most %d", added, tc.max)
			}
			requireResolved(t, out)
			raw := marshalled(t, out)
			for _, r1 := range tc.r1 {
				var regs [11]int64
				regs[1] = r1
				want0, want5 := interpret(t, orig, true, regs)
				got0, got5 := interpret(t, raw, false, regs)
				if got0 != want0 || got5 != want5 {
					t.Errorf("r1=%d: r0=%d r5=%d, want r0=%d r5=%d", r1, got0, got5, want0, want5)
				}
			}
		})
	}
}

// TestLongIfCompiles compiles an if statement whose body is longer than
// an int16 jump can span (a wrapped offset used to land inside the body)
// and checks every jump of the program.
func TestLongIfCompiles(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN { $x = 0; if (pid == 1) {\n")
	for i := range 23_000 {
		fmt.Fprintf(&b, "  $x = $x + %d;\n", i)
	}
	b.WriteString("  @r = $x;\n} else {\n  @r = 2;\n}\n}\n")
	obj, diags, src := CompileScript(t, b.String(), nil)
	if diags.HasErrors() {
		t.Fatalf("compile:\n%s", src.Render(diags))
	}
	insns := obj.Programs[0].Insns
	if n := len(insns); n < 1<<16 {
		t.Fatalf("the test program has %d instructions; it needs more than 65536 to wrap a jump", n)
	}
	requireResolved(t, insns)
}

// TestProgramTooLarge checks that a program over the kernel's size limit
// is a positioned error.
func TestProgramTooLarge(t *testing.T) {
	_, diags, src := CompileScript(t, `BEGIN { $i = 0; unroll(100) { unroll(100) { unroll(100) { $i = $i + 1; } } } }`, nil)
	if !diags.HasErrors() {
		t.Fatal("compiled a program of more than a million instructions")
	}
	text := src.Render(diags)
	if !strings.Contains(text, "program too large") || !strings.Contains(text, "stdin:1:") {
		t.Errorf("diagnostic:\n%s", text)
	}
}
