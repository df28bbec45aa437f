// Package hosttest is the fixture host.Host of the front-end and code
// generator tests: hand-built tracepoint layouts shaped like the ones
// runtime.Host builds from tracefs format files, a few libc and kernel
// symbols, small kernel structs, enumerators, one USDT probe and cgroups.
// Tracepoint layouts match this machine's format files, so scripts the
// tests compile against the fixture also load on the live kernel.
package hosttest

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Fixture is the fixture host (see the package doc).
type Fixture struct {
	tps map[string]*types.Struct
}

// commonFields are the leading fields of every tracepoint record.
func commonFields() []types.Field {
	return []types.Field{
		{Name: "common_type", Type: types.Uint16, Offset: 0},
		{Name: "common_flags", Type: types.Uint8, Offset: 2},
		{Name: "common_preempt_count", Type: types.Uint8, Offset: 3},
		{Name: "common_pid", Type: types.Int32, Offset: 4},
	}
}

func tpStruct(cat, event string, size int, fields ...types.Field) *types.Struct {
	return &types.Struct{
		Kind:   "struct",
		Name:   "_tracepoint_" + cat + "_" + event,
		Fields: append(commonFields(), fields...),
		Bytes:  size,
	}
}

func userPtr(elem types.Type) *types.Pointer { return &types.Pointer{Elem: elem, Space: types.User} }

