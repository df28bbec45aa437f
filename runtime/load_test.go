//go:build linux

package runtime

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func TestRunOnceExecutes(t *testing.T) {
	obj := &codegen.Object{
		Maps:     []*codegen.MapDef{counterDef("@n")},
		Programs: []*codegen.Program{beginProgram("begin", counterInsns("@n"))},
	}
	l := load(t, obj, nil)
	for want := uint64(1); want <= 3; want++ {
		if err := l.RunOnce(l.Programs[0]); err != nil {
			t.Fatal(err)
		}
		if got := readCounter(t, l, "@n"); got != want {
			t.Fatalf("after %d runs counter = %d", want, got)
		}
	}
}

// TestRunOnceContext checks that a program reading the last of the 12
// raw-tracepoint arguments passes the verifier and reads zero.
func TestRunOnceContext(t *testing.T) {
	insns := asm.Instructions{
		asm.LoadMem(asm.R6, asm.R1, 8*(rawTracepointMaxArgs-1), asm.DWord),
		asm.Add.Imm(asm.R6, 7),
		asm.StoreImm(asm.R10, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference("@v"),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.StoreMem(asm.R0, 0, asm.R6, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
	obj := &codegen.Object{
		Maps:     []*codegen.MapDef{counterDef("@v")},
		Programs: []*codegen.Program{beginProgram("begin", insns)},
	}
	l := load(t, obj, nil)
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	if got := readCounter(t, l, "@v"); got != 7 {
		t.Fatalf("value = %d, want 7 (context arg 11 = 0, plus 7)", got)
	}
}

func TestLoadFillsState(t *testing.T) {
	obj := &codegen.Object{Maps: []*codegen.MapDef{stateDef()}}
	var before unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &before)
	l := load(t, obj, &LoadOptions{Cpid: 4242})
	var state [codegen.NumStateSlots]uint64
	if err := l.Map(codegen.StateMap).Lookup(uint32(0), &state); err != nil {
		t.Fatal(err)
	}
	ncpus, _ := ebpf.PossibleCPU()
	if state[codegen.SlotCpid] != 4242 || state[codegen.SlotNcpus] != uint64(ncpus) {
		t.Errorf("state = %v", state)
	}
	if start := state[codegen.SlotStartNs]; start < uint64(before.Nano()) || start > uint64(before.Nano())+uint64(time.Second) {
		t.Errorf("start = %d, boot clock before load = %d", start, before.Nano())
	}
	if err := l.SetState(codegen.SlotCpid, 7); err != nil {
		t.Fatal(err)
	}
	l.Map(codegen.StateMap).Lookup(uint32(0), &state)
	if state[codegen.SlotCpid] != 7 || state[codegen.SlotNcpus] != uint64(ncpus) {
		t.Errorf("after SetState: %v", state)
	}
}

func TestLoadVerifierError(t *testing.T) {
	requireRoot(t)
	good := beginProgram("good", asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()})
	bad := beginProgram("bad", asm.Instructions{asm.Return()}) // R0 never set
	bad.Probe = "END"
	_, err := Load(&codegen.Object{Programs: []*codegen.Program{good, bad}}, nil)
	var le *LoadError
	if !errors.As(err, &le) || le.Program != bad {
		t.Fatalf("err = %v, want a *LoadError for program bad", err)
	}
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want an *ebpf.VerifierError inside", err)
	}
	if !strings.Contains(strings.Join(ve.Log, "\n"), "R0 !read_ok") {
		t.Errorf("verifier log = %q", ve.Log)
	}
	if !strings.Contains(err.Error(), "loading program bad for END") {
		t.Errorf("message = %q", err)
	}
}

func TestLoadUnknownMapReference(t *testing.T) {
	requireRoot(t)
	_, err := Load(&codegen.Object{Programs: []*codegen.Program{beginProgram("b", counterInsns("@missing"))}}, nil)
	if err == nil || !strings.Contains(err.Error(), `unknown map "@missing"`) {
		t.Fatalf("err = %v", err)
	}
}

// TestCloseLeavesNothing checks that after Close no program or map of ours
// is left in the kernel.
func TestCloseLeavesNothing(t *testing.T) {
	requireRoot(t)
	mapName, progName := uniqueName("gbtm"), uniqueName("gbtp")
	def := counterDef("@n")
	def.Spec.Name = mapName
	tp := &codegen.Program{Name: progName, Kind: stdlib.Tracepoint, Probe: "tracepoint:syscalls:sys_enter_getpid",
		Target: codegen.Target{Category: "syscalls", Event: "sys_enter_getpid"}, Type: ebpf.TracePoint, Insns: counterInsns("@n")}
	l, err := Load(&codegen.Object{Maps: []*codegen.MapDef{def}, Programs: []*codegen.Program{tp}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Attach(nil); err != nil {
		l.Close()
		t.Fatal(err)
	}
	names := kernelObjectNames(t)
	if !names[mapName] || !names[progName] {
		t.Fatalf("objects not found while loaded: map %v prog %v", names[mapName], names[progName])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The kernel frees a program after an RCU grace period and its maps
	// from a work queue after that: wait a little.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		names = kernelObjectNames(t)
		if !names[mapName] && !names[progName] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind after Close: map %v prog %v", names[mapName], names[progName])
		}
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestBeginHelloLatency measures the BEGIN { printf } path: load, run
// BEGIN, read the record. The budget for a whole run is 10 ms.
func TestBeginHelloLatency(t *testing.T) {
	requireRoot(t)
	obj := &codegen.Object{
		Maps:     []*codegen.MapDef{ringbufDef(), stateDef(), lostDef()},
		Programs: []*codegen.Program{beginProgram("begin", ringbufInsns(0, 42, rbNoWakeup))},
	}
	start := time.Now()
	l, err := Load(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	loaded := time.Since(start)
	got := 0
	r, err := l.NewEventReader(func([]byte) { got++ }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(); err != nil {
		t.Fatal(err)
	}
	total := time.Since(start)
	if got != 1 {
		t.Fatalf("got %d records", got)
	}
	t.Logf("load %v, load+run+read %v", loaded, total)
	if total > 50*time.Millisecond {
		t.Errorf("BEGIN path took %v", total)
	}
}
