package codegen

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// fusedGoldenCases are compiled with TracepointsFused and compared with
// testdata/fused/NAME.golden (go test -update rewrites them), each
// program's fused slot first.
var fusedGoldenCases = []GoldenCase{
	// The record is built (args), real context for perf-style helpers.
	{"enter_args", `tracepoint:syscalls:sys_enter_openat { printf("%s %d\n", str(args.filename), args.flags); @[ustack(2)] = count(); }`},
	// No record: only the 32-bit check.
	{"enter_count", `tracepoint:syscalls:sys_enter_read { @[probe] = count(); }`},
	{"exit_ret", `tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @ = hist(args.ret); print(args); }`},
	// Two probes on one system call: the first tail-calls the second.
	{"chain", `tracepoint:syscalls:sys_enter_read { @a = count(); } tracepoint:syscalls:sys_enter_read,tracepoint:syscalls:sys_enter_openat { @b = count(); }`},
}

func TestGoldenFused(t *testing.T) {
	for _, c := range fusedGoldenCases {
		t.Run(c.Name, func(t *testing.T) {
			obj, gd, src := compileScriptWith(t, c.Src, nil, &Options{Tracepoints: TracepointsFused})
			if len(gd.Items) > 0 {
				t.Fatalf("compile:\n%s", src.Render(gd))
			}
			got := "// " + c.Src + "\n"
			for _, p := range obj.Programs {
				switch {
				case p.Fused != nil:
					got += fmt.Sprintf("// %s: %s slot %d (nr %d) in %s, type %s\n", p.Name, p.Fused.Hook, p.Fused.Slot, p.Fused.Nr, p.Fused.Map, p.Type)
				case p.Internal:
					got += fmt.Sprintf("// %s: dispatcher on raw_syscalls:%s\n", p.Name, p.Target.Event)
				}
			}
			got += DumpObject(obj)
			compareGolden(t, filepath.Join("testdata", "fused", c.Name+".golden"), got)
		})
	}
}

// fusedOf compiles text with mode and returns its fused programs and the
// number of its syscall tracepoint programs left as tracepoints.
func fusedOf(t *testing.T, text string, mode TracepointMode) (fused []*Program, tracepoints int) {
	t.Helper()
	obj, gd, src := compileScriptWith(t, text, nil, &Options{Tracepoints: mode})
	if gd.HasErrors() {
		t.Fatalf("compile %q:\n%s", text, src.Render(gd))
	}
	for _, p := range obj.Programs {
		if p.Fused != nil {
			fused = append(fused, p)
		}
	}
	n, _, tp := obj.TracepointForms()
	if n != len(fused) {
		t.Errorf("TracepointForms says %d fused, the object has %d", n, len(fused))
	}
	return fused, tp
}

// TestFuseThreshold: TracepointsAuto fuses from FuseThreshold syscall
// tracepoints on, TracepointsFused always, TracepointsPerf never; repeated probes on
// one system call chain through the slots after the table's numbers.
func TestFuseThreshold(t *testing.T) {
	probes := func(n int) string {
		return strings.Repeat(`tracepoint:syscalls:sys_enter_read { @[probe] = count(); } `, n)
	}
	for _, c := range []struct {
		n    int
		mode TracepointMode
		want int
	}{
		{FuseThreshold - 1, TracepointsAuto, 0},
		{FuseThreshold, TracepointsAuto, FuseThreshold},
		{1, TracepointsFused, 1},
		{FuseThreshold, TracepointsPerf, 0},
	} {
		fused, tp := fusedOf(t, probes(c.n), c.mode)
		if len(fused) != c.want || tp != c.n-c.want {
			t.Errorf("%d probes, mode %d: %d fused, %d tracepoints; want %d fused", c.n, c.mode, len(fused), tp, c.want)
		}
		nsys := stdlib.NumSyscalls("amd64")
		for i, p := range fused {
			want := nsys + i - 1
			if i == 0 {
				want = 0 // read
			}
			if p.Fused.Slot != want || p.Fused.Nr != 0 || p.Type != ebpf.RawTracepoint {
				t.Errorf("probe %d: slot %d nr %d type %s, want slot %d nr 0 raw tracepoint", i, p.Fused.Slot, p.Fused.Nr, p.Type, want)
			}
		}
	}
}

// TestFuseKeepsTracepoints: probes that depend on the tracepoint itself
// stay tracepoints, beside fused ones of the same script.
func TestFuseKeepsTracepoints(t *testing.T) {
	for _, body := range []string{
		`printf("%d\n", args.common_pid);`,
		`printf("%p\n", ctx);`,
		`@[kstack] = count();`,
		`@[kstack(3)] = count();`,
	} {
		text := `tracepoint:syscalls:sys_enter_openat { ` + body + ` } tracepoint:syscalls:sys_enter_read { @n = count(); }`
		fused, tp := fusedOf(t, text, TracepointsFused)
		if len(fused) != 1 || fused[0].Probe != "tracepoint:syscalls:sys_enter_read" || tp != 1 {
			t.Errorf("%s: %d fused (%v), %d tracepoints; want only sys_enter_read fused", body, len(fused), fused, tp)
		}
	}
	// Not syscall tracepoints, or not on the architecture's table.
	for _, text := range []string{
		`tracepoint:sched:sched_switch { @ = count(); }`,
		`tracepoint:raw_syscalls:sys_enter { @ = count(); }`,
	} {
		if fused, _ := fusedOf(t, text, TracepointsFused); len(fused) != 0 {
			t.Errorf("%s: fused", text)
		}
	}
	obj, _, _ := compileScriptWith(t, `tracepoint:syscalls:sys_enter_read { @ = count(); }`, nil, &Options{Tracepoints: TracepointsFused, Arch: "arm64"})
	if n, _, _ := obj.TracepointForms(); n != 0 {
		t.Errorf("arm64 (no system call table): %d fused", n)
	}
}

// TestStandardRecord: only records laid out as the kernel of today lays
// out syscall records are rebuilt.
func TestStandardRecord(t *testing.T) {
	common := []types.Field{
		{Name: "common_type", Type: types.Uint16, Offset: 0},
		{Name: "common_pid", Type: types.Int32, Offset: 4},
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
	}
	rec := func(fs ...types.Field) *types.Struct {
		return &types.Struct{Fields: append(append([]types.Field{}, common...), fs...)}
	}
	arg := func(i int) types.Field {
		return types.Field{Name: fmt.Sprint("a", i), Type: types.Uint64, Offset: 16 + 8*i}
	}
	for _, c := range []struct {
		name string
		s    *types.Struct
		exit bool
		want bool
	}{
		{"six args", rec(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)), false, true},
		{"no args", rec(), false, true},
		{"seven args", rec(arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6)), false, false},
		{"gap", rec(arg(0), arg(2)), false, false},
		{"a string after the args", rec(arg(0), types.Field{Name: "s", Type: &types.String{Cap: 8}, Offset: 24, DataLoc: true}), false, false},
		{"4-byte arg", rec(types.Field{Name: "a", Type: types.Int32, Offset: 16}), false, false},
		{"ret", rec(types.Field{Name: "ret", Type: types.Int64, Offset: 16}), true, true},
		{"exit without ret", rec(), true, false},
	} {
		if got := standardRecord(c.s, c.exit); got != c.want {
			t.Errorf("%s: standardRecord = %v, want %v", c.name, got, c.want)
		}
	}
}
