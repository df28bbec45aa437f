package codegen

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

var update = flag.Bool("update", false, "rewrite codegen/testdata/*.golden")

// GoldenCase is one per-construct golden test: a tiny script exercising
// one construct. It is exported (from a test file) so the kernel tests in
// package codegen_test load the same scripts through the verifier.
type GoldenCase struct {
	Name string
	Src  string
}

// GoldenCases are the per-construct golden scripts. Tracepoint cases use
// tracepoints that exist with the same layout on the fixture host and on
// the live kernel.
var GoldenCases = []GoldenCase{
	{"uaddr", `uprobe:libc:getpid { @a = *uaddr("__libc_single_threaded"); } uprobe:/usr/bin/python3.11:Py_Main { @b = *uaddr("Py_OptimizeFlag"); }`},
	{"uprobe_args", `uprobe:libc:getpid { printf("%s %d %d\n", func, arg0, arg1); } uretprobe:libc:getpid { @r = hist(retval); }`},
	{"printf_int", `BEGIN { printf("%d %u\n", 42, -1); }`},
	{"printf_string", `BEGIN { printf("[%s] [%10s]\n", "abc", "de"); }`},
	{"comm", `BEGIN { printf("%s\n", comm); }`},
	{"pid", `BEGIN { printf("%d %d\n", pid, tid); }`},
	{"map_assign", `BEGIN { @a = 1; @b[2] = 3; @c["k"] = "v"; }`},
	{"count", `BEGIN { @c = count(); @k[pid] = count(); }`},
	{"sum", `BEGIN { @s = sum(5); }`},
	{"avg", `BEGIN { @a = avg(10); }`},
	{"min_max", `BEGIN { @mn = min(-3); @mx = max(9); }`},
	{"stats", `BEGIN { @st = stats(10); }`},
	{"hist", `BEGIN { @h = hist(100); }`},
	{"lhist", `BEGIN { @l = lhist(15, 0, 100, 10); }`},
	{"string_compare", `BEGIN { if (comm == "swapper") { printf("yes\n"); } }`},
	{"ternary", `BEGIN { $x = pid > 1 ? 10 : 20; printf("%d %s\n", $x, $x > 15 ? "big" : "small"); }`},
	{"if_else", `BEGIN { $x = 5; if ($x < 3) { printf("a\n"); } else if ($x < 10) { printf("b\n"); } else { printf("c\n"); } }`},
	{"while", `BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 2) { continue; } if ($i > 5) { break; } } }`},
	{"unroll", `BEGIN { $i = 1; unroll(3) { $i = $i * 2; } printf("%d\n", $i); }`},
	{"compound_assign", `BEGIN { $z = 7; $z += 3; $z <<= 2; @m = 1; @m *= 5; }`},
	{"incdec_map", `BEGIN { @c++; ++@c; @d[1]--; }`},
	{"tuple_key", `BEGIN { @t[1, "a"] = 2; $t = (3, "b"); printf("%d %s\n", $t.0, $t.1); }`},
	{"predicate", `tracepoint:syscalls:sys_enter_openat /pid == 1/ { @n = count(); }`},
	{"str_filename", `tracepoint:syscalls:sys_enter_openat { printf("%s %d\n", str(args.filename), args.dfd); }`},
	{"exit", `BEGIN { exit(); }`},
	{"cat_system", `BEGIN { cat("/proc/%d/comm", pid); system("echo %s", comm); }`},
	{"signal", `tracepoint:syscalls:sys_enter_openat { signal("SIGUSR1"); signal(pid % 64 + 1); }`},
	{"macaddr", `uprobe:libc:getpid { @[macaddr((uint8 *)arg0)] = count(); printf("%s\n", macaddr((uint8 *)arg1)); }`},
	{"cgroup", `BEGIN { if (cgroup == cgroupid("/sys/fs/cgroup")) { printf("%s\n", cgroup_path(cgroup, "unified")); } }`},
	{"ustack_usym", `uprobe:libc:getpid { @[ustack(perf, 3)] = count(); printf("%s%s\n", ustack, usym(arg0)); }`},
	{"deref_index", `kprobe:vfs_read { $p = (uint32 *)arg0; @a = *$p; @b = $p[pid]; @c = *($p + 2); @d = ($p + 3) - $p; @e = $p[1]; }`},
	{"bitfield", `kprobe:vfs_read { $s = (struct sock *)arg0; @u = $s->sk_txtime_unused; @s = $s->sk_kern_sock; }`},
	{"reg", `kprobe:vfs_read { @[reg("ip")] = count(); printf("%d\n", reg("sp")); }`},
	{"address_of", `BEGIN { @a = (uint64)&curtask->comm - (uint64)curtask; printf("%s\n", str(&curtask->comm)); }`},
	{"pointer_increment", `BEGIN { @p = (int32 *)0x30; @p++; @p += 2; $q = (int16 *)0x30; $q--; $q -= 3; print($q); }`},
	{"array_index", `tracepoint:raw_syscalls:sys_enter { $i = 2; @a = args.args[1]; @b = args.args[$i]; }`},
	{"deref_struct", `BEGIN { @p = (*curtask).pid; @q = (*(*curtask).real_parent).pid; }`},
	{"print_map", `BEGIN { @m[1] = 2; print(@m); print(@m, 1, 10); }`},
	{"delete", `BEGIN { @m[1] = 2; delete(@m[1]); delete(@m, 1); }`},
	{"clear_zero", `BEGIN { @m[1] = 2; clear(@m); zero(@m); }`},
	{"signed_division", `BEGIN { $a = -7; $b = 2; printf("%d %d\n", $a / $b, $a % $b); }`},
	{"tp_char_array", `tracepoint:sched:sched_switch { @[args.next_comm] = count(); }`},
	{"tp_data_loc", `tracepoint:sched:sched_process_exec { printf("%s\n", args.filename); }`},
	{"probe_interval", `interval:s:1 { printf("%s\n", probe); }`},
}

