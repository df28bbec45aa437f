package codegen

import (
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/parser"
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
	{"hist_bits", `BEGIN { @h[pid] = hist(100, 3); }`},
	{"tseries", `BEGIN { @t = tseries(pid, 100ms, 5); }`},
	{"tseries_avg", `BEGIN { @t[comm] = tseries(-1, 1s, 10, "avg"); }`},
	{"tseries_min", `BEGIN { @t = tseries(3, 1s, 2, "min"); @ts = (uint64)1; }`},
	{"getopt", `BEGIN { printf("%d %s %d\n", getopt("n", 5), getopt("s", "x"), getopt("b")); }`},
	{"lhist", `BEGIN { @l = lhist(15, 0, 100, 10); }`},
	{"string_compare", `BEGIN { if (comm == "swapper") { printf("yes\n"); } }`},
	{"ternary", `BEGIN { $x = pid > 1 ? 10 : 20; printf("%d %s\n", $x, $x > 15 ? "big" : "small"); }`},
	{"if_else", `BEGIN { $x = 5; if ($x < 3) { printf("a\n"); } else if ($x < 10) { printf("b\n"); } else { printf("c\n"); } }`},
	{"while", `BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 2) { continue; } if ($i > 5) { break; } } }`},
	{"for_range", `BEGIN { $s = 0; for ($i : 1..5) { if ($i == 2) { continue; } if ($i == 4) { break; } $s += $i; } print($s); }`},
	{"for_map", `BEGIN { @m[1, "a"] = "x"; for ($kv : @m) { printf("%d %s %s\n", $kv.0.0, $kv.0.1, $kv.1); } }`},
	{"for_map_count", `BEGIN { @c[7] = count(); for ($kv : @c) { print($kv); } }`},
	{"for_return", `BEGIN { @m[1] = 1; for ($kv : @m) { for ($i : 0..3) { if ($i == 1) { return; } } } print("not reached"); }`},
	{"unroll", `BEGIN { $i = 1; unroll(3) { $i = $i * 2; } printf("%d\n", $i); }`},
	{"compound_assign", `BEGIN { $z = 7; $z += 3; $z <<= 2; @m = 1; @m *= 5; }`},
	{"incdec_map", `BEGIN { @c++; ++@c; @d[1]--; }`},
	{"tuple_key", `BEGIN { @t[1, "a"] = 2; $t = (3, "b"); printf("%d %s\n", $t.0, $t.1); }`},
	{"predicate", `tracepoint:syscalls:sys_enter_openat /pid == 1/ { @n = count(); }`},
	{"tracepoint_btf_pointee", `tracepoint:syscalls:sys_enter_nanosleep { @[args.rqtp->tv_sec] = count(); printf("%d\n", (*args.rmtp).tv_nsec); }`},
	{"str_filename", `tracepoint:syscalls:sys_enter_openat { printf("%s %d\n", str(args.filename), args.dfd); }`},
	{"exit", `BEGIN { exit(); }`},
	{"test_bench", `test:t { @x = 1; if (@x != 1) { errorf("bad"); } } bench:b { @n = count(); }`},
	{"self_signal", `self:signal:SIGUSR1 { printf("%s %s %d\n", probe, probetype, usermode); @n = count(); }`},
	{"nsecs_clocks", `BEGIN { @ = (nsecs() > 0, nsecs(monotonic) > 0, nsecs(sw_tai) > nsecs(boot), pid() == pid); }`},
	{"usermode_username", `BEGIN { @b = usermode; } interval:s:1 { @i[username] = usermode(); } tracepoint:syscalls:sys_enter_openat { @t = (usermode, *(uint64 *)(ctx + 8)); }`},
	{"len_map", `BEGIN { @m[1] = 2; @c[comm] = count(); @n = len(@m) + len(@c); }`},
	{"percpu_kaddr", `BEGIN { @a = *percpu_kaddr("process_counts"); $p = percpu_kaddr("process_counts", 1); if ($p != 0) { @b = *$p; } }`},
	{"buf_values", `BEGIN { $a = (uint8[4])0x04030201; @[buf("ok_key", 6)] = 1; printf("%r %r\n", buf($a), buf("xyz", $a[0])); }`},
	{"strings_more", `tracepoint:syscalls:sys_enter_openat { @[str_concat(comm, "!")] = strstr(comm, "ls") + strcap(args.filename) + strcap(comm); $s = str_concat("a", comm); printf("%s %d\n", $s, strstr($s, comm)); }`},
	{"find", `BEGIN { @m[1, "a"] = (2, "x"); let $v; if (find(@m, (1, "a"), $v)) { printf("%d %s\n", $v.0, $v.1); } @n[comm] = 3; $w = 1; find(@n, comm, $w); }`},
	{"memcmp", `BEGIN { $a = "abc"; $n = 2; @r = (memcmp($a, "abd", 3), memcmp($a, comm, $n), memcmp((uint32)0x80, (uint32)0x7f, 1)); }`},
	{"signal_thread", `tracepoint:syscalls:sys_enter_openat { signal_thread("SIGUSR1"); signal_thread(pid % 64 + 1); }`},
	{"debugf", `BEGIN { $c = comm; debugf("debugf %s %d 100%% %x\n", $c, pid, 16); debugf("plain"); }`},
	{"probetype", `BEGIN { printf("%s\n", probetype); } tracepoint:syscalls:sys_enter_openat { @[probetype()] = count(); }`},
	{"errorf_warnf", `BEGIN { errorf("bad %d %s", 10, "x"); warnf("careful %x\n", pid); }`},
	{"cat_system", `BEGIN { cat("/proc/%d/comm", pid); system("echo %s", comm); }`},
	{"signal", `tracepoint:syscalls:sys_enter_openat { signal("SIGUSR1"); signal(pid % 64 + 1); }`},
	{"macaddr", `uprobe:libc:getpid { @[macaddr((uint8 *)arg0)] = count(); printf("%s\n", macaddr((uint8 *)arg1)); }`},
	{"cgroup", `BEGIN { if (cgroup == cgroupid("/sys/fs/cgroup")) { printf("%s\n", cgroup_path(cgroup, "unified")); } }`},
	{"ustack_usym", `uprobe:libc:getpid { @[ustack(perf, 3)] = count(); printf("%s%s\n", ustack, usym(arg0)); }`},
	{"dw_ustack", `uprobe:libc:getpid { @[dw_ustack(perf, 3)] = count(); }`},
	{"dw_ustack_tracepoint", `tracepoint:sched:sched_switch { printf("%s", dw_ustack()); }`},
	{"ustack_build_id", `uprobe:libc:getpid { @[ustack(build_id, 3)] = count(); print((1, ustack(build_id))); }`},
	{"software_event", `software:page-faults:10 { @[comm] = count(); } hardware:cycles { @c = count(); }`},
	{"watchpoint", `watchpoint:0x10000000:8:w { @[comm, reg("ip")] = count(); } watchpoint:0x10000008:1:rw { printf("%s\n", probe); unwatch(0x10000008); unwatch((uint8 *)0x10000000); }`},
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
	{"div_by_zero", `BEGIN { $x = 0; printf("%d %d\n", 10 / $x, 10 % $x); $y = 5; $y /= $x; @m = 7; @m %= $x; @c = 9 / 3; }`},
	{"tp_char_array", `tracepoint:sched:sched_switch { @[args.next_comm] = count(); }`},
	{"tp_data_loc", `tracepoint:sched:sched_process_exec { printf("%s\n", args.filename); }`},
	{"probe_interval", `interval:s:1 { printf("%s\n", probe); }`},
	{"block_expr", `BEGIN { $a = { let $b = pid; $b + 1 }; printf("%d %d\n", $a, { printf("x\n"); 2 }); }`},
	{"if_expr", `BEGIN { $a = if pid > 1 { "big" } else { "small" }; print($a); }`},
	{"elvis", `BEGIN { $a = pid ?: 7; $s = comm ?: "none"; printf("%d %s\n", $a, $s); }`},
	{"macro", `macro add1(x) { x + 1 } macro inc($v) { $v += 1; } BEGIN { $a = add1(pid); inc($a); printf("%d\n", $a); }`},
	{"stdlib_macro", `BEGIN { printf("%d %d %s\n", ppid(curtask), is_err(-2), signal_name(2)); }`},
}

