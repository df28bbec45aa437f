//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
)

// Verifier logs captured on Linux 6.18 from gobpftrace programs (the
// instruction lines trimmed).
var (
	logEndlessLoop = []string{
		"0: R1=ctx() R10=fp0",
		"; line 1: BEGIN @ :0",
		"0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()",
		"4: (b7) r0 = 1                        ; R0=1",
		"5: (15) if r0 == 0x0 goto pc+1        ; R0=1",
		"6: (05) goto pc-3",
		"infinite loop detected at insn 4",
		"cur state: R0=1 R1=ctx() R6=ctx() R10=fp0 fp-8=0",
		"old state: R0=1 R1=ctx() R6=ctx() R10=fp0 fp-8=0",
		"processed 11 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0",
	}
	logTooComplex = []string{
		"5: (15) if r0 == 0x0 goto pc+6        ; R0=1",
		"6: (79) r0 = *(u64 *)(r10 -8)         ; R0=0x1e847 R10=fp0 fp-8=0x1e847",
		"7: (bf) r2 = r0",
		"BPF program is too large. Processed 1000001 insn",
		"processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 12501 peak_states 12501 mark_read 0",
	}
	logTooManyMaps = []string{
		"The total number of maps per program has reached the limit of 64",
		"processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
	}
	logJumpSequence = []string{
		"32771: (7b) *(u64 *)(r10 -8) = r0     ; R0=1 R10=fp0 fp-8=1",
		"32772: (85) call bpf_ktime_get_boot_ns#125    ; R0=scalar()",
		"32773: (55) if r0 != 0x2000 goto pc+2",
		"The sequence of 8193 jumps is too complex.",
		"processed 32774 insns (limit 1000000) max_states_per_insn 0 total_states 4096 peak_states 4096 mark_read 0",
	}
	logForbiddenHelper = []string{
		"3: (b7) r0 = 1",
		"4: (85) call bpf_probe_write_user#36",
		"program of this type cannot use helper bpf_probe_write_user#36",
		"processed 5 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
	}
	// logHelperNotAllowed is bpf_d_path outside the kernel's allowlist
	// (Linux 6.12, fentry:vfs_read).
	logHelperNotAllowed = []string{
		"3: (bf) r2 = r10",
		"4: (85) call bpf_d_path#147",
		"helper call is not allowed in probe",
		"processed 5 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
	}
	// logUnknownHelper was captured on Linux 6.1 (no
	// CONFIG_BPF_KPROBE_OVERRIDE).
	logUnknownHelper = []string{
		"4: (85) call bpf_override_return#58",
		"unknown func bpf_override_return#58",
		"processed 5 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
	}
	logBug = []string{
		"0: R1=ctx() R10=fp0",
		"0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()",
		"1: (79) r0 = *(u64 *)(r10 -8)",
		"invalid read from stack R10 off=-8 size=8",
		"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
	}
)

// commented is a program whose instructions 0–2 come from line 1
// ("BEGIN"), 3 from line 2 and 4–9 from line 3 of a script.
func commented() *codegen.Program {
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1).WithSource(asm.Comment("line 1: BEGIN")),
		asm.LoadImm(asm.R0, 0, asm.DWord), // two slots: 1 and 2
		asm.Mov.Imm(asm.R0, 0).WithSource(asm.Comment("line 2: $i = 0")),
		asm.Mov.Imm(asm.R0, 1).WithSource(asm.Comment("line 3: while (1) { …")).WithSymbol("loop"),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Ja.Label("loop"),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
	return &codegen.Program{Insns: insns, Span: diag.Span{Start: 0, End: 5}}
}

