//go:build linux

package runtime

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Kernel facts that code generation depends on (codegen.Options). Each is
// probed at most once per process, and only when a script needs it.

// HavePercpuLookup reports whether the kernel has the helper
// bpf_map_lookup_percpu_elem (Linux 5.19), with which a probe reads the
// other CPUs' slots of a per-CPU aggregation. It is meant for
// codegen.Options.PercpuLookup; the probe loads one small program.
func HavePercpuLookup() bool {
	liftMemlock()
	return features.HaveProgramHelper(ebpf.TracePoint, asm.FnMapLookupPercpuElem) == nil
}

// helpers caches the answers of HaveHelper.
var helpers sync.Map // asm.BuiltinFunc → bool

// HaveHelper reports whether the kernel lets tracing programs call the
// BPF helper fn, meant for codegen.Options.Helper (for loops need bpf_loop,
// Linux 5.17, and bpf_for_each_map_elem, Linux 5.13); the probe loads one
// small program per helper, once per process.
func HaveHelper(fn asm.BuiltinFunc) bool {
	if v, ok := helpers.Load(fn); ok {
		return v.(bool)
	}
	liftMemlock()
	have := features.HaveProgramHelper(ebpf.TracePoint, fn) == nil
	helpers.Store(fn, have)
	return have
}

// possibleCPUs caches the number of possible CPUs.
var possibleCPUs = sync.OnceValue(func() int {
	n, err := ebpf.PossibleCPU()
	if err != nil {
		return 0
	}
	return n
})

// NumPossibleCPUs is the number of possible CPUs (0 when it cannot be
// read), meant for codegen.Options.NumCPUs: a per-CPU map has one value
// for each.
func NumPossibleCPUs() int { return possibleCPUs() }

// HaveKfunc reports whether the running kernel's BTF has the kernel
// function (kfunc) name, meant for codegen.Options.Kfunc: it is asked
// only for the kfuncs a script calls, which the loader needs the kernel's
// BTF for anyway (cilium/ebpf caches it). Without kernel BTF it answers
// true, and loading reports why the call cannot be resolved.
func HaveKfunc(name string) bool {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return true
	}
	var fn *btf.Func
	return !errors.Is(spec.TypeByName(name, &fn), btf.ErrNotFound)
}

// KernelOptions fills the fields of o that describe the running kernel —
// long jumps, the number of CPUs, and which helpers and kernel functions
// exist — with this package's probes, and returns o. Every caller that
// compiles for the running kernel uses it, so that a facility the kernel
// lacks is a compile error rather than a verifier rejection. The event
// channel is left to the caller (EventChannel, or one a test pins).
func KernelOptions(o *codegen.Options) *codegen.Options {
	o.LongJumps = HaveLongJumps
	o.NumCPUs = NumPossibleCPUs()
	o.PercpuLookup = HavePercpuLookup
	o.Kfunc = HaveKfunc
	o.KprobeSession = HaveKprobeSession
	o.Helper = HaveHelper
	o.PidNS = CurrentPidNS()
	return o
}

// Ring buffer sizes (DefaultRingBufSize): ringBufPerCPU per possible CPU
// and room for ringBufStrings strings of the script's capacity, a power of
// two within [minRingBuf, maxRingBuf].
const (
	ringBufPerCPU  = 512 << 10
	ringBufStrings = 2048
	minRingBuf     = 1 << 20
	maxRingBuf     = 64 << 20
)

// DefaultRingBufSize is the size of the event ring buffer when a script
// sets none (perf_rb_pages), for ncpus possible CPUs and strings of
// strlen bytes: 512 KiB per CPU (bpftrace's perf buffers are 256 KiB per
// CPU), and room for 2048 records holding a string each (a BEGIN that
// prints hundreds of lines fills the ring before anything reads it), a
// power of two from 1 MiB to 64 MiB. The kernel maps every page of the
// ring into the reader at once (the data pages twice), so the size is
// resident memory of every run: the fixed 4 MiB of before made a quarter
// of a small run's RSS on a 2-CPU machine, where 1 MiB already carries
// 2.4 million printf events a second without a loss (make bench's tput).
func DefaultRingBufSize(ncpus, strlen int) int {
	need := max(ncpus*ringBufPerCPU, ringBufStrings*strlen)
	size := minRingBuf
	for size < need && size < maxRingBuf {
		size <<= 1
	}
	return size
}

// procPidInitIno is the inode of the initial PID namespace's nsfs file
// (the kernel's PROC_PID_INIT_INO).
const procPidInitIno = 0xEFFFFFFC

// CurrentPidNS returns the PID namespace gobpftrace runs in, for
// codegen.Options.PidNS; nil in the initial namespace (or when
// /proc/self/ns/pid cannot be read), where pid and tid need no
// translation.
func CurrentPidNS() *codegen.PidNS {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil || st.Ino == procPidInitIno {
		return nil
	}
	// The kernel compares the device in its own encoding.
	dev := uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
	return &codegen.PidNS{Dev: dev, Ino: st.Ino}
}

// bigKeyStrlen and oldKernelStrlen are max_strlen's defaults: bpftrace
// HEAD's 1024, and bpftrace 0.x's 64 on kernels that refuse map keys
// larger than the BPF stack (Debian's 5.10 refuses them, 6.1 takes
// them), where a 1 KiB string could not be a map key.
const (
	bigKeyStrlen    = stdlib.DefaultMaxStrlen
	oldKernelStrlen = 64
)

// haveBigMapKeys reports whether the kernel creates hash maps whose key
// is larger than the 512-byte BPF stack. The probe creates one small map
// with a raw BPF_MAP_CREATE (about 20 µs; cilium/ebpf's NewMap would first
// run feature probes of its own, over a millisecond at every start).
var haveBigMapKeys = sync.OnceValue(func() bool {
	liftMemlock()
	attr := struct {
		mapType, keySize, valueSize, maxEntries, mapFlags uint32
	}{mapType: uint32(ebpf.Hash), keySize: bigKeyStrlen + 8, valueSize: 8, maxEntries: 1, mapFlags: unix.BPF_F_NO_PREALLOC}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_MAP_CREATE, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if errno != 0 {
		return false
	}
	unix.Close(int(fd))
	return true
})

// DefaultMaxStrlen is max_strlen when neither the script nor the
// environment sets it: 1024, as bpftrace HEAD, where the kernel takes map
// keys that large (a string is often a key: @[str(args.filename)]), and
// 64, as bpftrace 0.x, on older kernels that refuse them.
func DefaultMaxStrlen() int {
	if haveBigMapKeys() {
		return bigKeyStrlen
	}
	return oldKernelStrlen
}
