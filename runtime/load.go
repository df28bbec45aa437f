//go:build linux

package runtime

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// LoadOptions configures Load. A nil *LoadOptions means the zero value.
type LoadOptions struct {
	// Cpid is the pid of the -c child (the `cpid` builtin); 0 without -c.
	Cpid int
	// VerifierLog keeps the verifier log of every program, also of those
	// that load (for -v). Rejected programs always carry their log in the
	// *ebpf.VerifierError.
	VerifierLog bool
	// Pool, when set, supplies and keeps the user maps (see MapPool).
	Pool *MapPool
	// StartNs is the boot-clock time `elapsed` counts from; 0 means now.
	StartNs uint64
}

// Loaded is a loaded Object: its maps and programs exist in the kernel.
// Close releases everything.
type Loaded struct {
	// Object is what was loaded.
	Object *codegen.Object
	// Programs are the loaded programs, in Object.Programs order.
	Programs []*LoadedProgram

	maps  map[string]*LoadedMap
	ncpus int // possible CPUs: the number of values of a per-CPU map

	mu          sync.Mutex
	attachments []attachment
	// watches are the attachments of each watched address, for unwatch().
	watches map[uint64][]attachment

	// perfLost counts the samples the kernel reported lost in the perf
	// buffers (see Lost); nil until a perf EventReader exists.
	perfLost *atomic.Uint64

	// unwind is what dw_ustack's tables hold (dwunwind.go), under mu.
	unwind *unwindTables

	// AttachProgress and DetachProgress count the programs Attach has
	// attached and the attachments Detach has closed, for reports of
	// long ones.
	AttachProgress, DetachProgress Progress
}

// LoadedProgram is a program in the kernel with its description.
type LoadedProgram struct {
	*codegen.Program
	// Prog is the kernel program.
	Prog *ebpf.Program
}

// LoadedMap is a map in the kernel with its description.
type LoadedMap struct {
	*codegen.MapDef
	// Map is the kernel map.
	Map *ebpf.Map
	// zeroed is set when zero() left a written array-backed histogram
	// with no counts: bpftrace keeps its element, so it still prints (as
	// an empty histogram) until clear() deletes it.
	zeroed atomic.Bool
}

// LoadError reports a map that could not be created or a program that
// could not be loaded. When the verifier rejected a program, errors.As
// finds the *ebpf.VerifierError with the full log in the chain.
type LoadError struct {
	// Program is the rejected program; nil for a map error.
	Program *codegen.Program
	// Map is the script name of the map that failed; "" for a program.
	Map string
	// Err is the cause (an *ebpf.VerifierError for verifier rejections).
	Err error
}

// Error implements error: "loading program NAME for PROBE: cause" or
// "creating map NAME: cause".
func (e *LoadError) Error() string {
	if e.Program != nil {
		return fmt.Sprintf("loading program %s for %s: %v", e.Program.Name, e.Program.Probe, e.Err)
	}
	return fmt.Sprintf("creating map %s: %v", e.Map, e.Err)
}

// Unwrap returns the underlying error.
func (e *LoadError) Unwrap() error { return e.Err }

