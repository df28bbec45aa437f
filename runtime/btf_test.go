//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// btfHost returns a fresh Host for BTF tests, skipping when the kernel BTF
// is unavailable.
func btfHost(t *testing.T) *Host {
	t.Helper()
	path := "/sys/kernel/btf/vmlinux"
	if p := os.Getenv(BTFEnv); p != "" {
		path = p
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("kernel BTF not available: %v", err)
	}
	f.Close()
	return NewHost(nil)
}

func TestBTFNotLoadedUntilUsed(t *testing.T) {
	h := NewHost(nil)
	if _, err := h.Tracepoints("nope_cat_x:nope_event_x"); err != nil {
		t.Logf("tracepoints: %v (ignored)", err)
	}
	if h.kbtf.spec != nil || h.kbtf.conv != nil || h.kbtf.enums != nil {
		t.Fatal("BTF loaded without a kernel type lookup")
	}
}

func TestBTFTaskStruct(t *testing.T) {
	h := btfHost(t)

	start := time.Now()
	if _, err := h.kernelSpec(); err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)

	start = time.Now()
	typ, err := h.KernelType("struct task_struct")
	first := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	again, err := h.KernelType("struct task_struct")
	second := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := h.KernelType("struct file"); err != nil {
		t.Fatal(err)
	}
	related := time.Since(start)
	t.Logf("BTF spec load %v; first KernelType(struct task_struct) %v (%d types converted); cached %v; struct file afterwards %v",
		load, first, len(h.kbtf.conv), second, related)

	ts, ok := typ.(*types.Struct)
	if !ok {
		t.Fatalf("task_struct is %T", typ)
	}
	if again != typ {
		t.Error("second lookup returned a different type")
	}
	if ts.Kind != "struct" || ts.Name != "task_struct" || ts.Bytes == 0 {
		t.Errorf("task_struct: %+v", ts)
	}

	pid, ok := ts.Field("pid")
	if !ok {
		t.Fatal("task_struct has no pid")
	}
	if it, ok := pid.Type.(*types.Int); !ok || it.Bits != 32 || !it.Signed {
		t.Errorf("pid type %v, want int32", pid.Type)
	}
	if pid.Offset == 0 {
		t.Error("pid offset 0")
	}

	comm, ok := ts.Field("comm")
	if !ok {
		t.Fatal("task_struct has no comm")
	}
	if a, ok := comm.Type.(*types.Array); !ok || a.Len != 16 || !types.Identical(a.Elem, types.Int8) {
		t.Errorf("comm type %v, want int8[16]", comm.Type)
	}

	rp, ok := ts.Field("real_parent")
	if !ok {
		t.Fatal("task_struct has no real_parent")
	}
	p, ok := rp.Type.(*types.Pointer)
	if !ok || p.Space != types.Kernel {
		t.Fatalf("real_parent type %v", rp.Type)
	}
	if p.Elem != typ {
		t.Errorf("real_parent points to %p (%v), want the cached task_struct %p", p.Elem, p.Elem, typ)
	}

	// A field inside an anonymous member, if task_struct has one.
	for _, f := range ts.Fields {
		if f.Name != "" {
			continue
		}
		inner, ok := f.Type.(*types.Struct)
		if !ok || len(inner.Fields) == 0 || inner.Fields[0].Name == "" {
			continue
		}
		want := inner.Fields[0]
		got, ok := ts.Field(want.Name)
		if !ok {
			t.Errorf("anonymous member field %s not found through task_struct", want.Name)
		} else if got.Offset != f.Offset+want.Offset {
			t.Errorf("anonymous member field %s at %d, want %d", want.Name, got.Offset, f.Offset+want.Offset)
		}
		t.Logf("anonymous %s member at %d: field %s at %d", inner.Kind, f.Offset, want.Name, got.Offset)
		break
	}

	// Bitfields have a storage unit that holds them.
	for _, f := range ts.Fields {
		if f.BitSize == 0 {
			continue
		}
		it, ok := f.Type.(*types.Int)
		if !ok || f.BitOffset+f.BitSize > it.Bits {
			t.Errorf("bitfield %s: type %v bit offset %d size %d", f.Name, f.Type, f.BitOffset, f.BitSize)
		}
	}
}

