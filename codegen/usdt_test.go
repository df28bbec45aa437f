package codegen

import (
	"strings"
	"testing"
)

func TestParseUSDTArg(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want usdtArg
	}{
		{"-4@%edi", usdtArg{size: 4, signed: true, kind: usdtReg, reg: 112}},
		{"8@%r12", usdtArg{size: 8, kind: usdtReg, reg: 24}},
		{"1@%r9b", usdtArg{size: 1, kind: usdtReg, reg: 64}},
		{"1@%ah", usdtArg{size: 1, kind: usdtReg, reg: 80, high: true}},
		{"2@%sil", usdtArg{size: 2, kind: usdtReg, reg: 104}},
		{"8@-8(%rbp)", usdtArg{size: 8, kind: usdtMem, reg: 32, off: -8}},
		{"-4@112(%rsp)", usdtArg{size: 4, signed: true, kind: usdtMem, reg: 152, off: 112}},
		{"8@(%rax)", usdtArg{size: 8, kind: usdtMem, reg: 80}},
		{"4@$5", usdtArg{size: 4, kind: usdtImm, imm: 5}},
		{"-8@$-1", usdtArg{size: 8, signed: true, kind: usdtImm, imm: -1}},
	} {
		got, err := parseUSDTArg(tc.spec)
		if err != nil || got != tc.want {
			t.Errorf("parseUSDTArg(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
	for _, bad := range []string{"3@%eax", "4@%xyz", "8@foo(%rip,%rax,8)", "x@%eax", "8@sym"} {
		if _, err := parseUSDTArg(bad); err == nil {
			t.Errorf("parseUSDTArg(%q) succeeded", bad)
		}
	}
}

// TestUSDTCompile: the fixture probe's memory operand argument reads user
// memory, and the target carries the probe and semaphore offsets.
func TestUSDTCompile(t *testing.T) {
	obj, gd, src := CompileScript(t, `usdt:/usr/bin/python3:python:gc__start { @[arg0] = count(); }`, nil)
	if gd.HasErrors() {
		t.Fatalf("compile:\n%s", src.Render(gd))
	}
	if len(obj.Programs) != 1 {
		t.Fatalf("%d programs, want 1", len(obj.Programs))
	}
	p := obj.Programs[0]
	if p.Target.Offset != 0x1000 || p.Target.RefCtrOffset != 0x2000 || p.Target.Binary != "/usr/bin/python3" {
		t.Errorf("target = %+v", p.Target)
	}
	if !strings.Contains(p.Insns.String(), "ProbeReadUser") && !strings.Contains(p.Insns.String(), "probe_read_user") {
		t.Errorf("no probe_read_user call:\n%v", p.Insns)
	}
}
