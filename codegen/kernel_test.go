//go:build linux

package codegen_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/output"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// goldenDir holds the outputs of bpftrace 0.17 on this machine.
const goldenDir = "/work/shared/reference/golden-0.17"

// requireRoot skips a kernel test when not running as root, except under
// CI=true, where a skipped kernel test would hide a regression: it fails.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("kernel test needs root (CI=true forbids skipping)")
	}
	t.Skip("kernel test needs root to load BPF programs; run as root (CI=true makes this a failure)")
}

// liveHost is the real host, shared by all tests (it caches tracefs).
var liveHost = runtime.NewHost(nil)

// liveNoKfuncs makes compileLive compile as for a kernel without kfuncs
// (the fallbacks of older kernels).
var liveNoKfuncs bool

// percpuRefusal reports whether msg is the checker's refusal of
// percpu_kaddr() on a kernel that cannot resolve per-CPU variables: its
// kallsyms lists no data symbols, or its BTF describes no variables (as
// Debian's 5.10 does), which the always-present runqueues shows.
func percpuRefusal(msg string) bool {
	return strings.HasPrefix(msg, check.PercpuNoKallsyms) ||
		strings.HasPrefix(msg, "Could not resolve variable") && !liveHost.KernelVar("runqueues")
}

// compileLive parses, checks and compiles text against the live kernel.
func compileLive(t testing.TB, text string, params ...string) *codegen.Object {
	t.Helper()
	obj, src, gd := compileLiveDiags(t, text, params...)
	if gd.HasErrors() {
		t.Fatalf("compile %q:\n%s", text, src.Render(gd))
	}
	return obj
}

// compileLiveDiags is compileLive returning code generation's
// diagnostics (parse and check errors still fail the test).
func compileLiveDiags(t testing.TB, text string, params ...string) (*codegen.Object, *diag.Source, *diag.List) {
	t.Helper()
	src := diag.NewSource("stdin", text)
	prog, diags := parser.Parse(src)
	if diags.HasErrors() {
		t.Fatalf("parse %q:\n%s", text, src.Render(diags))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: liveHost, Params: params, Unsafe: true, UnwindTargets: true, StrLen: runtime.DefaultMaxStrlen()})
	if cd.HasErrors() {
		// A kernel whose kallsyms lists no data symbols refuses
		// percpu_kaddr(): the caller sees the errors as compile errors.
		for _, d := range cd.Errors() {
			if !percpuRefusal(d.Msg) {
				t.Fatalf("check %q:\n%s", text, src.Render(cd))
			}
		}
		return nil, src, cd
	}
	opts := runtime.KernelOptions(&codegen.Options{Source: src, Events: liveEvents, HelperErrors: liveHelperErrors})
	if liveNoKfuncs {
		opts.Kfunc = func(string) bool { return false }
	}
	obj, gd := codegen.Compile(info, opts)
	return obj, src, gd
}

// load loads obj and closes it when the test ends. Verifier rejections
// fail the test with the end of the verifier log.
func load(t testing.TB, obj *codegen.Object) *runtime.Loaded {
	t.Helper()
	l, err := runtime.Load(obj, nil)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			log := ve.Log
			if len(log) > 30 {
				log = log[len(log)-30:]
			}
			t.Fatalf("load: %v\n%s", err, strings.Join(log, "\n"))
		}
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return l
}

// TestLoadGoldenConstructs loads every per-construct golden script, compiled
// against the live kernel's tracepoints, through the verifier.
func TestLoadGoldenConstructs(t *testing.T) {
	requireRoot(t)
	for _, c := range codegen.GoldenCases {
		t.Run(c.Name, func(t *testing.T) {
			obj := compileConstruct(t, c.Src)
			if obj == nil {
				return
			}
			l := load(t, obj)
			if len(l.Programs) != len(obj.Programs) {
				t.Fatalf("%d programs loaded, want %d", len(l.Programs), len(obj.Programs))
			}
			for _, m := range obj.Maps {
				if l.Map(m.Name) == nil {
					t.Errorf("map %s not created", m.Name)
				}
			}
		})
	}
}