func TestBTFSockCommon(t *testing.T) {
	h := btfHost(t)
	typ, err := h.KernelType("struct sock")
	if err != nil {
		t.Fatal(err)
	}
	sk := typ.(*types.Struct)
	common, ok := sk.Field("__sk_common")
	if !ok {
		t.Fatal("struct sock has no __sk_common")
	}
	cs, ok := common.Type.(*types.Struct)
	if !ok || cs.Name != "sock_common" {
		t.Fatalf("__sk_common type %v", common.Type)
	}
	state, ok := cs.Field("skc_state")
	if !ok {
		t.Fatal("sock_common.skc_state not found")
	}
	if state.Type.Size() != 1 {
		t.Errorf("skc_state type %v, want 1 byte", state.Type)
	}
	// skc_family sits in the anonymous members too; sock's own #define-style
	// access goes through __sk_common.
	if _, ok := cs.Field("skc_family"); !ok {
		t.Error("sock_common.skc_family not found")
	}
	// skc_daddr, skc_rcv_saddr and skc_dport live in anonymous unions of
	// anonymous structs.
	for name, want := range map[string]int{"skc_daddr": 0, "skc_rcv_saddr": 4, "skc_dport": 12, "skc_num": 14} {
		f, ok := cs.Field(name)
		if !ok {
			t.Errorf("sock_common.%s not found", name)
		} else if f.Offset != want {
			t.Errorf("sock_common.%s at %d, want %d", name, f.Offset, want)
		}
	}
	t.Logf("sock.__sk_common at %d, skc_state at %d (%v)", common.Offset, state.Offset, state.Type)
}

func TestBTFTypedefsAndErrors(t *testing.T) {
	h := btfHost(t)
	for _, c := range []struct {
		name string
		want types.Type
	}{
		{"pid_t", types.Int32},
		{"u64", types.Uint64},
		{"u8", types.Uint8},
		{"unsigned int", types.Uint32},
		{"bool", &types.Bool{}},
	} {
		got, err := h.KernelType(c.name)
		if err != nil {
			t.Errorf("KernelType(%q): %v", c.name, err)
			continue
		}
		if !types.Identical(got, c.want) {
			t.Errorf("KernelType(%q) = %v, want %v", c.name, got, c.want)
		}
	}
	for _, name := range []string{"struct nope_x", "union nope_x", "enum nope_x", "nope_x_t", "struct pid_t", ""} {
		if typ, err := h.KernelType(name); err == nil {
			t.Errorf("KernelType(%q) = %v, want an error", name, typ)
		}
	}
	if typ, err := h.KernelType("union bpf_attr"); err != nil {
		t.Error(err)
	} else if s, ok := typ.(*types.Struct); !ok || s.Kind != "union" {
		t.Errorf("union bpf_attr = %v", typ)
	}
	if typ, err := h.KernelType("enum bpf_prog_type"); err != nil {
		t.Error(err)
	} else if e, ok := typ.(*types.Enum); !ok || e.Names[0] != "BPF_PROG_TYPE_UNSPEC" {
		t.Errorf("enum bpf_prog_type = %v", typ)
	}
	// A member of enum type is an integer of the enum's width that names
	// its enum (read, it prints as the enumerator).
	if typ, err := h.KernelType("struct bpf_prog"); err != nil {
		t.Error(err)
	} else if f, ok := typ.(*types.Struct).Field("type"); !ok || f.Enum == nil || f.Enum.Name != "bpf_prog_type" ||
		f.Enum.Names[1] != "BPF_PROG_TYPE_SOCKET_FILTER" || f.Type.Size() != 4 {
		t.Errorf("struct bpf_prog member type = %+v", f)
	}
}

