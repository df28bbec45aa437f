//go:build linux

package runtime

import (
	"debug/elf"
	"errors"
	"os"
	"reflect"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func TestAttachersCoverImplementedKinds(t *testing.T) {
	for k := stdlib.ProbeKind(1); int(k) < stdlib.NumProbeKinds; k++ {
		if !stdlib.Probes[k].Implemented || stdlib.Probes[k].RunOnce {
			continue
		}
		if attachers[k] == nil {
			t.Errorf("probe kind %s is implemented but has no attacher", k)
		}
	}
	for k := range stdlib.Probes {
		if stdlib.Probes[k].RunOnce && attachers[k] != nil {
			t.Errorf("probe kind %s is run once but also has an attacher", stdlib.ProbeKind(k))
		}
	}
}

func TestParseCPUList(t *testing.T) {
	got, err := parseCPUList("0-2,5,7-8")
	if err != nil || !reflect.DeepEqual(got, []int{0, 1, 2, 5, 7, 8}) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "a", "3-1", "1,"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// getpidCounterInsns counts getpid calls of process pid into a per-CPU hash
// keyed by u32 0.
// getpidCounterInsns counts calls made by thread tid (not the whole
// process: other goroutines of the test binary may call getpid too).
func getpidCounterInsns(mapName string, tid int) asm.Instructions {
	return asm.Instructions{
		asm.FnGetCurrentPidTgid.Call(),
		asm.Mov.Reg32(asm.R0, asm.R0),
		asm.JNE.Imm(asm.R0, int32(tid), "out"),
		asm.StoreImm(asm.R10, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapName),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "init"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Ja.Label("out"),
		asm.Mov.Imm(asm.R1, 1).WithSymbol("init"),
		asm.StoreMem(asm.R10, -16, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapName),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -4),
		asm.Mov.Reg(asm.R3, asm.R10),
		asm.Add.Imm(asm.R3, -16),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnMapUpdateElem.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

func TestAttachTracepointGetpid(t *testing.T) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	def := &codegen.MapDef{Name: "@calls", PerCPU: true,
		Spec: &ebpf.MapSpec{Name: "calls", Type: ebpf.PerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 16}}
	prog := &codegen.Program{
		Name: "getpid", Kind: stdlib.Tracepoint, Probe: "tracepoint:syscalls:sys_enter_getpid",
		Target: codegen.Target{Category: "syscalls", Event: "sys_enter_getpid"},
		Type:   ebpf.TracePoint, Insns: getpidCounterInsns("@calls", unix.Gettid()),
	}
	l := load(t, &codegen.Object{Maps: []*codegen.MapDef{def}, Programs: []*codegen.Program{prog}}, nil)
	if n := l.NumAttachable(); n != 1 {
		t.Errorf("NumAttachable = %d", n)
	}
	if err := l.Attach(nil); err != nil {
		t.Fatal(err)
	}
	const calls = 25
	for range calls {
		syscall.Getpid()
	}
	if err := l.Detach(); err != nil {
		t.Fatal(err)
	}
	syscall.Getpid() // not counted any more
	entries, err := l.ReadMap("@calls")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || len(entries[0].Values) != l.NumCPU() {
		t.Fatalf("entries = %v", entries)
	}
	if sum := sumPerCPU(entries[0].Values); sum != calls {
		t.Errorf("counted %d getpid calls, want %d", sum, calls)
	}
}

func TestAttachTracepointMissing(t *testing.T) {
	prog := &codegen.Program{
		Name: "nope", Kind: stdlib.Tracepoint, Probe: "tracepoint:syscalls:nope",
		Target: codegen.Target{Category: "syscalls", Event: "nope"},
		Type:   ebpf.TracePoint, Insns: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	}
	l := load(t, &codegen.Object{Programs: []*codegen.Program{prog}}, nil)
	err := l.Attach(nil)
	var ae *AttachError
	if !errors.As(err, &ae) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
	if want := "attaching tracepoint:syscalls:nope: tracepoint syscalls:nope does not exist"; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("message = %q", err)
	}
}

func clockProgram(kind stdlib.ProbeKind, target codegen.Target) *codegen.Program {
	return &codegen.Program{Name: "clock", Kind: kind, Probe: kind.String(), Target: target,
		Type: ebpf.PerfEvent, Insns: counterInsns("@n")}
}

func TestAttachInterval(t *testing.T) {
	prog := clockProgram(stdlib.Interval, codegen.Target{PeriodNs: uint64(10 * time.Millisecond)})
	l := load(t, &codegen.Object{Maps: []*codegen.MapDef{counterDef("@n")}, Programs: []*codegen.Program{prog}}, nil)
	start := time.Now()
	if err := l.Attach(nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := l.Detach(); err != nil {
		t.Fatal(err)
	}
	// One firing per 10 ms the timer was attached: the sleep may last
	// longer on a loaded machine, so the bound is the time that passed
	// from before Attach to after Detach (plus timer slack); at least a
	// quarter of the 20 periods of the sleep.
	elapsed := time.Since(start)
	if n, most := readCounter(t, l, "@n"), uint64(elapsed/(10*time.Millisecond))+2; n < 5 || n > most {
		t.Errorf("interval fired %d times in %v at 10ms (want 5..%d)", n, elapsed, most)
	}
	after := readCounter(t, l, "@n")
	time.Sleep(50 * time.Millisecond)
	if n := readCounter(t, l, "@n"); n != after {
		t.Errorf("still firing after Detach: %d → %d", after, n)
	}
}

func TestAttachProfileEveryCPU(t *testing.T) {
	prog := clockProgram(stdlib.Profile, codegen.Target{Freq: 99})
	l := load(t, &codegen.Object{Maps: []*codegen.MapDef{counterDef("@n")}, Programs: []*codegen.Program{prog}}, nil)
	if err := l.Attach(nil); err != nil {
		t.Fatal(err)
	}
	cpus, _ := onlineCPUs()
	l.mu.Lock()
	n := len(l.attachments)
	l.mu.Unlock()
	if n != len(cpus) {
		t.Errorf("%d perf events for %d CPUs", n, len(cpus))
	}
	// Keep a CPU busy so cpu-clock advances; idle CPUs do not tick.
	deadline := time.Now().Add(150 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	if err := l.Detach(); err != nil {
		t.Fatal(err)
	}
	if got := readCounter(t, l, "@n"); got < 3 {
		t.Errorf("profile:hz:99 fired %d times in 150ms of busy CPU", got)
	}
}

func TestAttachKprobe(t *testing.T) {
	prog := &codegen.Program{Name: "kp", Kind: stdlib.Kprobe, Probe: "kprobe:do_nanosleep",
		Target: codegen.Target{Func: "do_nanosleep"}, Type: ebpf.Kprobe,
		Insns: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}}
	l := load(t, &codegen.Object{Programs: []*codegen.Program{prog}}, nil)
	err := l.Attach(nil)
	if kprobesAvailable() {
		if err != nil {
			t.Fatalf("kprobes are available but attach failed: %v", err)
		}
		return
	}
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UnavailableError", err)
	}
	want := "attaching kprobe:do_nanosleep: kprobes are not available on this kernel (CONFIG_KPROBES is not set)"
	if err.Error() != want {
		t.Errorf("message = %q\nwant %q", err, want)
	}
}

func TestAttachNotImplemented(t *testing.T) {
	prog := &codegen.Program{Name: "hw", Kind: stdlib.Hardware, Probe: "hardware:cycles:1000",
		Type: ebpf.PerfEvent, Insns: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}}
	l := load(t, &codegen.Object{Programs: []*codegen.Program{prog}}, nil)
	if err := l.Attach(nil); err == nil {
		t.Fatal("no error")
	}
}