func TestExplainVerifierError(t *testing.T) {
	src := diag.NewSource("s.bt", "BEGIN {\n  $i = 0;\n  while (1) { }\n}\n")
	for _, tc := range []struct {
		name  string
		log   []string
		limit bool
		msg   string
		line  int
		span  string
	}{
		{"endless loop", logEndlessLoop, true, "infinite loop", 3, "while (1) {"},
		{"too complex", logTooComplex, true, "program too complex: the kernel verifier gave up after exploring 1000001 instructions", 3, "while (1) {"},
		{"too many maps", logTooManyMaps, true, "too many maps: a BPF program may use at most 64 maps", 0, "BEGIN"},
		{"jump sequence", logJumpSequence, true, "more conditional jumps than the kernel verifier follows (8193; the limit is 8,192)", 3, "while (1) {"},
		{"forbidden helper", logForbiddenHelper, true, "the kernel does not allow the helper bpf_probe_write_user in this probe", 3, "while (1) {"},
		{"helper not allowed", logHelperNotAllowed, true, "helper bpf_d_path not allowed in probe", 3, "while (1) {"},
		{"unknown helper", logUnknownHelper, true, "this kernel lacks the helper bpf_override_return", 3, "while (1) {"},
		{"a bug", logBug, false, "the kernel verifier rejected the program", 1, "BEGIN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ExplainVerifierError(commented(), &ebpf.VerifierError{Log: tc.log})
			if r.Limit != tc.limit || !strings.Contains(r.Msg, tc.msg) {
				t.Errorf("limit %v msg %q, want limit %v msg containing %q", r.Limit, r.Msg, tc.limit, tc.msg)
			}
			if r.Limit && r.Hint == "" {
				t.Error("a script limit without a hint")
			}
			if r.Line != tc.line {
				t.Errorf("line %d, want %d", r.Line, tc.line)
			}
			span := r.Span(src)
			if got := src.Text[span.Start:span.End]; got != tc.span {
				t.Errorf("span %q, want %q", got, tc.span)
			}
		})
	}
}

// TestExplainTooManyMapsWithoutMessage: 5.10 and 6.1 reject a program
// using 65 maps with E2BIG and an empty log (only "processed 0 insns"); it
// was reported as a gobpftrace bug. The maps the program references tell.
func TestExplainTooManyMapsWithoutMessage(t *testing.T) {
	emptyLog := []string{"processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"}
	program := func(maps int) *codegen.Program {
		var insns asm.Instructions
		for i := range maps {
			insns = append(insns, asm.LoadMapPtr(asm.R1, 0).WithReference(fmt.Sprintf("@m%d", i)),
				asm.LoadMapPtr(asm.R2, 0).WithReference(fmt.Sprintf("@m%d", i)))
		}
		return &codegen.Program{Insns: append(insns, asm.Mov.Imm(asm.R0, 0), asm.Return())}
	}
	for _, tc := range []struct {
		maps  int
		cause error
		limit bool
	}{
		{65, fmt.Errorf("load program: %w", unix.E2BIG), true},
		{64, fmt.Errorf("load program: %w", unix.E2BIG), false},
		{65, fmt.Errorf("load program: %w", unix.EACCES), false},
	} {
		r := ExplainVerifierError(program(tc.maps), &ebpf.VerifierError{Cause: tc.cause, Log: emptyLog})
		if r.Limit != tc.limit || tc.limit && !strings.HasPrefix(r.Msg, "too many maps: ") {
			t.Errorf("%d maps, %v: limit %v msg %q, want limit %v", tc.maps, tc.cause, r.Limit, r.Msg, tc.limit)
		}
	}
}

