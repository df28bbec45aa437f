package codegen

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"
)

// TestBigRecords: printf records past 32 KiB are written through a moved
// record pointer (instruction offsets are 16 bits), so every store into
// the record has a non-negative offset below 32 KiB, and the pointer is
// back at the record's start when it is submitted. An argument that
// cannot be addressed at all is a positioned error.
func TestBigRecords(t *testing.T) {
	big := `str(&curtask->comm)`
	src := `config = { max_strlen = 16384 } BEGIN { printf("%s|%s|%s|%s|%s|%d\n", ` + big + `, "b", ` + big + `, ` + big + `, ` + big + `, 42); }`
	obj, gd, rs := CompileScript(t, src, nil)
	if gd.HasErrors() {
		t.Fatalf("compile:\n%s", rs.Render(gd))
	}
	ev := obj.Events[0]
	if last := ev.Args[len(ev.Args)-1]; last.Offset < 65536 || ev.Size < last.Offset+8 {
		t.Fatalf("last argument at %d of a %d-byte record, want past 64 KiB", last.Offset, ev.Size)
	}
	shift, moves := 0, 0
	for _, ins := range obj.Programs[0].Insns {
		switch {
		case ins.OpCode.Class().IsALU() && ins.Dst == regRecord && ins.OpCode.ALUOp() == asm.Add:
			shift += int(ins.Constant)
			moves++
		case ins.OpCode.Class().IsStore() && ins.Dst == regRecord:
			if ins.Offset < 0 {
				t.Errorf("store at a negative record offset: %v", ins)
			}
			if at := shift + int(ins.Offset); at >= ev.Size {
				t.Errorf("store at record offset %d of %d: %v", at, ev.Size, ins)
			}
		case ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnRingbufSubmit && shift != 0:
			t.Errorf("record submitted %d bytes past its start", shift)
		}
	}
	if moves < 2 {
		t.Errorf("record pointer moved %d times, want at least 2 (forward and back)", moves)
	}

	src = `config = { max_strlen = 16384 } BEGIN { print((` + big + `, ` + big + `, ` + big + `)); }`
	_, gd, rs = CompileScript(t, src, nil)
	if len(gd.Items) != 1 || !strings.Contains(gd.Items[0].Msg, "too large for an event record") {
		t.Fatalf("want one 'too large' diagnostic, got:\n%s", rs.Render(gd))
	}
	if d := gd.Items[0]; src[d.Span.Start:d.Span.End] != `(`+big+`, `+big+`, `+big+`)` {
		t.Errorf("diagnostic spans %q, want the tuple", src[d.Span.Start:d.Span.End])
	}
}