// Load creates obj's maps, loads its programs and fills the state map. It
// reads no kernel BTF and runs no feature probes of its own: a small script
// loads in well under a millisecond. On error nothing stays open.
func Load(obj *codegen.Object, opts *LoadOptions) (_ *Loaded, err error) {
	if opts == nil {
		opts = &LoadOptions{}
	}
	ncpus, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("counting possible CPUs: %w", err)
	}
	if err := CheckEventsEnv(); err != nil {
		return nil, err
	}
	liftMemlock() // its error only explains an EPERM (memlockError)
	l := &Loaded{Object: obj, maps: make(map[string]*LoadedMap, len(obj.Maps)), ncpus: ncpus}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	var created []*LoadedMap // new user maps, pooled on success
	for _, def := range obj.Maps {
		if _, dup := l.maps[def.Name]; dup {
			return nil, &LoadError{Map: def.Name, Err: errors.New("duplicate map name")}
		}
		if opts.Pool != nil && !def.Internal {
			lm, err := opts.Pool.take(def)
			if err != nil {
				return nil, &LoadError{Map: def.Name, Err: err}
			}
			if lm != nil {
				l.maps[def.Name] = lm
				continue
			}
		}
		m, err := ebpf.NewMap(def.Spec)
		if err != nil {
			return nil, &LoadError{Map: def.Name, Err: keySizeError(memlockError(err), def.Spec)}
		}
		l.maps[def.Name] = &LoadedMap{MapDef: def, Map: m}
		if !def.Internal {
			created = append(created, l.maps[def.Name])
		}
	}
	if err := l.loadPrograms(opts); err != nil {
		return nil, err
	}
	if err := l.fillState(opts.Cpid, opts.StartNs); err != nil {
		return nil, err
	}
	if opts.Pool != nil {
		if err := opts.Pool.add(created); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// loadPrograms loads every program. The verifier is CPU-bound and scripts
// with wildcards have hundreds of programs, so they are loaded by one worker
// per CPU; the first error in program order is returned.
func (l *Loaded) loadPrograms(opts *LoadOptions) error {
	progs := l.Object.Programs
	l.Programs = make([]*LoadedProgram, len(progs))
	errs := make([]error, len(progs))
	load := func(i int) {
		lp, err := l.loadProgram(progs[i], opts)
		l.Programs[i], errs[i] = lp, err
	}
	workers := min(goruntime.GOMAXPROCS(0), len(progs))
	if workers <= 1 {
		for i := range progs {
			if load(i); errs[i] != nil {
				break
			}
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					load(i)
				}
			})
		}
		for i := range progs {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// loadProgram resolves p's map references and loads it.
func (l *Loaded) loadProgram(p *codegen.Program, opts *LoadOptions) (*LoadedProgram, error) {
	insns := make(asm.Instructions, len(p.Insns))
	copy(insns, p.Insns)
	for i := range insns {
		ins := &insns[i]
		if id, ok, err := kernelRef(ins); ok {
			if err != nil {
				return nil, &LoadError{Program: p, Err: err}
			}
			ins.Constant = int64(id)
			continue
		}
		ref := ins.Reference()
		if ref == "" || !ins.IsLoadFromMap() {
			continue
		}
		m, ok := l.maps[ref]
		if !ok {
			return nil, &LoadError{Program: p, Err: fmt.Errorf("instruction %d references unknown map %q", i, ref)}
		}
		if err := ins.AssociateMap(m.Map); err != nil {
			return nil, &LoadError{Program: p, Err: fmt.Errorf("instruction %d: %w", i, err)}
		}
	}
	spec := &ebpf.ProgramSpec{
		Name:         p.Name,
		Type:         p.Type,
		AttachType:   loadAttachType(p),
		AttachTo:     p.AttachTo,
		Instructions: insns,
		License:      l.Object.LicenseOrGPL(),
	}
	var popts ebpf.ProgramOptions
	if opts.VerifierLog {
		popts.LogLevel = ebpf.LogLevelStats
	}
	prog, err := ebpf.NewProgramWithOptions(spec, popts)
	if err != nil {
		err = withRejectionLog(spec, err)
		return nil, &LoadError{Program: p, Err: memlockError(tracingUnavailable(p.Kind, p.AttachTo, err))}
	}
	return &LoadedProgram{Program: p, Prog: prog}, nil
}

// fillState writes the state map's single value (see codegen.StateSlot).
func (l *Loaded) fillState(cpid int, startNs uint64) error {
	m := l.Map(codegen.StateMap)
	if m == nil {
		return nil
	}
	if startNs == 0 {
		var err error
		if startNs, err = BootNs(); err != nil {
			return err
		}
	}
	var state [codegen.NumStateSlots]uint64
	state[codegen.SlotStartNs] = startNs
	state[codegen.SlotCpid] = uint64(cpid)
	state[codegen.SlotNcpus] = uint64(l.ncpus)
	if err := m.Update(uint32(0), state, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("filling map %s: %w", codegen.StateMap, err)
	}
	if m := l.Map(codegen.TAIDeltaMap); m != nil {
		delta, err := TAIDelta()
		if err != nil {
			return err
		}
		if err := m.Update(uint32(0), delta, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("filling map %s: %w", codegen.TAIDeltaMap, err)
		}
	}
	return nil
}

// TAIDelta is how far CLOCK_TAI is ahead of CLOCK_BOOTTIME, in
// nanoseconds: TAI read between two boot clock reads (the "vdso
// sandwich"), against their mean, the tightest of a few tries.
func TAIDelta() (uint64, error) {
	var best, delta int64
	for i := 0; i < 10; i++ {
		var b1, tai, b2 unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &b1); err != nil {
			return 0, fmt.Errorf("reading boot clock: %w", err)
		}
		if err := unix.ClockGettime(unix.CLOCK_TAI, &tai); err != nil {
			return 0, fmt.Errorf("reading TAI clock: %w", err)
		}
		if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &b2); err != nil {
			return 0, fmt.Errorf("reading boot clock: %w", err)
		}
		if width := b2.Nano() - b1.Nano(); i == 0 || width < best {
			best = width
			delta = tai.Nano() - (b1.Nano()+b2.Nano())/2
		}
	}
	return uint64(delta), nil
}