// fixtureHost serves hand-built tracepoint layouts matching this
// machine's format files.
type fixtureHost struct{ tps map[string]*types.Struct }

func tpStruct(cat, event string, size int, fields ...types.Field) *types.Struct {
	common := []types.Field{
		{Name: "common_type", Type: types.Uint16, Offset: 0},
		{Name: "common_flags", Type: types.Uint8, Offset: 2},
		{Name: "common_preempt_count", Type: types.Uint8, Offset: 3},
		{Name: "common_pid", Type: types.Int32, Offset: 4},
	}
	return &types.Struct{Kind: "struct", Name: "_tracepoint_" + cat + "_" + event, Fields: append(common, fields...), Bytes: size}
}

func newFixtureHost() *fixtureHost {
	user := func(t types.Type) types.Type { return &types.Pointer{Elem: t, Space: types.User} }
	return &fixtureHost{tps: map[string]*types.Struct{
		"syscalls:sys_enter_openat": tpStruct("syscalls", "sys_enter_openat", 48,
			types.Field{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
			types.Field{Name: "dfd", Type: types.Int64, Offset: 16},
			types.Field{Name: "filename", Type: user(types.Int8), Offset: 24},
			types.Field{Name: "flags", Type: types.Int64, Offset: 32},
			types.Field{Name: "mode", Type: types.Uint64, Offset: 40}),
		"syscalls:sys_exit_read": tpStruct("syscalls", "sys_exit_read", 24,
			types.Field{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
			types.Field{Name: "ret", Type: types.Int64, Offset: 16}),
		"sched:sched_switch": tpStruct("sched", "sched_switch", 64,
			types.Field{Name: "prev_comm", Type: &types.String{Cap: 16}, Offset: 8},
			types.Field{Name: "prev_pid", Type: types.Int32, Offset: 24},
			types.Field{Name: "prev_prio", Type: types.Int32, Offset: 28},
			types.Field{Name: "prev_state", Type: types.Int64, Offset: 32},
			types.Field{Name: "next_comm", Type: &types.String{Cap: 16}, Offset: 40},
			types.Field{Name: "next_pid", Type: types.Int32, Offset: 56},
			types.Field{Name: "next_prio", Type: types.Int32, Offset: 60}),
		"raw_syscalls:sys_enter": tpStruct("raw_syscalls", "sys_enter", 64,
			types.Field{Name: "id", Type: types.Int64, Offset: 8},
			types.Field{Name: "args", Type: &types.Array{Elem: types.Uint64, Len: 6}, Offset: 16}),
		"sched:sched_process_exec": tpStruct("sched", "sched_process_exec", 20,
			types.Field{Name: "filename", Type: &types.String{Cap: 64}, Offset: 8, DataLoc: true},
			types.Field{Name: "pid", Type: types.Int32, Offset: 12},
			types.Field{Name: "old_pid", Type: types.Int32, Offset: 16}),
	}}
}

func (h *fixtureHost) Tracepoints(pattern string) ([]string, error) {
	cat, ev, _ := strings.Cut(pattern, ":")
	var out []string
	for name := range h.tps {
		c, e, _ := strings.Cut(name, ":")
		if mc, _ := path.Match(cat, c); mc {
			if me, _ := path.Match(ev, e); me {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func (h *fixtureHost) TracepointArgs(cat, ev string) (*types.Struct, error) {
	if s, ok := h.tps[cat+":"+ev]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("tracepoint %s:%s: %w", cat, ev, fs.ErrNotExist)
}

// CompileScript parses, checks and compiles text with host (nil: the
// fixture host). Front-end errors fail the test; code generation
// diagnostics are returned with the object.
func CompileScript(t testing.TB, text string, host check.Host, params ...string) (*Object, *diag.List, *diag.Source) {
	t.Helper()
	if host == nil {
		host = newFixtureHost()
	}
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatalf("parse %q:\n%s", text, src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: host, Params: params, Unsafe: true})
	if cd.HasErrors() {
		t.Fatalf("check %q:\n%s", text, src.Render(cd))
	}
	obj, gd := Compile(info, &Options{Source: src})
	return obj, gd, src
}

// DumpObject renders everything Compile decided: maps, events, probe
// names and every program's instructions.
func DumpObject(obj *Object) string {
	var b strings.Builder
	b.WriteString("maps:\n")
	for _, m := range obj.Maps {
		fmt.Fprintf(&b, "  %s kernel=%s type=%s key=%d value=%d entries=%d percpu=%v internal=%v",
			m.Name, m.Spec.Name, m.Spec.Type, m.Spec.KeySize, m.Spec.ValueSize, m.Spec.MaxEntries, m.PerCPU, m.Internal)
		if m.Key != nil {
			fmt.Fprintf(&b, " keytype=%s", m.Key)
		}
		if m.Value != nil {
			fmt.Fprintf(&b, " valuetype=%s", m.Value)
		}
		b.WriteByte('\n')
	}
	b.WriteString("events:\n")
	for i, ev := range obj.Events {
		fmt.Fprintf(&b, "  #%d kind=%d size=%d", i, ev.Kind, ev.Size)
		if ev.Format != "" {
			fmt.Fprintf(&b, " format=%q", ev.Format)
		}
		if ev.Map != "" {
			fmt.Fprintf(&b, " map=%s", ev.Map)
		}
		for _, a := range ev.Args {
			fmt.Fprintf(&b, " %s@%d", a.Type, a.Offset)
		}
		b.WriteByte('\n')
	}
	if len(obj.ProbeNames) > 0 {
		fmt.Fprintf(&b, "probe names: %q\n", obj.ProbeNames)
	}
	if len(obj.TimeFormats) > 0 {
		fmt.Fprintf(&b, "time formats: %q\n", obj.TimeFormats)
	}
	for _, p := range obj.Programs {
		fmt.Fprintf(&b, "program %s kind=%s probe=%q type=%s target=%+v insns=%d\n", p.Name, p.Kind, p.Probe, p.Type, p.Target, len(p.Insns))
		fmt.Fprintf(&b, "%v", p.Insns)
	}
	return b.String()
}

// TestGolden compiles each per-construct script with the fixture host and
// compares the object dump with testdata/NAME.golden (go test -update
// rewrites them).
func TestGolden(t *testing.T) {
	for _, c := range GoldenCases {
		t.Run(c.Name, func(t *testing.T) {
			obj, gd, src := CompileScript(t, c.Src, nil)
			if len(gd.Items) > 0 {
				t.Fatalf("compile:\n%s", src.Render(gd))
			}
			got := "// " + c.Src + "\n" + DumpObject(obj)
			file := filepath.Join("testdata", c.Name+".golden")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./codegen -run TestGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file (run with -update if intended):\n%s", file, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant: %s\ngot:  %s", i+1, w, g)
		}
	}
	return "(identical lines)"
}

// TestDeterministic compiles every golden script twice (with fresh hosts)
// and requires byte-identical dumps: map iteration order must never leak
// into the object.
func TestDeterministic(t *testing.T) {
	for _, c := range GoldenCases {
		var prev string
		for i := 0; i < 3; i++ {
			obj, _, _ := CompileScript(t, c.Src, nil)
			d := DumpObject(obj)
			if i > 0 && d != prev {
				t.Errorf("%s: compiling twice gave different objects:\n%s", c.Name, lineDiff(prev, d))
				break
			}
			prev = d
		}
	}
	// A script with many maps, events and variables in several probes.
	big := `BEGIN { @z = 1; @a[1] = count(); @m["x"] = sum(2); $v = 1; $w = "s"; printf("%d %s\n", $v, $w); }
tracepoint:syscalls:sys_enter_openat { @o[comm, pid] = count(); @h = hist(args.dfd); }
tracepoint:sched:sched_switch { @s[args.next_comm] = lhist(args.next_pid, 0, 1000, 100); }
END { print(@z); clear(@a); }`
	first := DumpObject(mustCompile(t, big))
	for i := 0; i < 5; i++ {
		if d := DumpObject(mustCompile(t, big)); d != first {
			t.Fatalf("nondeterministic output:\n%s", lineDiff(first, d))
		}
	}
}

func mustCompile(t *testing.T, text string) *Object {
	t.Helper()
	obj, gd, src := CompileScript(t, text, nil)
	if gd.HasErrors() {
		t.Fatalf("compile:\n%s", src.Render(gd))
	}
	return obj
}

// TestStackOverflow: scripts that need more than 512 bytes of stack get a
// positioned diagnostic, not a panic or a program the verifier rejects.
func TestStackOverflow(t *testing.T) {
	cases := []struct {
		name, src string
		// at is a substring of the script where the error span starts.
		at string
	}{
		// Values up to 128 bytes live on the 512-byte stack.
		{"many medium strings", `config = { max_strlen = 120 } tracepoint:syscalls:sys_enter_openat { $a = str(args.filename); $b = str(args.filename); $c = str(args.filename); $d = str(args.filename); $e = str(args.filename); printf("%s %s %s %s %s\n", $a, $b, $c, $d, $e); }`, "$e"},
		// Bigger ones go to the 32 KiB per-CPU scratch area.
		{"huge tuple", `BEGIN { $t = (` + strings.Repeat(`"`+strings.Repeat("x", 1000)+`", `, 40) + `1); print($t); }`, "$t"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := diag.NewSource("stdin", c.src)
			prog, pd := parser.Parse(src)
			if pd.HasErrors() {
				t.Fatalf("parse:\n%s", src.Render(pd))
			}
			info, cd := check.Check(src, prog, &check.Config{Host: newFixtureHost(), Params: []string{"x"}})
			if cd.HasErrors() {
				t.Fatalf("check:\n%s", src.Render(cd))
			}
			var gd *diag.List
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Compile panicked: %v", r)
					}
				}()
				_, gd = Compile(info, &Options{Source: src})
			}()
			if !gd.HasErrors() {
				t.Fatal("no stack diagnostic")
			}
			for _, d := range gd.Items {
				if d.Code != diag.CodeStack {
					t.Errorf("diagnostic code %q, want %q: %s", d.Code, diag.CodeStack, d.Msg)
				}
				if !strings.Contains(d.Msg, "stack") && !strings.Contains(d.Msg, "scratch") {
					t.Errorf("message does not mention the stack or scratch space: %s", d.Msg)
				}
				if s := d.Span; s.Start < 0 || s.End > len(c.src) || s.Start >= s.End {
					t.Errorf("bad span %v: %s", s, src.Format(d))
				}
				if !strings.HasPrefix(c.src[d.Span.Start:], c.at) {
					t.Errorf("span starts at %q, want at %q:\n%s", c.src[d.Span.Start:min(d.Span.End, len(c.src))], c.at, src.Format(d))
				}
			}
		})
	}
}

// TestCallGensComplete: every implemented function has a generator.
func TestCallGensComplete(t *testing.T) {
	for id := stdlib.FuncID(1); int(id) < stdlib.NumFuncs; id++ {
		def := &stdlib.Funcs[id]
		if !def.Has(stdlib.Implemented) {
			continue
		}
		g := callGens[id]
		if g.stmt == nil && g.scalar == nil && g.mem == nil && g.agg == nil {
			t.Errorf("function %s is implemented but has no callGens entry", def.Name)
		}
		if def.Has(stdlib.Aggregation) && g.agg == nil {
			t.Errorf("aggregation %s has no agg generator", def.Name)
		}
		if def.Has(stdlib.Statement) && g.stmt == nil {
			t.Errorf("statement function %s has no stmt generator", def.Name)
		}
	}
	if len(stdlib.Funcs) != stdlib.NumFuncs {
		t.Errorf("stdlib.Funcs has %d entries, NumFuncs is %d", len(stdlib.Funcs), stdlib.NumFuncs)
	}
}

// TestBuiltinGensComplete: every implemented builtin variable with a
// fixed type has a generator of the right form.
func TestBuiltinGensComplete(t *testing.T) {
	for id := stdlib.VarID(1); int(id) < stdlib.NumVars; id++ {
		def := &stdlib.Vars[id]
		if !def.Implemented || def.Type == nil {
			continue
		}
		g := builtinGens[id]
		if isScalar(def.Type) && g.scalar == nil {
			t.Errorf("builtin %s (%s) is implemented but has no scalar generator", def.Name, def.Type)
		}
		if !isScalar(def.Type) && g.mem == nil {
			t.Errorf("builtin %s (%s) is implemented but has no mem generator", def.Name, def.Type)
		}
	}
}

// TestProbeKindsComplete: every implemented probe kind has a program type.
func TestProbeKindsComplete(t *testing.T) {
	for k := stdlib.ProbeKind(1); int(k) < stdlib.NumProbeKinds; k++ {
		if stdlib.Probes[k].Implemented && probeKinds[k].progType == 0 {
			t.Errorf("probe kind %s is implemented but has no probeKinds entry", k)
		}
	}
}

// TestGoldenFilesUsed: no stale golden files.
func TestGoldenFilesUsed(t *testing.T) {
	names := map[string]bool{}
	for _, c := range GoldenCases {
		if names[c.Name] {
			t.Errorf("duplicate golden case %s", c.Name)
		}
		names[c.Name] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".golden"); !names[n] {
			t.Errorf("golden file %s has no case", f)
		}
	}
}