// TestRejectionLogOnEFAULT: on 5.10 and 6.1 a path with more than 8,192
// conditional jumps is refused with EFAULT, which cilium/ebpf returns
// without the log ("hit verifier bug …"), so the script limit was reported
// as an unexplained failure. The rejection is loaded again for its log.
func TestRejectionLogOnEFAULT(t *testing.T) {
	requireRoot(t)
	spec := &ebpf.ProgramSpec{Type: ebpf.RawTracepoint, License: "GPL", Instructions: asm.Instructions{
		asm.Return(), // R0 was never set
	}}
	efault := fmt.Errorf("load program: %w (hit verifier bug, increase LogSizeStart to fit the log and check dmesg)", unix.EFAULT)
	err := withRejectionLog(spec, efault)
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) || !errors.Is(err, unix.EFAULT) {
		t.Fatalf("error %v, want a verifier error with EFAULT", err)
	}
	if !strings.Contains(strings.Join(ve.Log, "\n"), "R0 !read_ok") {
		t.Errorf("log does not explain the rejection:\n%s", strings.Join(ve.Log, "\n"))
	}
	// Other errors, and programs with an attach target, are left alone.
	eacces := fmt.Errorf("load program: %w", unix.EACCES)
	if err := withRejectionLog(spec, eacces); err != eacces {
		t.Errorf("EACCES became %v", err)
	}
	fentry := *spec
	fentry.AttachTo = "do_nanosleep"
	if err := withRejectionLog(&fentry, efault); err != efault {
		t.Errorf("an fentry EFAULT became %v", err)
	}
	// A program with callbacks cannot be loaded raw (no BTF function
	// info): its EFAULT is explained without a log.
	withCB := *spec
	withCB.Instructions = asm.Instructions{
		asm.Instruction{OpCode: asm.LoadImmOp(asm.DWord), Dst: asm.R2, Src: asm.PseudoFunc, Constant: -1}.WithReference("cb"),
		asm.Return(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("cb"),
		asm.Return(),
	}
	err = withRejectionLog(&withCB, efault)
	if !errors.Is(err, unix.EFAULT) || errors.As(err, &ve) || !strings.Contains(err.Error(), "more than 8,192 pending branches") {
		t.Errorf("a program with a callback: %v", err)
	}
}

// TestVerifierLimits loads scripts that hit the verifier's limits and
// checks that each rejection is explained as a script limit at the right
// line.
func TestVerifierLimits(t *testing.T) {
	requireRoot(t)
	var maps, ifs strings.Builder
	for i := range 70 {
		fmt.Fprintf(&maps, "  @m%d = 1;\n", i)
	}
	for i := range 8300 {
		fmt.Fprintf(&ifs, "  if (nsecs == %d) { $x = 1; }\n", i)
	}
	for _, tc := range []struct {
		name, script, msg string
		line              int
	}{
		{"endless loop", "BEGIN {\n  $i = 0;\n  while (1) {\n  }\n}\n", "infinite loop", 3},
		{"too many maps", "BEGIN {\n" + maps.String() + "}\n", "too many maps", 0},
		{"jump sequence", "BEGIN {\n  $x = 0;\n" + ifs.String() + "}\n", "more conditional jumps than the kernel verifier follows", 8195},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := diag.NewSource("s.bt", tc.script)
			prog, d := parser.Parse(src)
			if d.HasErrors() {
				t.Fatal(src.Render(d))
			}
			info, cd := check.Check(src, prog, &check.Config{Host: NewHost(nil), StrLen: DefaultMaxStrlen()})
			if cd.HasErrors() {
				t.Fatal(src.Render(cd))
			}
			obj, gd := codegen.Compile(info, &codegen.Options{Source: src})
			if gd.HasErrors() {
				t.Fatal(src.Render(gd))
			}
			l, err := Load(obj, nil)
			if err == nil {
				l.Close()
				t.Fatal("the verifier accepted the program")
			}
			var le *LoadError
			var ve *ebpf.VerifierError
			if !errors.As(err, &le) || !errors.As(err, &ve) {
				t.Fatalf("not a verifier error: %v", err)
			}
			r := ExplainVerifierError(le.Program, ve)
			if !r.Limit || !strings.Contains(r.Msg, tc.msg) {
				t.Errorf("limit %v msg %q, want a limit containing %q\n%s", r.Limit, r.Msg, tc.msg, strings.Join(ve.Log[max(0, len(ve.Log)-5):], "\n"))
			}
			if tc.line > 0 && r.Line != tc.line {
				t.Errorf("line %d, want %d", r.Line, tc.line)
			}
		})
	}
}