// TestDetachMany attaches many tracepoints and checks that
// Detach closes them all.
func TestDetachMany(t *testing.T) {
	requireRoot(t)
	h := NewHost(nil)
	names, err := h.Tracepoints("syscalls:sys_enter_*")
	if err != nil {
		t.Fatal(err)
	}
	names = names[:min(len(names), 32)]
	obj := &codegen.Object{Maps: []*codegen.MapDef{counterDef("@n")}}
	for i, name := range names {
		cat, ev, _ := strings.Cut(name, ":")
		obj.Programs = append(obj.Programs, &codegen.Program{
			Name: "tp" + strconv.Itoa(i), Kind: stdlib.Tracepoint, Probe: "tracepoint:" + name,
			Target: codegen.Target{Category: cat, Event: ev}, Type: ebpf.TracePoint, Insns: counterInsns("@n"),
		})
	}
	l := load(t, obj, nil)
	start := time.Now()
	if err := l.Attach(nil); err != nil {
		t.Fatal(err)
	}
	attached := time.Since(start)
	syscall.Getpid()
	if readCounter(t, l, "@n") == 0 {
		t.Error("no syscall counted while attached")
	}
	start = time.Now()
	if err := l.Detach(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tracepoints: attach %v, detach %v", len(names), attached, time.Since(start))
	before := readCounter(t, l, "@n")
	syscall.Getpid()
	syscall.Getppid()
	if after := readCounter(t, l, "@n"); after != before {
		t.Errorf("probes fired after Detach: %d → %d", before, after)
	}
	if len(l.attachments) != 0 {
		t.Errorf("%d attachments left", len(l.attachments))
	}
}

//go:noinline
func uprobeTarget(n int) int { return n*2 + 1 }

// TestAttachUprobe puts a uprobe on a function of this test binary, by
// address.
func TestAttachUprobe(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addr := exeAddr(t, exe, uint64(reflect.ValueOf(uprobeTarget).Pointer()))
	prog := &codegen.Program{Name: "up", Kind: stdlib.Uprobe, Probe: "uprobe:self:uprobeTarget",
		Target: codegen.Target{Binary: exe, Addr: addr},
		Type:   ebpf.Kprobe, Insns: counterInsns("@n")}
	l := load(t, &codegen.Object{Maps: []*codegen.MapDef{counterDef("@n")}, Programs: []*codegen.Program{prog}}, nil)
	if err := l.Attach(&AttachOptions{Pid: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		uprobeTarget(i)
	}
	if err := l.Detach(); err != nil {
		t.Fatal(err)
	}
	uprobeTarget(0)
	if n := readCounter(t, l, "@n"); n != 5 {
		t.Errorf("uprobe fired %d times, want 5", n)
	}
}

// exeAddr is the link-time address of code in our own executable, which
// the uprobe runtime converts to a file offset.
func exeAddr(t *testing.T, exe string, addr uint64) uint64 {
	t.Helper()
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	typ := f.Type
	f.Close()
	if typ != elf.ET_EXEC {
		t.Skip("test binary is position independent") // not the default on linux
	}
	return addr
}

// TestRunRepeatBench loads a bench probe (an XDP program) and runs it
// repeatedly: every run counts, the average time is measured; a raw
// tracepoint program cannot be run so.
func TestRunRepeatBench(t *testing.T) {
	requireRoot(t)
	obj := compileScript(t, `BEGIN { @b = 1; } bench:a { @n = count(); }`, 0)
	l := load(t, obj, nil)
	var bench, begin *LoadedProgram
	for _, p := range l.Programs {
		switch p.Probe {
		case "bench:a":
			bench = p
		case "begin":
			begin = p
		}
	}
	if bench == nil || begin == nil {
		t.Fatalf("programs: %v", l.Programs)
	}
	if n := l.NumAttachable(); n != 0 {
		t.Errorf("NumAttachable = %d: bench and BEGIN are run, not attached", n)
	}
	const runs = 1000
	ret, avg, err := l.RunRepeat(bench, runs)
	if err != nil {
		t.Fatal(err)
	}
	if ret != 0 || avg <= 0 {
		t.Errorf("RunRepeat = %d, %v; want 0 and a positive average", ret, avg)
	}
	entries, err := l.ReadMap("@n")
	if err != nil || len(entries) != 1 {
		t.Fatalf("@n: %v, %v", entries, err)
	}
	if sum := sumPerCPU(entries[0].Values); sum != runs {
		t.Errorf("@n = %d after %d runs", sum, runs)
	}
	if _, _, err := l.RunRepeat(begin, 1); err == nil || !strings.Contains(err.Error(), "cannot be run repeatedly") {
		t.Errorf("RunRepeat of BEGIN: %v", err)
	}
}