// TestBigValuesUseScratch: values too big for the stack compile, into the
// per-CPU scratch area.
func TestBigValuesUseScratch(t *testing.T) {
	for name, text := range map[string]string{
		"strings":       `config = { max_strlen = 200 } tracepoint:syscalls:sys_enter_openat { $a = str(args.filename); $b = str(args.filename); $c = str(args.filename); printf("%s %s %s\n", $a, $b, $c); }`,
		"long literals": `BEGIN { $a = "` + strings.Repeat("a", 300) + `"; $b = "` + strings.Repeat("b", 300) + `"; printf("%s %s\n", $a, $b); }`,
		"wide tuple":    `BEGIN { $t = ("` + strings.Repeat("x", 200) + `", "` + strings.Repeat("y", 200) + `", "` + strings.Repeat("z", 200) + `"); print($t); }`,
	} {
		t.Run(name, func(t *testing.T) {
			src := diag.NewSource("stdin", text)
			prog, pd := parser.Parse(src)
			info, cd := check.Check(src, prog, &check.Config{Host: newFixtureHost()})
			if pd.HasErrors() || cd.HasErrors() {
				t.Fatalf("front end:\n%s%s", src.Render(pd), src.Render(cd))
			}
			obj, gd := Compile(info, &Options{Source: src})
			if gd.HasErrors() {
				t.Fatalf("compile:\n%s", src.Render(gd))
			}
			m := obj.Map(ScratchMap)
			if m == nil || m.Spec.ValueSize < 600 || int(m.Spec.MaxEntries) != len(obj.Programs) {
				t.Fatalf("scratch map %+v", m)
			}
		})
	}
}

