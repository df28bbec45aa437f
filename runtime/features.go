//go:build linux

package runtime

import (
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
)

// KernelFeatures are the tracing facilities of the running kernel, as the
// interactive shell's banner names them.
type KernelFeatures struct {
	Release                                string // uname release
	RingBuf, Kprobes, Uprobes, Tracepoints bool
}

// Features probes the running kernel's tracing facilities. It is cheap:
// a few stat calls, and mounting tracefs when it is not mounted.
func Features() KernelFeatures {
	var f KernelFeatures
	f.Release = kernelRelease()
	f.Kprobes = kprobesAvailable()
	_, err := os.Stat("/sys/bus/event_source/devices/uprobe/type")
	f.Uprobes = err == nil
	if dir, err := Tracefs(); err == nil {
		_, err = os.Stat(filepath.Join(dir, "events"))
		f.Tracepoints = err == nil
	}
	// Ring buffers (Linux 5.8) carry events; without them programs fall
	// back to perf buffers (see EventChannel).
	f.RingBuf = haveRingBuf()
	return f
}

// haveRingBuf reports whether the kernel has BPF ring buffers.
func haveRingBuf() bool {
	liftMemlock()
	return features.HaveMapType(ebpf.RingBuf) == nil
}