// compileConstruct compiles a golden construct against the live kernel.
// On a kernel without a kfunc a construct needs (the task-VMA kfuncs of
// uaddr() of a symbol in a position-independent file, Linux 6.7;
// bpf_map_sum_elem_count of len(), 6.6), the construct cannot be
// compiled: it then checks that each error says so at the call and names
// a kfunc the kernel really lacks, and returns nil.
func compileConstruct(t *testing.T, text string) *codegen.Object {
	t.Helper()
	obj, src, gd := compileLiveDiags(t, text)
	if !gd.HasErrors() {
		return obj
	}
	if missingLoopHelper(text, gd) {
		t.Logf("the kernel lacks a helper for loops: %s", gd.Errors()[0].Msg)
		return nil
	}
	const lacks = "this kernel lacks the kernel function "
	for _, d := range gd.Errors() {
		if percpuRefusal(d.Msg) {
			t.Logf("no per-CPU variables here: %s", d.Msg)
			continue
		}
		_, name, _ := strings.Cut(d.Msg, lacks)
		name, _, _ = strings.Cut(name, " ")
		if name == "" || runtime.HaveKfunc(name) {
			t.Fatalf("compile %q:\n%s", text, src.Render(gd))
		}
		at := text[d.Span.Start:d.Span.End]
		if !strings.HasPrefix(at, "uaddr(") && !strings.HasPrefix(at, "len(") {
			t.Fatalf("want %q errors at uaddr() or len() calls:\n%s", lacks, src.Render(gd))
		}
		t.Logf("no %s: %s is refused at the call", name, at)
	}
	return nil
}

// testResolver supplies probe names to the output layer.
type testResolver struct{ obj *codegen.Object }

func (r testResolver) ProbeName(id uint64) string {
	if id < uint64(len(r.obj.ProbeNames)) {
		return r.obj.ProbeNames[id]
	}
	return ""
}
func (r testResolver) AppendStrftime(dst []byte, fmtID, ns uint64) []byte {
	return fmt.Appendf(dst, "<time %d>", fmtID)
}
func (testResolver) KernelSymbol(uint64) string                { return "" }
func (testResolver) UserSymbol(uint64, uint64) string          { return "" }
func (testResolver) Stack(bool, uint64, uint64) []output.Frame { return nil }
func (testResolver) CgroupPath(uint64, string) string          { return "" }

// run is the result of runBegin.
type run struct {
	// stdout is what gobpftrace prints: event text, then (unless the
	// script printed nothing at exit) "\n\n" and the map dump.
	stdout string
	// events is the event text alone, maps the map dump alone.
	events, maps string
	// code is the exit code passed to exit().
	code   int
	exited bool
	// rterrs are the runtime error events, in the order received.
	rterrs []*codegen.EventDef
}

// runBegin compiles script, loads it, runs its BEGIN programs and then its
// END programs with BPF_PROG_TEST_RUN, reads the ring buffer with an
// EventReader and prints the events the way cmd/gobpftrace does (printf
// through output.AppendPrintf, print, print(@map), clear, zero, exit),
// then dumps every map with output.AppendMapDump. It returns the text the
// tool would write to stdout.
func runBegin(t *testing.T, script string, params ...string) string {
	t.Helper()
	return runScript(t, script, params...).stdout
}