// ResolveBinary implements check.Host: "libc" and absolute paths only.
func (h *fixtureHost) ResolveBinary(name string) (string, error) {
	switch {
	case name == "libc":
		return "/lib/x86_64-linux-gnu/libc.so.6", nil
	case strings.HasPrefix(name, "/"):
		return name, nil
	}
	return "", fmt.Errorf("uprobe target '%s' not found", name)
}

// FuncSymbols implements check.Host with a few libc functions.
func (h *fixtureHost) FuncSymbols(path, pattern string) ([]string, error) {
	var out []string
	for _, f := range []string{"Py_Main", "getpid", "getppid", "malloc", "read", "write"} {
		if ok, _ := filepath.Match(pattern, f); ok {
			out = append(out, f)
		}
	}
	if len(out) == 0 && !strings.ContainsAny(pattern, "*?[") {
		return nil, fmt.Errorf("function '%s' not found in %s", pattern, path)
	}
	return out, nil
}

// KernelFuncs implements check.Host with a few kernel functions.
func (h *fixtureHost) KernelFuncs(pattern string) ([]string, error) {
	var out []string
	for _, f := range []string{"do_nanosleep", "tcp_set_state", "vfs_read", "vfs_write"} {
		if ok, _ := filepath.Match(pattern, f); ok {
			out = append(out, f)
		}
	}
	if len(out) == 0 && !strings.ContainsAny(pattern, "*?[") {
		return nil, fmt.Errorf("kernel function '%s' not found in /proc/kallsyms", pattern)
	}
	return out, nil
}