// BootNs is the boot clock (CLOCK_BOOTTIME, what `nsecs` reads) now.
func BootNs() (uint64, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, fmt.Errorf("reading boot clock: %w", err)
	}
	return uint64(ts.Nano()), nil
}

// State reads one slot of the state map (e.g. whether exit() was called:
// codegen.SlotExited).
func (l *Loaded) State(slot codegen.StateSlot) (uint64, error) {
	m := l.Map(codegen.StateMap)
	if m == nil {
		return 0, fmt.Errorf("reading state slot %d: no map %s", slot, codegen.StateMap)
	}
	var state [codegen.NumStateSlots]uint64
	if err := m.Lookup(uint32(0), &state); err != nil {
		return 0, fmt.Errorf("reading state slot %d: %w", slot, err)
	}
	return state[slot], nil
}

// SetState overwrites one slot of the state map, e.g. the child pid when
// the child is started after Load.
func (l *Loaded) SetState(slot codegen.StateSlot, value uint64) error {
	m := l.Map(codegen.StateMap)
	if m == nil {
		return fmt.Errorf("setting state slot %d: no map %s", slot, codegen.StateMap)
	}
	var state [codegen.NumStateSlots]uint64
	if err := m.Lookup(uint32(0), &state); err != nil {
		return fmt.Errorf("setting state slot %d: %w", slot, err)
	}
	state[slot] = value
	if err := m.Update(uint32(0), state, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("setting state slot %d: %w", slot, err)
	}
	return nil
}

// Map returns the kernel map with the given name (script or internal
// name), or nil.
func (l *Loaded) Map(name string) *ebpf.Map {
	if m, ok := l.maps[name]; ok {
		return m.Map
	}
	return nil
}

// LoadedMap returns the named map with its description.
func (l *Loaded) LoadedMap(name string) (*LoadedMap, bool) {
	m, ok := l.maps[name]
	return m, ok
}

// Program returns the loaded program with the given name, or nil.
func (l *Loaded) Program(name string) *LoadedProgram {
	for _, p := range l.Programs {
		if p != nil && p.Name == name {
			return p
		}
	}
	return nil
}

// NumCPU is the number of possible CPUs: the number of values per key of
// a per-CPU map.
func (l *Loaded) NumCPU() int { return l.ncpus }

// Close detaches every probe and closes every program and map. It is safe
// to call more than once.
func (l *Loaded) Close() error {
	err := l.Detach()
	for i, p := range l.Programs {
		if p != nil {
			err = errors.Join(err, p.Prog.Close())
			l.Programs[i] = nil
		}
	}
	for name, m := range l.maps {
		err = errors.Join(err, m.Map.Close())
		delete(l.maps, name)
	}
	return err
}

// maxStackKeySize is the key size older kernels limit hash maps to (the
// BPF stack: keys used to be built there).
const maxStackKeySize = 512

// keySizeError explains E2BIG for a map whose key is larger than the BPF
// stack, which older kernels refuse.
func keySizeError(err error, spec *ebpf.MapSpec) error {
	if errors.Is(err, unix.E2BIG) && spec.KeySize > maxStackKeySize {
		return fmt.Errorf("its key of %d bytes is larger than this kernel allows (%d): use a smaller max_strlen, or str(ptr, len) in the key: %w", spec.KeySize, maxStackKeySize, err)
	}
	return err
}
