package codegen

import (
	"encoding/binary"
	"io"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

// TestKprobeSessionJoin: a kprobe and a kretprobe on the same functions
// become one session program where the kernel can attach one, with the
// entry half first, a jump to the return half on bpf_session_is_return,
// one function start, and no label of the return half clashing with the
// entry half's; elsewhere, or without exactly one partner, they stay two.
func TestKprobeSessionJoin(t *testing.T) {
	yes := func([]string) bool { return true }
	no := func([]string) bool { return false }
	for _, c := range []struct {
		name    string
		src     string
		session func([]string) bool
		progs   int
		joined  string // Probe of the session program ("" for none)
		funcs   int
		subs    int // subprograms (loop bodies)
	}{
		{"exact", `kprobe:vfs_read /pid > 1/ { @e[tid] = nsecs; } kretprobe:vfs_read /@e[tid]/ { @lat = hist(nsecs - @e[tid]); delete(@e[tid]); }`, yes, 1, "kprobe:vfs_read,kretprobe:vfs_read", 1, 0},
		{"wildcard", `kprobe:vfs_* { @e = count(); } kretprobe:vfs_* { @r = count(); }`, yes, 1, "kprobe:vfs_*,kretprobe:vfs_*", 2, 0},
		{"kernel says no", `kprobe:vfs_read { @e = count(); } kretprobe:vfs_read { @r = count(); }`, no, 2, "", 0, 0},
		{"no option", `kprobe:vfs_read { @e = count(); } kretprobe:vfs_read { @r = count(); }`, nil, 2, "", 0, 0},
		{"two partners", `kprobe:vfs_read { @e = count(); } kretprobe:vfs_read { @r = count(); } kretprobe:vfs_read { @s = count(); }`, yes, 3, "", 0, 0},
		{"other functions", `kprobe:vfs_read { @e = count(); } kretprobe:vfs_write { @r = count(); }`, yes, 2, "", 0, 0},
		{"loops", `kprobe:vfs_read { @e[tid] = 1; for ($kv : @e) { @n = count(); } } kretprobe:vfs_read { for ($i : 0..2) { @r = count(); } }`, yes, 1, "kprobe:vfs_read,kretprobe:vfs_read", 1, 2},
		{"offset", `kprobe:vfs_read+4 { @e = count(); } kretprobe:vfs_read { @r = count(); }`, yes, 2, "", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			obj, gd, s := compileScriptWith(t, c.src, nil, &Options{KprobeSession: c.session})
			if gd.HasErrors() {
				t.Fatalf("compile:\n%s", s.Render(gd))
			}
			if len(obj.Programs) != c.progs {
				t.Fatalf("%d programs, want %d", len(obj.Programs), c.progs)
			}
			var sp *Program
			for _, p := range obj.Programs {
				if p.Session {
					sp = p
				}
			}
			if c.joined == "" {
				if sp != nil {
					t.Fatalf("joined %s", sp.Probe)
				}
				return
			}
			if sp == nil || sp.Probe != c.joined || sp.Kind != stdlib.Kprobe || sp.AttachType != ebpf.AttachTraceKprobeSession {
				t.Fatalf("session program %+v", sp)
			}
			if n := 1 + len(sp.MoreFuncs); n < c.funcs {
				t.Errorf("%d functions, want at least %d", n, c.funcs)
			}
			if got := obj.AttachPoints(); got != 1+len(sp.MoreFuncs) {
				t.Errorf("AttachPoints = %d, want one per function (%d)", got, 1+len(sp.MoreFuncs))
			}
			insns := sp.Insns
			if btf.FuncMetadata(&insns[0]) == nil {
				t.Errorf("the program does not start with its function:\n%v", insns[:4])
			}
			if name := KfuncName(&insns[1]); name != kfuncSessionIsReturn {
				t.Errorf("second instruction calls %q, want the kfunc %s:\n%v", name, kfuncSessionIsReturn, insns[:4])
			}
			starts, exits := 0, 0
			seen := map[string]bool{}
			for i := range insns {
				if btf.FuncMetadata(&insns[i]) != nil {
					starts++
				}
				if s := insns[i].Symbol(); s != "" {
					if seen[s] {
						t.Errorf("label %s defined twice", s)
					}
					seen[s] = true
				}
				if insns[i].OpCode.JumpOp() == asm.Exit {
					exits++
				}
			}
			if starts != 1+c.subs || exits < 2 {
				t.Errorf("%d function starts (want %d), %d exits (want one per half at least)", starts, 1+c.subs, exits)
			}
			if err := insns.Marshal(io.Discard, binary.LittleEndian); err != nil {
				t.Errorf("references do not resolve: %v", err)
			}
			if err := checkJumps(insns); err != nil {
				t.Error(err)
			}
			if ref := insns[3].Reference(); !seen[ref] || slices.Index(symbols(insns), ref) <= 3 {
				t.Errorf("the prologue jumps to %q, not to a label after the entry half", ref)
			}
		})
	}
}

// symbols lists the symbols of insns in order (with empty strings for
// instructions without one).
func symbols(insns asm.Instructions) []string {
	out := make([]string, len(insns))
	for i := range insns {
		out[i] = insns[i].Symbol()
	}
	return out
}
