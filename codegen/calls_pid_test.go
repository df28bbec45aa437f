package codegen

import (
	"testing"

	"github.com/cilium/ebpf/asm"
)

// TestPidNamespace: in the initial PID namespace (no Options.PidNS) pid
// and tid come from bpf_get_current_pid_tgid; in another one, pid, tid,
// pid(curr_ns) and tid(curr_ns) ask bpf_get_ns_current_pid_tgid with the
// namespace's device and inode, and pid(init)/tid(init) still read the
// initial namespace's ids.
func TestPidNamespace(t *testing.T) {
	const script = `BEGIN { @a = pid; @b = tid; @c = pid(curr_ns); @d = tid(init); @e = pid(init); }`
	calls := func(opts *Options) (ns, plain int, consts map[int64]bool) {
		obj, gd, src := compileScriptWith(t, script, nil, opts)
		if gd.HasErrors() {
			t.Fatalf("compile:\n%s", src.Render(gd))
		}
		consts = map[int64]bool{}
		for _, ins := range obj.Programs[0].Insns {
			switch {
			case ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnGetNsCurrentPidTgid:
				ns++
			case ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnGetCurrentPidTgid:
				plain++
			case ins.IsLoadFromMap() || ins.OpCode.IsDWordLoad():
				consts[ins.Constant] = true
			}
		}
		return ns, plain, consts
	}
	if ns, plain, _ := calls(&Options{}); ns != 0 || plain != 5 {
		t.Errorf("initial namespace: %d namespaced and %d plain calls, want 0 and 5", ns, plain)
	}
	ns, plain, consts := calls(&Options{PidNS: &PidNS{Dev: 4, Ino: 0xF0001234}})
	if ns != 3 || plain != 2 {
		t.Errorf("other namespace: %d namespaced and %d plain calls, want 3 and 2", ns, plain)
	}
	if !consts[4] || !consts[0xF0001234] {
		t.Errorf("the namespace's device and inode are not loaded: %v", consts)
	}
}
