//go:build linux

package runtime

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// rawTPFixture writes a raw BTF file with two raw tracepoints: fixture_tp,
// whose btf_trace_ typedef's parameters are unnamed and whose
// __probestub_ function names them, and fixture_bare with only the
// typedef; a typedef without the prefix is not one. BPFTRACE_BTF points
// at the file.
func rawTPFixture(t *testing.T) *Host {
	t.Helper()
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	long := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	task := &btf.Struct{Name: "task_struct", Size: 8, Members: []btf.Member{{Name: "pid", Type: intT}}}
	voidp := &btf.Pointer{Target: &btf.Void{}}
	named := &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{
		{Name: "__data", Type: voidp}, {Name: "task", Type: &btf.Pointer{Target: task}}, {Name: "cpu", Type: intT}}}
	unnamed := &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{
		{Type: voidp}, {Type: &btf.Pointer{Target: task}}, {Type: intT}}}
	bare := &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Type: voidp}, {Type: long}}}
	b, _ := btf.NewBuilder(nil, nil)
	for _, typ := range []btf.Type{
		&btf.Typedef{Name: "btf_trace_fixture_tp", Type: &btf.Pointer{Target: unnamed}},
		&btf.Func{Name: "__probestub_fixture_tp", Type: named, Linkage: btf.StaticFunc},
		&btf.Typedef{Name: "btf_trace_fixture_bare", Type: &btf.Pointer{Target: bare}},
		&btf.Typedef{Name: "fixture_not_a_tp", Type: long},
	} {
		if _, err := b.Add(typ); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vmlinux.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BTFEnv, path)
	return NewHost(nil)
}

// TestFixtureRawTracepoints: the raw tracepoints are the btf_trace_
// typedefs; their arguments are named from the probe stub when there is
// one, arg0, arg1 … otherwise, without the private data pointer.
func TestFixtureRawTracepoints(t *testing.T) {
	h := rawTPFixture(t)
	got, err := h.RawTracepoints("vmlinux", "fixture_*")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{vmlinux fixture_bare} {vmlinux fixture_tp}]" {
		t.Errorf("RawTracepoints(vmlinux, fixture_*) = %v", got)
	}
	if got, err := h.RawTracepoints("", "fixture_tp"); err != nil || fmt.Sprint(got) != "[{vmlinux fixture_tp}]" {
		t.Errorf("RawTracepoints(\"\", fixture_tp) = %v, %v", got, err)
	}
	if got, err := h.RawTracepoints("vmlinux", "fixture_not_a_tp"); err != nil || len(got) != 0 {
		t.Errorf("a typedef without btf_trace_: %v, %v", got, err)
	}
	if _, err := h.RawTracepoints("no_such_module", "x"); err == nil || !strings.Contains(err.Error(), "load BTF of module no_such_module") {
		t.Errorf("a module without BTF: %v", err)
	}

	p, err := h.RawTracepointProto("vmlinux", "fixture_tp")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Params) != 2 || p.Params[0].Name != "task" || p.Params[0].Decl != "struct task_struct *" || p.Params[1].Name != "cpu" || p.Params[1].Type.String() != "int32" || p.Ret != nil {
		t.Errorf("fixture_tp: %+v", p)
	}
	if _, ok := p.Params[0].Type.(*types.Pointer); !ok {
		t.Errorf("fixture_tp's task is %s", p.Params[0].Type)
	}
	p, err = h.RawTracepointProto("vmlinux", "fixture_bare")
	if err != nil || len(p.Params) != 1 || p.Params[0].Name != "arg0" || p.Params[0].Type.String() != "int64" {
		t.Errorf("fixture_bare: %+v, %v", p, err)
	}
	if _, err := h.RawTracepointProto("vmlinux", "nope"); err == nil {
		t.Error("RawTracepointProto of a missing raw tracepoint succeeded")
	}
}