// CompileScript parses, checks and compiles text with host (nil: the
// fixture host). Front-end errors fail the test; code generation
// diagnostics are returned with the object.
func CompileScript(t testing.TB, text string, host check.Host, params ...string) (*Object, *diag.List, *diag.Source) {
	t.Helper()
	return compileScriptWith(t, text, host, &Options{}, params...)
}

// compileScriptWith is CompileScript with code generation options (their
// Source is set to the script).
func compileScriptWith(t testing.TB, text string, host check.Host, opts *Options, params ...string) (*Object, *diag.List, *diag.Source) {
	t.Helper()
	if host == nil {
		host = hosttest.New()
	}
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatalf("parse %q:\n%s", text, src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: host, Params: params, Unsafe: true, UnwindTargets: true})
	if cd.HasErrors() {
		t.Fatalf("check %q:\n%s", text, src.Render(cd))
	}
	opts.Source = src
	obj, gd := Compile(info, opts)
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
		if ev.Error != 0 {
			fmt.Fprintf(&b, " error=%d span=%d-%d", ev.Error, ev.Span.Start, ev.Span.End)
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
		fmt.Fprintf(&b, "program %s kind=%s probe=%q type=%s target={%s} insns=%d\n", p.Name, p.Kind, p.Probe, p.Type, targetFields(p.Target), len(p.Insns))
		fmt.Fprintf(&b, "%v", p.Insns)
	}
	return b.String()
}

// targetFields lists a target's non-zero fields as Name:value, so that a
// field added for one probe kind does not change every golden file.
func targetFields(t Target) string {
	v := reflect.ValueOf(t)
	var parts []string
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); !f.IsZero() {
			parts = append(parts, fmt.Sprintf("%s:%v", v.Type().Field(i).Name, f.Interface()))
		}
	}
	return strings.Join(parts, " ")
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
			compareGolden(t, filepath.Join("testdata", c.Name+".golden"), got)
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
			info, cd := check.Check(src, prog, &check.Config{Host: hosttest.New(), Params: []string{"x"}})
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
			info, cd := check.Check(src, prog, &check.Config{Host: hosttest.New()})
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