// KernelSymbolAddr implements check.Host with a few kernel symbols.
func (h *fixtureHost) KernelSymbolAddr(name string) (uint64, error) {
	switch name {
	case "vfs_read":
		return 0xffffffff816bab70, nil
	case "avenrun":
		return 0xffffffff83a1b2c0, nil
	}
	return 0, fmt.Errorf("kernel symbol '%s' not found in /proc/kallsyms", name)
}

// fixtureTask is a small struct task_struct: pid, comm and real_parent.
var fixtureTask = func() *types.Struct {
	t := &types.Struct{Kind: "struct", Name: "task_struct", Bytes: 64, Align_: 8}
	t.Fields = []types.Field{
		{Name: "pid", Type: types.Int32, Offset: 8},
		{Name: "comm", Type: &types.Array{Elem: types.Int8, Len: 16}, Offset: 16},
		{Name: "real_parent", Type: &types.Pointer{Elem: t}, Offset: 40},
	}
	return t
}()

// fixtureSock is struct sock with an embedded sock_common.
var fixtureSock = &types.Struct{Kind: "struct", Name: "sock", Bytes: 32, Align_: 8, Fields: []types.Field{
	{Name: "__sk_common", Type: &types.Struct{Kind: "struct", Name: "sock_common", Bytes: 24, Align_: 8, Fields: []types.Field{
		{Name: "skc_family", Type: types.Uint16, Offset: 16},
		{Name: "skc_state", Type: types.Uint8, Offset: 18},
	}}},
	{Name: "sk_txtime_unused", Type: types.Uint16, Offset: 24, BitOffset: 4, BitSize: 9},
	{Name: "sk_kern_sock", Type: types.Int8, Offset: 26, BitOffset: 2, BitSize: 3},
}}