func TestBTFEnumValues(t *testing.T) {
	h := btfHost(t)
	if _, err := h.kernelSpec(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	v, e, ok := h.KernelEnumValue("TCP_ESTABLISHED")
	first := time.Since(start)
	if !ok || v != 1 || e == nil || e.Names[1] != "TCP_ESTABLISHED" {
		t.Errorf("TCP_ESTABLISHED = %d, %v, %v", v, e, ok)
	}
	start = time.Now()
	v, e, ok = h.KernelEnumValue("TASK_COMM_LEN")
	second := time.Since(start)
	checkTaskCommLen(t, v, e, ok)
	t.Logf("first KernelEnumValue (index %d enumerators) %v; next %v", len(h.kbtf.enums), first, second)
	if _, _, ok := h.KernelEnumValue("NOPE_X"); ok {
		t.Error("NOPE_X found")
	}
}

// taskCommLenEnum is the first release where TASK_COMM_LEN is an
// enumerator (enum { TASK_COMM_LEN = 16 }) and so in BTF; before, it is a
// #define, which BTF does not record. Like bpftrace reading BTF without
// kernel headers, gobpftrace then does not know the name.
var taskCommLenEnum = [2]int{5, 17}

// checkTaskCommLen checks what KernelEnumValue answered for TASK_COMM_LEN
// on the running kernel.
func checkTaskCommLen(t *testing.T, v int64, e *types.Enum, ok bool) {
	t.Helper()
	release := kernelRelease()
	if !releaseAtLeast(release, taskCommLenEnum[0], taskCommLenEnum[1]) {
		if ok {
			t.Errorf("Linux %s: TASK_COMM_LEN = %d from BTF, but it is a #define before 5.17", release, v)
		}
		return
	}
	if !ok || v != 16 || e == nil || e.Names[16] != "TASK_COMM_LEN" {
		t.Errorf("Linux %s: TASK_COMM_LEN = %d, %v, %v", release, v, e, ok)
	}
}

// The raw BTF scan and the slow walk of the spec find the same enumerators
// in the same enums.
func TestBTFEnumIndexMatchesWalk(t *testing.T) {
	h := btfHost(t)
	spec, err := h.kernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fast, err := indexEnumerators(spec, h.btfPath())
	fastTime := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	slow, err := indexEnumerators(spec, "/nonexistent/vmlinux")
	slowTime := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("enumerator index: raw scan %v, spec walk %v", fastTime, slowTime)
	if len(fast) != len(slow) {
		t.Errorf("raw scan found %d enumerators, walk %d", len(fast), len(slow))
	}
	for name, s := range slow {
		f, ok := fast[name]
		if !ok {
			t.Errorf("%s missing from the raw scan", name)
			continue
		}
		if f.enum != nil {
			t.Fatalf("%s: raw scan entry has no ID", name)
		}
		if typ, err := spec.TypeByID(f.id); err != nil || typ != s.enum {
			t.Errorf("%s: raw scan ID %d is %v, walk found %v", name, f.id, typ, s.enum)
		}
	}
}

func TestBTFConcurrent(t *testing.T) {
	h := btfHost(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range []string{"struct task_struct", "struct sock", "pid_t"} {
				if _, err := h.KernelType(n); err != nil {
					t.Error(err)
				}
			}
			if v, _, ok := h.KernelEnumValue("TCP_LISTEN"); !ok || v != 10 {
				t.Errorf("TCP_LISTEN = %d, %v", v, ok)
			}
			v, e, ok := h.KernelEnumValue("TASK_COMM_LEN")
			checkTaskCommLen(t, v, e, ok)
		}()
	}
	wg.Wait()
}

// TestRawBTFHasString: the prefilter of module type lookups finds a type's
// name among a raw BTF file's strings, and not a name the file lacks
// (whose BTF is then not loaded); an unreadable file may hold anything.
func TestRawBTFHasString(t *testing.T) {
	b, _ := btf.NewBuilder(nil, nil)
	if _, err := b.Add(&btf.Struct{Name: "p9_client", Size: 8, Members: []btf.Member{{Name: "msize", Type: &btf.Int{Name: "unsigned int", Size: 4}}}}); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mod")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{"p9_client": true, "msize": true, "p9_clien": false, "9_client": false, "Foo": false} {
		if got := rawBTFHasString(file, s); got != want {
			t.Errorf("rawBTFHasString(%q) = %v, want %v", s, got, want)
		}
	}
	if !rawBTFHasString(filepath.Join(t.TempDir(), "none"), "x") {
		t.Error("an unreadable file must not rule a name out")
	}
}