func runScript(t *testing.T, script string, params ...string) *run {
	t.Helper()
	requireRoot(t)
	obj := compileLive(t, script, params...)
	l := load(t, obj)
	res := testResolver{obj}
	var out strings.Builder
	r := &run{}
	handle := func(rec []byte) {
		if len(rec) < codegen.HeaderSize {
			t.Errorf("short record of %d bytes", len(rec))
			return
		}
		id := binary.LittleEndian.Uint32(rec)
		if int(id) >= len(obj.Events) {
			t.Errorf("record with event id %d of %d", id, len(obj.Events))
			return
		}
		ev := obj.Events[id]
		if len(rec) < ev.Size {
			t.Errorf("event %d: record of %d bytes, want %d", id, len(rec), ev.Size)
			return
		}
		args := make([]output.Arg, len(ev.Args))
		for i, a := range ev.Args {
			args[i] = output.Arg{Type: a.Type, Offset: a.Offset}
		}
		var b []byte
		switch ev.Kind {
		case codegen.EventPrintf:
			b = output.AppendPrintf(nil, ev.Pieces, args, rec, res)
		case codegen.EventPrint:
			a := args[0]
			b = output.AppendValue(nil, a.Type, rec[a.Offset:a.Offset+a.Type.Size()], res)
			b = append(b, '\n')
		case codegen.EventPrintMap:
			top, div := output.PrintMapArgs(args, rec)
			if m := readMap(t, l, ev.Map); m != nil {
				b = output.AppendMap(nil, m, top, div, res)
			}
		case codegen.EventClear:
			if err := l.ClearMap(ev.Map); err != nil {
				t.Errorf("clear(%s): %v", ev.Map, err)
			}
		case codegen.EventZero:
			if err := l.ZeroMap(ev.Map); err != nil {
				t.Errorf("zero(%s): %v", ev.Map, err)
			}
		case codegen.EventExit:
			if len(args) > 0 {
				r.code = int(int64(binary.LittleEndian.Uint64(rec[args[0].Offset:])))
			}
			r.exited = true
		case codegen.EventRuntimeError:
			r.rterrs = append(r.rterrs, ev)
		case codegen.EventErrorf, codegen.EventWarnf:
			// The runtime prints them on stderr with the call's location;
			// here their text follows the severity on stdout.
			b = []byte("WARNING: ")
			if ev.Kind == codegen.EventErrorf {
				b = []byte("ERROR: ")
			}
			b = append(bytes.TrimSuffix(output.AppendPrintf(b, ev.Pieces, args, rec, res), []byte("\n")), '\n')
		default:
			t.Errorf("unexpected event kind %d", ev.Kind)
		}
		out.Write(b)
	}
	rd, err := l.NewEventReader(handle, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	// BEGIN programs first, then END, as the tool does when BEGIN calls
	// exit(); the ring is drained after each phase.
	for _, kind := range []stdlib.ProbeKind{stdlib.Begin, stdlib.End} {
		for _, p := range l.Programs {
			if p.Kind == kind {
				if err := l.RunOnce(p); err != nil {
					t.Fatalf("running %s: %v", p.Probe, err)
				}
			}
		}
		if err := rd.Drain(); err != nil {
			t.Fatalf("drain: %v", err)
		}
	}
	rd.Stop()
	if lost, err := l.Lost(); err != nil || lost != 0 {
		t.Errorf("lost %d events (%v)", lost, err)
	}
	r.events = out.String()
	var maps []*output.Map
	for _, def := range obj.SortedMaps() {
		if m := readMap(t, l, def.Name); m != nil {
			maps = append(maps, m)
		}
	}
	r.maps = string(output.AppendMapDump(nil, maps, res))
	r.stdout = r.events + string(output.AppendExitPreamble(nil)) + r.maps
	return r
}

// readMap reads a map for printing, like cmd/gobpftrace's printer.
func readMap(t *testing.T, l *runtime.Loaded, name string) *output.Map {
	def := l.Object.Map(name)
	if def == nil {
		t.Errorf("no map %s", name)
		return nil
	}
	entries, err := l.ReadMap(name)
	if err != nil {
		t.Errorf("reading map %s: %v", name, err)
		return nil
	}
	m := &output.Map{Name: name, Key: def.Key, Value: def.Value, Entries: make([]output.MapEntry, len(entries))}
	for i, e := range entries {
		m.Entries[i] = output.MapEntry{Key: e.Key, Values: e.Values}
	}
	return m
}

// golden returns the stdout of a bpftrace 0.17 golden run without its
// "Attaching N probes..." line.
func golden(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, name+".out"))
	if err != nil {
		t.Skipf("golden file not available: %v", err)
	}
	s := string(data)
	if strings.HasPrefix(s, "Attaching ") {
		s = s[strings.IndexByte(s, '\n')+1:]
	}
	return s
}

// goldenProgram returns the -e program of a golden run and its positional
// parameters.
func goldenProgram(t *testing.T, name string) (string, []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, name+".cmd"))
	if err != nil {
		t.Skipf("golden file not available: %v", err)
	}
	args := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(args)-1; i++ {
		if args[i] == "-e" {
			return args[i+1], args[i+2:]
		}
	}
	t.Fatalf("%s.cmd has no -e program", name)
	return "", nil
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s\n(got %q)", what, got, want, got)
	}
}

// printfText formats a printf record of obj as gobpftrace prints it; any
// other event kind is a test error.
func printfText(t *testing.T, obj *codegen.Object, res output.Resolver, rec []byte) []byte {
	ev := obj.Events[binary.LittleEndian.Uint32(rec)]
	if ev.Kind != codegen.EventPrintf {
		t.Errorf("unexpected event kind %d", ev.Kind)
		return nil
	}
	args := make([]output.Arg, len(ev.Args))
	for i, a := range ev.Args {
		args[i] = output.Arg{Type: a.Type, Offset: a.Offset}
	}
	return output.AppendPrintf(nil, ev.Pieces, args, rec, res)
}