// KernelType implements check.Host with task_struct, sock and pid_t.
func (h *fixtureHost) KernelType(name string) (types.Type, error) {
	if s, ok := fixtureVMA[name]; ok {
		return s, nil
	}
	switch name {
	case "struct task_struct":
		return fixtureTask, nil
	case "struct sock":
		return fixtureSock, nil
	case "pid_t":
		return types.Int32, nil
	}
	return nil, fmt.Errorf("type '%s' not found in BTF", name)
}

// KernelEnumValue implements check.Host with two enumerators.
func (h *fixtureHost) KernelEnumValue(name string) (int64, *types.Enum, bool) {
	switch name {
	case "TASK_COMM_LEN":
		return 16, &types.Enum{Name: "", Names: map[int64]string{16: "TASK_COMM_LEN"}}, true
	case "TCP_ESTABLISHED":
		return 1, &types.Enum{Name: "", Names: map[int64]string{1: "TCP_ESTABLISHED"}}, true
	}
	return 0, nil, false
}

// USDTProbes implements check.Host with one fake probe, python:gc__start
// with one argument, in every binary.
func (h *fixtureHost) USDTProbes(path, provider, name string) ([]check.USDTProbe, error) {
	if provider == "" {
		provider = "*"
	}
	okP, _ := filepath.Match(provider, "python")
	okN, _ := filepath.Match(name, "gc__start")
	if !okP || !okN {
		return nil, nil
	}
	return []check.USDTProbe{{Provider: "python", Name: "gc__start", Args: []string{"-4@112(%rsp)"}, Offset: 0x1000, RefCtrOffset: 0x2000}}, nil
}