// New returns the fixture host, with these tracepoints:
//
//	syscalls:sys_enter_openat  __syscall_nr int32, dfd int64, filename const char * (user), flags int64, mode uint64
//	syscalls:sys_enter_read    __syscall_nr int32, fd uint64, buf char * (user), count uint64
//	syscalls:sys_exit_read     __syscall_nr int32, ret int64
//	sched:sched_switch         prev_comm char[16], prev_pid int32, prev_prio int32, prev_state int64,
//	                           next_comm char[16], next_pid int32, next_prio int32
//	sched:sched_process_exec   filename __data_loc char[], pid int32, old_pid int32
//	raw_syscalls:sys_enter     id int64, args uint64[6]
//	syscalls:sys_enter_nanosleep __syscall_nr int32, rqtp, rmtp struct __kernel_timespec * (user; named only)
//	skb:kfree_skb              skbaddr, location, rx_sk void *, protocol uint16, reason enum skb_drop_reason
func New() *Fixture {
	h := &Fixture{tps: map[string]*types.Struct{}}
	add := func(s *types.Struct, cat, ev string) { h.tps[cat+":"+ev] = s }
	add(tpStruct("syscalls", "sys_enter_openat", 48,
		types.Field{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		types.Field{Name: "dfd", Type: types.Int64, Offset: 16},
		types.Field{Name: "filename", Type: userPtr(types.Int8), Offset: 24},
		types.Field{Name: "flags", Type: types.Int64, Offset: 32},
		types.Field{Name: "mode", Type: types.Uint64, Offset: 40},
	), "syscalls", "sys_enter_openat")
	add(tpStruct("syscalls", "sys_enter_read", 40,
		types.Field{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		types.Field{Name: "fd", Type: types.Uint64, Offset: 16},
		types.Field{Name: "buf", Type: userPtr(types.Int8), Offset: 24},
		types.Field{Name: "count", Type: types.Uint64, Offset: 32},
	), "syscalls", "sys_enter_read")
	add(tpStruct("syscalls", "sys_exit_read", 24,
		types.Field{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		types.Field{Name: "ret", Type: types.Int64, Offset: 16},
	), "syscalls", "sys_exit_read")
	add(tpStruct("raw_syscalls", "sys_enter", 64,
		types.Field{Name: "id", Type: types.Int64, Offset: 8},
		types.Field{Name: "args", Type: &types.Array{Elem: types.Uint64, Len: 6}, Offset: 16},
	), "raw_syscalls", "sys_enter")
	add(tpStruct("sched", "sched_switch", 64,
		types.Field{Name: "prev_comm", Type: &types.String{Cap: 16}, Offset: 8},
		types.Field{Name: "prev_pid", Type: types.Int32, Offset: 24},
		types.Field{Name: "prev_prio", Type: types.Int32, Offset: 28},
		types.Field{Name: "prev_state", Type: types.Int64, Offset: 32},
		types.Field{Name: "next_comm", Type: &types.String{Cap: 16}, Offset: 40},
		types.Field{Name: "next_pid", Type: types.Int32, Offset: 56},
		types.Field{Name: "next_prio", Type: types.Int32, Offset: 60},
	), "sched", "sched_switch")
	add(tpStruct("syscalls", "sys_enter_nanosleep", 32,
		types.Field{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		types.Field{Name: "rqtp", Type: userPtr(&types.Struct{Kind: "struct", Name: "__kernel_timespec"}), Offset: 16},
		types.Field{Name: "rmtp", Type: userPtr(&types.Struct{Kind: "struct", Name: "__kernel_timespec"}), Offset: 24},
	), "syscalls", "sys_enter_nanosleep")
	add(tpStruct("skb", "kfree_skb", 40,
		types.Field{Name: "skbaddr", Type: &types.Pointer{Elem: &types.Void{}}, Offset: 8},
		types.Field{Name: "location", Type: &types.Pointer{Elem: &types.Void{}}, Offset: 16},
		types.Field{Name: "rx_sk", Type: &types.Pointer{Elem: &types.Void{}}, Offset: 24},
		types.Field{Name: "protocol", Type: types.Uint16, Offset: 32},
		types.Field{Name: "reason", Type: types.Uint32, Offset: 36, Enum: &types.Enum{Name: "skb_drop_reason"}},
	), "skb", "kfree_skb")
	add(tpStruct("sched", "sched_process_exec", 20,
		types.Field{Name: "filename", Type: &types.String{Cap: 64}, Offset: 8, DataLoc: true},
		types.Field{Name: "pid", Type: types.Int32, Offset: 12},
		types.Field{Name: "old_pid", Type: types.Int32, Offset: 16},
	), "sched", "sched_process_exec")
	return h
}

// Tracepoints implements host.Host.
func (h *Fixture) Tracepoints(pattern string) ([]string, error) {
	cat, ev, ok := strings.Cut(pattern, ":")
	if !ok {
		return nil, fmt.Errorf("bad pattern %q", pattern)
	}
	var out []string
	for name := range h.tps {
		c, e, _ := strings.Cut(name, ":")
		mc, err1 := path.Match(cat, c)
		me, err2 := path.Match(ev, e)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad pattern %q", pattern)
		}
		if mc && me {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// TracepointArgs implements host.Host.
func (h *Fixture) TracepointArgs(category, event string) (*types.Struct, error) {
	if s, ok := h.tps[category+":"+event]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("tracepoint %s:%s: %w", category, event, fs.ErrNotExist)
}

var _ host.Host = (*Fixture)(nil)

// ResolveBinary implements host.Host: "libc" and absolute paths only.
func (h *Fixture) ResolveBinary(name string) (string, error) {
	switch {
	case name == "libc":
		return "/lib/x86_64-linux-gnu/libc.so.6", nil
	case strings.HasPrefix(name, "/"):
		return name, nil
	}
	return "", fmt.Errorf("uprobe target '%s' not found", name)
}

// fixtureSyms are the function symbols of the fixture's libc and of
// DWARFProgram (whose _init has size 0, as in a real program), in symbol
// table order.
var fixtureSyms = map[bool][]host.UprobeSym{
	false: {
		{Name: "Py_Main", Addr: 0x2a000, Size: 0x40},
		{Name: "getpid", Addr: 0x9a2c0, Size: 0x20},
		{Name: "getppid", Addr: 0x9a2e0, Size: 0x20},
		{Name: "malloc", Addr: 0xa5120, Size: 0x1c0},
		{Name: "read", Addr: 0x11ba10, Size: 0x90},
		{Name: "write", Addr: 0x11bab0, Size: 0x90},
	},
	true: {
		{Name: "_init", Addr: 0x401000, Size: 0},
		{Name: "uprobeFunction1", Addr: 0x401126, Size: 0x15},
		{Name: "uprobeFunction2", Addr: 0x40113b, Size: 0x90},
		{Name: "uprobeFunctionBar", Addr: 0x4011cb, Size: 0x20},
		{Name: "main", Addr: 0x4011eb, Size: 0x234},
	},
}

// FuncSymbols implements host.Host with a few libc functions.
func (h *Fixture) FuncSymbols(path, pattern string) ([]string, error) {
	var out []string
	for _, s := range fixtureSyms[path == DWARFProgram] {
		if ok, _ := filepath.Match(pattern, s.Name); ok {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// UprobeSymbol implements host.Host from fixtureSyms.
func (h *Fixture) UprobeSymbol(path, name string) (host.UprobeSym, bool, error) {
	for _, s := range fixtureSyms[path == DWARFProgram] {
		if s.Name == name {
			return s, true, nil
		}
	}
	return host.UprobeSym{}, false, nil
}

// UprobeSymbolAt implements host.Host from fixtureSyms; FlatBinary has no
// symbols.
func (h *Fixture) UprobeSymbolAt(path string, addr uint64) (host.UprobeSym, bool, error) {
	if path == FlatBinary {
		return host.UprobeSym{}, false, nil
	}
	for _, s := range fixtureSyms[path == DWARFProgram] {
		if addr == s.Addr || addr > s.Addr && addr < s.Addr+s.Size {
			return s, true, nil
		}
	}
	return host.UprobeSym{}, false, nil
}

// InstructionBoundary implements host.Host: the fixture's instructions
// are two bytes long, and its code cannot be decoded past offset 16.
func (h *Fixture) InstructionBoundary(path string, sym host.UprobeSym, off uint64) (bool, error) {
	if off >= 16 {
		return false, fmt.Errorf("invalid instruction at offset 16")
	}
	return off%2 == 0, nil
}

// FlatBinary is the fixture's file without an ELF header (code to be
// probed by file offset).
const FlatBinary = "/opt/fixture/false.bin"

// DWARFProgram is the fixture's program with DWARF debug info: its
// functions are uprobeFunction1(int *n, char c),
// uprobeFunction2(struct Foo *foo1, struct Foo *foo2) and
// uprobeFunctionBar(struct Bar *bar), as in bpftrace's test program
// uprobe_test (struct Foo { int a; char b[10]; int c[3]; }, struct Bar
// { int x; struct Foo *foos[2]; struct Foo nested; }).
const DWARFProgram = "/opt/fixture/uprobe_test"

// fooStruct is DWARFProgram's struct Foo.
var fooStruct = &types.Struct{Kind: "struct", Name: "Foo", Bytes: 28, Fields: []types.Field{
	{Name: "a", Type: types.Int32},
	{Name: "b", Type: &types.Array{Elem: types.Int8, Len: 10}, Offset: 4},
	{Name: "c", Type: &types.Array{Elem: types.Int32, Len: 3}, Offset: 16},
}}

// barStruct is DWARFProgram's struct Bar, which the compilation unit of
// uprobeFunctionBar only declares.
var barStruct = &types.Struct{Kind: "struct", Name: "Bar", Bytes: 56, Fields: []types.Field{
	{Name: "x", Type: types.Int32},
	{Name: "foos", Type: &types.Array{Elem: &types.Pointer{Elem: fooStruct, Space: types.User}, Len: 2}, Offset: 8},
	{Name: "nested", Type: fooStruct, Offset: 24},
}}

// UserType implements host.Host: DWARFProgram's struct Foo and struct Bar.
func (h *Fixture) UserType(path, name string) (types.Type, error) {
	if path != DWARFProgram {
		return nil, host.ErrNoDebugInfo
	}
	switch name {
	case "struct Foo":
		return fooStruct, nil
	case "struct Bar":
		return barStruct, nil
	}
	return nil, fmt.Errorf("type %s not found in DWARF", name)
}

// DWARFProgramLine22 is the address of line 22 of uprobe_test.c in
// DWARFProgram (SourceLineAddr).
const DWARFProgramLine22 = 0x401136

// SourceLineAddr implements host.Host: line 22 of uprobe_test.c in
// DWARFProgram.
func (h *Fixture) SourceLineAddr(path, file string, line, col int) (uint64, error) {
	if path != DWARFProgram {
		return 0, host.ErrNoDebugInfo
	}
	if file != "uprobe_test.c" && !strings.HasSuffix(file, "/uprobe_test.c") {
		return 0, fmt.Errorf("No compilation unit matches %s", file)
	}
	if line != 22 || col > 1 {
		return 0, fmt.Errorf("Unable to map '%s:%d' to address", file, line)
	}
	return DWARFProgramLine22, nil
}

// UserFuncProto implements host.Host: DWARFProgram's functions; other
// files have no DWARF.
func (h *Fixture) UserFuncProto(path, fn string) (*host.FuncProto, error) {
	if path != DWARFProgram {
		return nil, host.ErrNoDebugInfo
	}
	foo := &types.Pointer{Elem: fooStruct, Space: types.User}
	switch fn {
	case "uprobeFunction1":
		return &host.FuncProto{Name: fn, Params: []host.FuncParam{
			{Name: "n", Type: &types.Pointer{Elem: types.Int32, Space: types.User}, Decl: "int*"},
			{Name: "c", Type: types.Int8, Decl: "char"}}}, nil
	case "uprobeFunctionBar":
		// Its unit declares struct Bar only (UserType defines it).
		bar := &types.Struct{Kind: "struct", Name: "Bar"}
		return &host.FuncProto{Name: fn, Params: []host.FuncParam{
			{Name: "bar", Type: &types.Pointer{Elem: bar, Space: types.User}, Decl: "struct Bar*"}}}, nil
	case "uprobeFunction2":
		return &host.FuncProto{Name: fn, Params: []host.FuncParam{
			{Name: "foo1", Type: foo, Decl: "struct Foo*"}, {Name: "foo2", Type: foo, Decl: "struct Foo*"}}}, nil
	}
	return nil, fmt.Errorf("%w for function %s", host.ErrNoDebugInfo, fn)
}

// processFiles are the files of the fixture's process 4242: it runs
// DWARFProgram with libc.
var processFiles = []host.Binary{
	{Path: "/lib/x86_64-linux-gnu/libc.so.6", Name: "/lib/x86_64-linux-gnu/libc.so.6"},
	{Path: DWARFProgram, Name: DWARFProgram},
}

// UserBinaries implements host.Host: "*" and "" are the files of process
// 4242 (other processes do not exist), wildcards match them and the
// fixture's programs under /opt/fixture (DWARFProgram and USDTProgram),
// other targets are resolved as ResolveBinary
// does.
func (h *Fixture) UserBinaries(target string, pid int) ([]host.Binary, error) {
	if pid != 0 && pid != 4242 {
		return nil, fmt.Errorf("process %d does not exist", pid)
	}
	if target == "*" || target == "" && pid != 0 {
		return processFiles, nil
	}
	if !strings.ContainsAny(target, "*?[") {
		p, err := h.ResolveBinary(target)
		if err != nil {
			return nil, err
		}
		name := p
		if strings.Contains(target, "/") {
			name = target
		}
		return []host.Binary{{Path: p, Name: name}}, nil
	}
	var out []host.Binary
	seen := map[string]bool{}
	for _, p := range []string{DWARFProgram, USDTProgram} {
		if ok, _ := filepath.Match(target, p); ok {
			seen[p] = true
			out = append(out, host.Binary{Path: p, Name: p})
		}
	}
	if pid != 0 {
		for _, b := range processFiles {
			okFull, _ := filepath.Match(target, b.Name)
			okBase, _ := filepath.Match(target, filepath.Base(b.Name))
			if (okFull || okBase) && !seen[b.Path] {
				out = append(out, b)
			}
		}
	}
	return out, nil
}

// kernelFuncs are the fixture's kernel functions: vmlinux's, one of the
// module nf_tables, and one the kernel has but ftrace does not list.
var kernelFuncs = []host.KernelFunc{
	{Name: "do_nanosleep", Module: "vmlinux", Traceable: true},
	{Name: "nf_tables_newtable", Module: "nf_tables", Traceable: true},
	{Name: "security_file_open", Module: "vmlinux", Traceable: true},
	{Name: "tcp_set_state", Module: "vmlinux", Traceable: true},
	{Name: "vfs_caches_init", Module: "vmlinux"},
	{Name: "vfs_read", Module: "vmlinux", Traceable: true},
	{Name: "vfs_write", Module: "vmlinux", Traceable: true},
}

// KernelFuncs implements host.Host with the fixture's kernel functions.
func (h *Fixture) KernelFuncs(module, pattern string) ([]host.KernelFunc, error) {
	wild := strings.ContainsAny(pattern, "*?[")
	var out []host.KernelFunc
	for _, f := range kernelFuncs {
		if ok, _ := filepath.Match(pattern, f.Name); !ok || wild && !f.Traceable {
			continue
		}
		if ok, _ := filepath.Match(module, f.Module); ok || module == "" {
			out = append(out, f)
		}
	}
	return out, nil
}

// KernelModuleLoaded implements host.Host: nf_tables is loaded.
func (h *Fixture) KernelModuleLoaded(name string) bool { return name == "nf_tables" }

// KernelFuncAt implements host.Host: vfs_read is at 0xffffffff816bab70
// and 0x100 bytes long.
func (h *Fixture) KernelFuncAt(addr uint64) (string, uint64, error) {
	if addr >= 0xffffffff816bab70 && addr < 0xffffffff816bac70 {
		return "vfs_read", addr - 0xffffffff816bab70, nil
	}
	return "", 0, fmt.Errorf("no kernel function contains address %#x", addr)
}

// KernelSymbolAddr implements host.Host with a few kernel symbols.
func (h *Fixture) KernelSymbolAddr(name string) (uint64, error) {
	switch name {
	case "vfs_read":
		return 0xffffffff816bab70, nil
	case "avenrun":
		return 0xffffffff83a1b2c0, nil
	case "process_counts":
		return 0x2f6a8, nil
	}
	return 0, fmt.Errorf("kernel symbol '%s' not found in /proc/kallsyms", name)
}

// KernelVar implements host.Host with two per-CPU variables.
func (h *Fixture) KernelVar(name string) bool {
	return name == "process_counts" || name == "runqueues"
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

// fixtureTimespec is struct __kernel_timespec.
var fixtureTimespec = &types.Struct{Kind: "struct", Name: "__kernel_timespec", Bytes: 16, Align_: 8, Fields: []types.Field{
	{Name: "tv_sec", Type: types.Int64, Offset: 0},
	{Name: "tv_nsec", Type: types.Int64, Offset: 8},
}}

// fixtureDropReason is the start of enum skb_drop_reason.
var fixtureDropReason = &types.Enum{Name: "skb_drop_reason", Names: map[int64]string{
	2: "SKB_DROP_REASON_NOT_SPECIFIED", 3: "SKB_DROP_REASON_NO_SOCKET",
}}

// KernelType implements host.Host with task_struct, sock, pid_t,
// __kernel_timespec and skb_drop_reason.
func (h *Fixture) KernelType(name string) (types.Type, error) {
	if s, ok := fixtureVMA[name]; ok {
		return s, nil
	}
	if s, ok := fixtureIters[name]; ok {
		return s, nil
	}
	switch name {
	case "struct task_struct":
		return fixtureTask, nil
	case "struct sock":
		return fixtureSock, nil
	case "pid_t":
		return types.Int32, nil
	case "struct __kernel_timespec":
		return fixtureTimespec, nil
	case "enum skb_drop_reason":
		return fixtureDropReason, nil
	}
	return nil, fmt.Errorf("type '%s' not found in BTF", name)
}

// KernelEnumValue implements host.Host with two enumerators.
func (h *Fixture) KernelEnumValue(name string) (int64, *types.Enum, bool) {
	switch name {
	case "TASK_COMM_LEN":
		return 16, &types.Enum{Name: "", Names: map[int64]string{16: "TASK_COMM_LEN"}}, true
	case "TCP_ESTABLISHED":
		return 1, &types.Enum{Name: "", Names: map[int64]string{1: "TCP_ESTABLISHED"}}, true
	}
	return 0, nil, false
}

// USDTProbes implements host.Host with one fake probe, python:gc__start
// with one argument, in every binary but USDTProgram, whose probes are
// tracetest:testprobe at two places (with different operands) and
// tracetest:many with twelve arguments.
func (h *Fixture) USDTProbes(path, provider, name string) ([]host.USDTProbe, error) {
	if provider == "" {
		provider = "*"
	}
	probes := []host.USDTProbe{{Provider: "python", Name: "gc__start", Args: []string{"-4@112(%rsp)"}, Offset: 0x1000, RefCtrOffset: 0x2000}}
	if path == USDTProgram {
		probes = []host.USDTProbe{
			{Provider: "tracetest", Name: "many", Args: strings.Fields("8@$0 8@$1 8@$2 8@$3 8@$4 8@$5 8@$6 8@$7 8@$8 8@$9 8@$10 8@$11"), Offset: 0x1100},
			{Provider: "tracetest", Name: "testprobe", Args: []string{"-4@%edi"}, Offset: 0x1200},
			{Provider: "tracetest", Name: "testprobe", Args: []string{"-4@%eax"}, Offset: 0x1300},
		}
	}
	var out []host.USDTProbe
	for _, p := range probes {
		okP, _ := filepath.Match(provider, p.Provider)
		okN, _ := filepath.Match(name, p.Name)
		if okP && okN {
			out = append(out, p)
		}
	}
	return out, nil
}

// USDTProgram is the fixture's program with usdt probes of its own (see
// USDTProbes).
const USDTProgram = "/opt/fixture/usdt_test"

// CgroupID implements host.Host: the cgroup roots have id 1, and
// /sys/fs/cgroup/unified/test 4242; other paths do not exist.
func (h *Fixture) CgroupID(path string) (uint64, error) {
	switch path {
	case "/sys/fs/cgroup", "/sys/fs/cgroup/unified":
		return 1, nil
	case "/sys/fs/cgroup/unified/test":
		return 4242, nil
	}
	return 0, fs.ErrNotExist
}

// UserSymbol implements host.Host: GLOBAL_A and Py_OptimizeFlag (4
// bytes), __libc_single_threaded (1) and BIG (16) in every binary;
// libraries (paths containing ".so") are relocatable.
func (h *Fixture) UserSymbol(path, name string) (host.UserSym, error) {
	reloc := strings.Contains(path, ".so")
	switch name {
	case "GLOBAL_A", "Py_OptimizeFlag":
		return host.UserSym{Addr: 0x4010, Size: 4, Relocatable: reloc, Inode: 0x1234567890}, nil
	case "__libc_single_threaded":
		return host.UserSym{Addr: 0x4018, Size: 1, Relocatable: reloc, Inode: 0x1234567890}, nil
	case "BIG":
		return host.UserSym{Addr: 0x4020, Size: 16, Relocatable: reloc, Inode: 0x1234567890}, nil
	}
	return host.UserSym{}, fmt.Errorf("no such symbol")
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
