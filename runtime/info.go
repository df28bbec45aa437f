package runtime

import (
	"os"
	"strconv"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
)

// InfoItem is one line of --info: a name and its value ("yes", "no", a
// number).
type InfoItem struct{ Name, Value string }

// InfoSection is a titled group of --info items.
type InfoSection struct {
	Title string
	Items []InfoItem
}

// KernelInfo reports what the running kernel supports, as bpftrace's
// --info groups it (kernel helpers, kernel features, probe types), from
// cilium/ebpf's feature probes and the files the kernel exposes.
func KernelInfo() []InfoSection {
	liftMemlock()
	yes := func(err error) string {
		if err == nil {
			return "yes"
		}
		return "no"
	}
	helper := func(pt ebpf.ProgramType, fn asm.BuiltinFunc) string {
		return yes(features.HaveProgramHelper(pt, fn))
	}
	limit := 4096
	if features.HaveLargeInstructions() == nil {
		limit = 1000000
	}
	_, btfErr := os.Stat("/sys/kernel/btf/vmlinux")
	kprobes := "no"
	if kprobesAvailable() {
		kprobes = "yes"
	}
	return []InfoSection{
		{"Kernel helpers", []InfoItem{
			{"dpath", helper(ebpf.Tracing, asm.FnDPath)},
			{"get_tai_ns", helper(ebpf.Kprobe, asm.FnKtimeGetTaiNs)},
			{"get_func_ip", helper(ebpf.Kprobe, asm.FnGetFuncIp)},
			{"lookup_percpu_elem", helper(ebpf.Kprobe, asm.FnMapLookupPercpuElem)},
			{"loop", helper(ebpf.Kprobe, asm.FnLoop)},
			{"for_each_map_elem", helper(ebpf.Kprobe, asm.FnForEachMapElem)},
		}},
		{"Kernel features", []InfoItem{
			{"Instruction limit", strconv.Itoa(limit)},
			{"btf", yes(btfErr)},
			{"module btf", yes(hasModuleBTF())},
			{"ringbuf", yes(features.HaveMapType(ebpf.RingBuf))},
		}},
		{"Probe types", []InfoItem{
			{"kprobe", kprobes},
			{"kprobe_multi", yes(features.HaveBPFLinkKprobeMulti())},
			{"uprobe_multi", yes(features.HaveBPFLinkUprobeMulti())},
			{"kprobe_session", yes(features.HaveBPFLinkKprobeSession())},
			{"fentry", yes(features.HaveProgramType(ebpf.Tracing))},
			{"iter", yes(features.HaveProgramType(ebpf.Tracing))},
			{"perf_event", yes(features.HaveProgramType(ebpf.PerfEvent))},
			{"raw_tracepoint", yes(features.HaveProgramType(ebpf.RawTracepoint))},
		}},
	}
}

// hasModuleBTF reports (nil) whether the kernel exposes the BTF of a module
// next to vmlinux's.
func hasModuleBTF() error {
	entries, err := os.ReadDir("/sys/kernel/btf")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != "vmlinux" {
			return nil
		}
	}
	return os.ErrNotExist
}
