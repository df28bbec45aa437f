// Package host defines what the checker asks of the machine a script will
// run on: tracepoints and their record layouts, binaries and their
// symbols, kernel functions, types and enumerators (BTF), USDT probes and
// cgroups. runtime.Host answers from the live system; package hosttest
// holds the fixture the front-end and code generator tests share.
//
// It is a leaf package so that both the checker (which re-exports these
// names) and the shared fixture can depend on it without a cycle.
package host

import (
	"errors"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// ErrNoDebugInfo is the error (errors.Is) of a question about the DWARF
// of a file that has none, and no separate debug file either.
var ErrNoDebugInfo = errors.New("no DWARF debug info")

// Host answers the checker's questions about the machine the script will
// run on. The real implementation (runtime.Host) reads tracefs, BTF and
// symbol tables lazily; tests use a fixture. Every method must be cheap to
// call repeatedly (implementations cache).
type Host interface {
	// Tracepoints returns "category:event" names matching the glob pattern
	// "catpattern:eventpattern" ('*' and '?' wildcards), sorted.
	Tracepoints(pattern string) ([]string, error)
	// TracepointArgs returns the layout of a tracepoint's record as a
	// struct named "_tracepoint_<cat>_<event>". Fields that start with
	// "common_" are included. char[N] fields are *types.String{Cap: N};
	// __data_loc char[] fields have Field.DataLoc set and a *types.String
	// type; pointer fields are *types.Pointer (user space for syscall
	// tracepoints).
	TracepointArgs(category, event string) (*types.Struct, error)
	// ResolveBinary turns a uprobe target (a path, or a library short name
	// such as "libc") into an absolute path.
	ResolveBinary(name string) (string, error)
	// FuncSymbols returns the function symbols of the ELF file at path
	// that match the glob pattern, sorted; a pattern (or exact name)
	// that matches nothing gives an empty list.
	FuncSymbols(path, pattern string) ([]string, error)
	// UprobeSymbol returns the first function or object symbol named name
	// of the ELF file at path (uprobe:BINARY:FUNC+OFFSET); ok is false
	// when the file has none.
	UprobeSymbol(path, name string) (sym UprobeSym, ok bool, err error)
	// UprobeSymbolAt returns the first function or object symbol of the
	// ELF file at path that starts at addr or holds it
	// (uprobe:BINARY:ADDRESS); ok is false when there is none or the file
	// is not an ELF file (a flat binary).
	UprobeSymbolAt(path string, addr uint64) (sym UprobeSym, ok bool, err error)
	// InstructionBoundary reports whether offset off into the function
	// sym of the ELF file at path starts an instruction; an error means
	// the code could not be decoded up to it.
	InstructionBoundary(path string, sym UprobeSym, off uint64) (bool, error)
	// KernelFuncs returns the kernel functions (kprobe targets) of module
	// ("" for any, "vmlinux" for the kernel itself, or a glob) whose names
	// match the glob pattern, sorted by name and module. A wildcard
	// matches only traceable functions; an exact name is returned when
	// the kernel has it at all, with Traceable telling whether ftrace
	// lists it. A name the kernel lacks is an empty list, not an error.
	KernelFuncs(module, pattern string) ([]KernelFunc, error)
	// KernelModuleLoaded reports whether the kernel module is loaded.
	KernelModuleLoaded(name string) bool
	// KernelFuncAt returns the kernel function containing the address
	// and the address's offset in it (kprobe:ADDRESS).
	KernelFuncAt(addr uint64) (name string, offset uint64, err error)
	// KernelFuncProtos returns the BTF prototypes of the traceable kernel
	// functions (fentry/fexit targets) of module ("vmlinux" for the kernel
	// itself; "" or a glob for any) whose names match the glob pattern,
	// sorted by module and name; an exact name without BTF is an empty
	// list, a module without BTF an error.
	KernelFuncProtos(module, pattern string) ([]FuncProto, error)
	// RawTracepoints returns the raw tracepoints (the targets of classic
	// raw_tp programs) of module ("vmlinux" for the kernel itself, "" for
	// the kernel and every module, or a glob) whose names match the glob
	// pattern, sorted by module and name: the btf_trace_NAME typedefs of
	// the kernel's and the modules' BTF. A module named without wildcards
	// that has no BTF is an error; no match is an empty list.
	RawTracepoints(module, pattern string) ([]RawTracepoint, error)
	// RawTracepointProto returns the parameters of a raw tracepoint from
	// BTF without the first, the tracepoint's private data (void *__data):
	// a raw_tp program's context holds the others as u64s in order.
	// Ret is nil.
	RawTracepointProto(module, name string) (*FuncProto, error)
	// KernelSymbolAddr returns the address of a kernel symbol (kaddr());
	// a symbol the kernel lacks, or whose address is hidden, is an error.
	KernelSymbolAddr(name string) (uint64, error)
	// KernelVar reports whether the kernel's BTF has the variable name
	// (the per-CPU variables of percpu_kaddr()).
	KernelVar(name string) bool
	// KernelType returns a kernel type ("struct NAME", "union NAME",
	// "enum NAME" or a typedef name) from BTF.
	KernelType(name string) (types.Type, error)
	// KernelEnumValue returns the value and enum type of a kernel
	// enumerator such as TASK_COMM_LEN.
	KernelEnumValue(name string) (int64, *types.Enum, bool)
	// USDTProbes returns the USDT probes of the ELF file at path whose
	// provider and name match the glob patterns (provider "" or "*" for
	// any), sorted.
	USDTProbes(path, provider, name string) ([]USDTProbe, error)
	// UserSymbol returns the symbol name (a function or an object) of the
	// ELF file at path.
	UserSymbol(path, name string) (UserSym, error)
	// UserFuncProto returns the parameters of function fn of the ELF file
	// at path from its DWARF debug info (Module empty, Ret nil); a file
	// without DWARF, or a function it does not describe, is an error.
	UserFuncProto(path, fn string) (*FuncProto, error)
	// UserBinaries returns the files a uprobe or usdt target names, sorted
	// by Name; pid is the process of -p (0: none):
	//
	//   - "*", and "" with a pid, name the files the process maps
	//     executable (its program and libraries); "*" without a pid those
	//     of every process;
	//   - a target with wildcards ('*', '?', '[') names the ELF files it
	//     matches in the file system (executables and shared objects),
	//     and with a pid also the process's files whose path or name it
	//     matches;
	//   - any other target is resolved as ResolveBinary does, one file.
	//
	// With a pid in another mount namespace, paths are looked up in its
	// namespace (through /proc/PID/root), and a library short name among
	// the files the process maps. Wildcards that match nothing give an
	// empty list; a file that does not exist is an error.
	UserBinaries(target string, pid int) ([]Binary, error)
	// UserType returns a struct, union or enum ("struct NAME" …) or a
	// typedef defined by the DWARF debug info of the ELF file at path
	// (casts in uprobes); a file without DWARF, or a name it does not
	// define, is an error.
	UserType(path, name string) (types.Type, error)
	// SourceLineAddr returns the virtual address of the code of line
	// (and column, unless 0) of source file (a path, or the tail of one:
	// "prog.c", "src/prog.c") in the ELF file at path, from the line
	// table of its DWARF debug info (uprobe:PATH@FILE:LINE).
	SourceLineAddr(path, file string, line, col int) (uint64, error)
	// CgroupID returns the id of the cgroup directory at path
	// (cgroupid()), as bpf_get_current_cgroup_id() reports it.
	CgroupID(path string) (uint64, error)
}

// Binary is a file a uprobe or usdt target names.
type Binary struct {
	// Path is the file as the tracer opens it: absolute, through
	// /proc/PID/root for a file of a process in another mount namespace.
	Path string
	// Name is the file as probe names show it: a path as the user wrote
	// it (./prog stays relative; a wildcard's match keeps the written
	// prefix), a library or program short name resolved, a process's
	// file as Path.
	Name string
}

// USDTProbe is one USDT (SystemTap SDT) probe of an ELF file.
type USDTProbe struct {
	Provider, Name string
	// Args are the operand specs of the probe's arguments, such as
	// "-4@%edi", "8@-8(%rbp)" or "4@$5".
	Args []string
	// Offset and RefCtrOffset are the file offsets of the probe and of its
	// semaphore (0: none).
	Offset, RefCtrOffset uint64
}

// UprobeSym is a function or object symbol of an ELF file a uprobe
// attaches in.
type UprobeSym struct {
	Name string
	// Addr is the symbol's virtual address and Size its size in bytes
	// (0 for symbols such as _init, whose extent is unknown).
	Addr, Size uint64
}

// UserSym is a symbol of an ELF file (uaddr()).
type UserSym struct {
	// Addr is the symbol's value and Size its size in bytes (0: unknown).
	Addr, Size uint64
	// Relocatable is set for position-independent files (ET_DYN: PIE
	// executables and shared libraries), whose symbols move by the
	// file's load address in each process.
	Relocatable bool
	// Inode identifies the file in the kernel's mappings of it.
	Inode uint64
}

// KernelFunc is a kernel function a kprobe can attach to.
type KernelFunc struct {
	// Name is the function's name and Module its module ("vmlinux" for
	// the kernel itself).
	Name, Module string
	// Traceable is set when ftrace lists the function
	// (available_filter_functions): it is neither inlined, notrace nor
	// __init. Kprobes on other functions usually fail to attach.
	Traceable bool
}

// RawTracepoint is a raw tracepoint of the kernel or of a module.
type RawTracepoint struct {
	// Module is "vmlinux" or the name of the kernel module.
	Module, Name string
}

// FuncProto is a kernel function's prototype from BTF.
type FuncProto struct {
	// Module is "vmlinux" or the name of the kernel module.
	Module, Name string
	// Params are the parameters in order.
	Params []FuncParam
	// Ret is the return type (nil: void) and RetDecl its C spelling.
	Ret     types.Type
	RetDecl string
}

// FuncParam is one parameter of a FuncProto.
type FuncParam struct {
	Name string
	Type types.Type
	// Decl is the C spelling of the type, such as "struct sock *".
	Decl string
}