// TestRawTracepointsKernel: the raw scan of the kernel's BTF finds the
// btf_trace_ typedefs a walk of the whole spec finds; sys_enter and
// sys_exit are raw tracepoints, syscalls' per-call events are not.
func TestRawTracepointsKernel(t *testing.T) {
	h := btfHost(t)
	if os.Getenv(BTFEnv) != "" {
		t.Skip("BPFTRACE_BTF is set")
	}
	got, err := h.RawTracepoints("", "sys_e*")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{vmlinux sys_enter} {vmlinux sys_exit}]" {
		t.Errorf("RawTracepoints(sys_e*) = %v", got)
	}
	scanned, err := h.rawTracepointNames("vmlinux")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := h.kernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	var walked []string
	for typ, err := range spec.All() {
		if err != nil {
			t.Fatal(err)
		}
		if td, ok := typ.(*btf.Typedef); ok && strings.HasPrefix(td.Name, rawTPTypedef) {
			walked = append(walked, strings.TrimPrefix(td.Name, rawTPTypedef))
		}
	}
	sort.Strings(walked)
	if strings.Join(scanned, " ") != strings.Join(walked, " ") {
		t.Errorf("raw scan found %d raw tracepoints, spec walk %d", len(scanned), len(walked))
	}
	p, err := h.RawTracepointProto("vmlinux", "sched_switch")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, prm := range p.Params {
		names = append(names, prm.Name)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "prev next") {
		t.Errorf("sched_switch's arguments are %q, want … prev next …", got)
	}
}

// TestAttachRawTracepointArgs compiles, loads and attaches a raw
// tracepoint whose predicate and map key read args from the context, and
// fires it with getpid.
func TestAttachRawTracepointArgs(t *testing.T) {
	requireRoot(t)
	btfHost(t)
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	obj := compileScript(t, fmt.Sprintf(`rawtracepoint:sys_enter /tid == %d && args.id == %d/ { @[args.id, args.regs != 0] = count(); }`,
		unix.Gettid(), unix.SYS_GETPID), 0)
	l := load(t, obj, nil)
	if err := l.Attach(nil); err != nil {
		t.Fatal(err)
	}
	const calls = 7
	for range calls {
		syscall.Getpid()
	}
	if err := l.Detach(); err != nil {
		t.Fatal(err)
	}
	entries, err := l.ReadMap("@")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("entries = %v", entries)
	}
	if id := binary.NativeEndian.Uint64(entries[0].Key); id != unix.SYS_GETPID || entries[0].Key[8] != 1 {
		t.Errorf("key = % x, want the getpid number and true", entries[0].Key)
	}
	if sum := sumPerCPU(entries[0].Values); sum != calls {
		t.Errorf("counted %d getpid calls, want %d", sum, calls)
	}
}

// TestScanRawTypedefsSplit: a module's split BTF names its types with
// offsets that count from the end of the kernel's strings; names in the
// kernel's strings are not the module's.
func TestScanRawTypedefsSplit(t *testing.T) {
	b, _ := btf.NewBuilder(nil, nil)
	if _, err := b.Add(&btf.Typedef{Name: "btf_trace_base_tp", Type: &btf.Int{Name: "int", Size: 4}}); err != nil {
		t.Fatal(err)
	}
	base, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	baseBTF, err := parseRawBTF(base)
	if err != nil {
		t.Fatal(err)
	}
	baseStrs := uint32(len(baseBTF.strSec))
	// Two typedefs of the module: one named in its own strings, one
	// (offset 1) in the kernel's.
	strs := []byte("\x00btf_trace_mod_tp\x00")
	le := binary.LittleEndian
	var types []byte
	for _, nameOff := range []uint32{baseStrs + 1, 1} {
		types = le.AppendUint32(types, nameOff)
		types = le.AppendUint32(types, btfKindTypedef<<24)
		types = le.AppendUint32(types, 1)
	}
	raw := le.AppendUint16(nil, 0xeb9f)
	raw = append(raw, 1, 0)
	raw = le.AppendUint32(raw, 24)
	raw = le.AppendUint32(raw, 0)
	raw = le.AppendUint32(raw, uint32(len(types)))
	raw = le.AppendUint32(raw, uint32(len(types)))
	raw = le.AppendUint32(raw, uint32(len(strs)))
	raw = append(append(raw, types...), strs...)

	got, err := scanRawTypedefs(raw, base, rawTPTypedef)
	if err != nil || strings.Join(got, " ") != "mod_tp" {
		t.Errorf("split scan = %q, %v; want [mod_tp]", got, err)
	}
	if got, err := scanRawTypedefs(base, nil, rawTPTypedef); err != nil || strings.Join(got, " ") != "base_tp" {
		t.Errorf("base scan = %q, %v; want [base_tp]", got, err)
	}
}