// CgroupID implements check.Host: the cgroup roots have id 1, and
// /sys/fs/cgroup/unified/test 4242; other paths do not exist.
func (h *fixtureHost) CgroupID(path string) (uint64, error) {
	switch path {
	case "/sys/fs/cgroup", "/sys/fs/cgroup/unified":
		return 1, nil
	case "/sys/fs/cgroup/unified/test":
		return 4242, nil
	}
	return 0, fs.ErrNotExist
}

// UserSymbol implements check.Host: GLOBAL_A and Py_OptimizeFlag (4
// bytes), __libc_single_threaded (1) and BIG (16) in every binary;
// libraries (paths containing ".so") are relocatable.
func (h *fixtureHost) UserSymbol(path, name string) (check.UserSym, error) {
	reloc := strings.Contains(path, ".so")
	switch name {
	case "GLOBAL_A", "Py_OptimizeFlag":
		return check.UserSym{Addr: 0x4010, Size: 4, Relocatable: reloc, Inode: 0x1234567890}, nil
	case "__libc_single_threaded":
		return check.UserSym{Addr: 0x4018, Size: 1, Relocatable: reloc, Inode: 0x1234567890}, nil
	case "BIG":
		return check.UserSym{Addr: 0x4020, Size: 16, Relocatable: reloc, Inode: 0x1234567890}, nil
	}
	return check.UserSym{}, fmt.Errorf("no such symbol")
}

// fixtureVMA holds the kernel structs of the mapping walk of uaddr().
var fixtureVMA = map[string]*types.Struct{
	"struct vm_area_struct": {Kind: "struct", Name: "vm_area_struct", Bytes: 192, Align_: 8, Fields: []types.Field{
		{Name: "", Offset: 0, Type: &types.Struct{Kind: "union", Bytes: 16, Align_: 8, Fields: []types.Field{
			{Name: "", Type: &types.Struct{Kind: "struct", Bytes: 16, Align_: 8, Fields: []types.Field{
				{Name: "vm_start", Type: types.Uint64},
				{Name: "vm_end", Type: types.Uint64, Offset: 8},
			}}},
		}}},
		{Name: "vm_file", Type: &types.Pointer{Elem: types.Uint8}, Offset: 160},
	}},
	"struct file":  {Kind: "struct", Name: "file", Bytes: 64, Align_: 8, Fields: []types.Field{{Name: "f_inode", Type: &types.Pointer{Elem: types.Uint8}, Offset: 32}}},
	"struct inode": {Kind: "struct", Name: "inode", Bytes: 128, Align_: 8, Fields: []types.Field{{Name: "i_ino", Type: types.Uint64, Offset: 64}}},
}
