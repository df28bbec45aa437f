package stdlib

// FuncID identifies a builtin function.
type FuncID uint8

// Builtin functions.
const (
	FuncInvalid FuncID = iota
	Printf
	Print
	Exit
	Str
	Count
	Sum
	Avg
	Min
	Max
	Stats
	Hist
	LHist
	Clear
	Delete
	Zero
	HasKey
	Len
	Time
	Strftime
	Join
	Buf
	Ksym
	Usym
	Kaddr
	Uaddr
	Reg
	System
	Cat
	Signal
	Strncmp
	Strcontains
	Ntop
	Pton
	Bswap
	Cgroupid
	CgroupPath
	Macaddr
	KstackFn
	UstackFn
	Strerror
	Debugf
	Uptr
	Kptr
	Override
	Unwatch
	Path
	SyscallName
	Getopt
	Errorf
	Warnf
	NsecsFn
	PercpuKaddr
	WriteUser
	Tseries
	Strstr
	Strcap
	StrConcat
	Find
	Memcmp
	SignalThread
	PidFn
	TidFn
	SocketCookie
	SkbOutput
	DwUstack
	numFuncs
)

// NumFuncs is the number of function IDs including FuncInvalid.
const NumFuncs = int(numFuncs)

// FuncFlags describe properties of a builtin function.
type FuncFlags uint16

// Function flags.
const (
	// Unsafe functions need --unsafe.
	Unsafe FuncFlags = 1 << iota
	// Aggregation functions may only be assigned to a map element.
	Aggregation
	// MapArg functions take a map as their first argument.
	MapArg
	// Implemented is set for functions built so far; others are a positioned
	// "not supported yet" error.
	Implemented
	// Statement functions return nothing and may only be used as statements.
	Statement
	// UnsafeLate marks unsafe functions that bpftrace defines as stdlib
	// macros: their checker checks the probe and arguments first and then
	// refuses safe mode with the macros' wording.
	UnsafeLate
)

// FuncDef describes a builtin function.
type FuncDef struct {
	Name    string
	MinArgs int
	MaxArgs int // -1 for variadic
	Flags   FuncFlags
	Sig     string // signature as shown in help and docs
	Doc     string
}

// Has reports whether all flags f are set.
func (d *FuncDef) Has(f FuncFlags) bool { return d.Flags&f == f }

// Funcs is the builtin function table.
var Funcs = [...]FuncDef{
	FuncInvalid:  {Name: "invalid"},
	Printf:       {Name: "printf", MinArgs: 1, MaxArgs: -1, Flags: Implemented | Statement, Sig: "printf(fmt, args...)", Doc: "print formatted text"},
	Print:        {Name: "print", MinArgs: 1, MaxArgs: 3, Flags: Implemented | Statement, Sig: "print(value) | print(@map[, top[, div]])", Doc: "print a value or a whole map"},
	Exit:         {Name: "exit", MinArgs: 0, MaxArgs: 1, Flags: Implemented | Statement, Sig: "exit([code])", Doc: "end tracing: run END, print maps and exit"},
	Str:          {Name: "str", MinArgs: 1, MaxArgs: 2, Flags: Implemented, Sig: "str(ptr[, len])", Doc: "read a NUL-terminated string"},
	Count:        {Name: "count", MinArgs: 0, MaxArgs: 0, Flags: Implemented | Aggregation, Sig: "count()", Doc: "count calls"},
	Sum:          {Name: "sum", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Aggregation, Sig: "sum(n)", Doc: "sum values"},
	Avg:          {Name: "avg", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Aggregation, Sig: "avg(n)", Doc: "average of values"},
	Min:          {Name: "min", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Aggregation, Sig: "min(n)", Doc: "minimum value"},
	Max:          {Name: "max", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Aggregation, Sig: "max(n)", Doc: "maximum value"},
	Stats:        {Name: "stats", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Aggregation, Sig: "stats(n)", Doc: "count, average and total"},
	Hist:         {Name: "hist", MinArgs: 1, MaxArgs: 2, Flags: Implemented | Aggregation, Sig: "hist(n[, k])", Doc: "power-of-two histogram, 2^k buckets per power of two (k 0..5)"},
	LHist:        {Name: "lhist", MinArgs: 4, MaxArgs: 4, Flags: Implemented | Aggregation, Sig: "lhist(n, min, max, step)", Doc: "linear histogram"},
	Clear:        {Name: "clear", MinArgs: 1, MaxArgs: 1, Flags: Implemented | MapArg | Statement, Sig: "clear(@map)", Doc: "remove all keys of a map"},
	Delete:       {Name: "delete", MinArgs: 1, MaxArgs: 2, Flags: Implemented | MapArg, Sig: "delete(@map, key) | delete(@map[key])", Doc: "remove one key of a map"},
	Zero:         {Name: "zero", MinArgs: 1, MaxArgs: 1, Flags: Implemented | MapArg | Statement, Sig: "zero(@map)", Doc: "set every value of a map to zero"},
	HasKey:       {Name: "has_key", MinArgs: 2, MaxArgs: 2, Flags: Implemented | MapArg, Sig: "has_key(@map, key)", Doc: "whether a key is present"},
	Len:          {Name: "len", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "len(@map) | len(stack)", Doc: "number of keys of a map with keys (the kernel's element counters, Linux 6.6; a walk of the map with bpf_for_each_map_elem from Linux 5.13), or of frames of a kstack or ustack recorded by the same probe"},
	Time:         {Name: "time", MinArgs: 0, MaxArgs: 1, Flags: Implemented | Statement, Sig: `time([fmt])`, Doc: "print the current time"},
	Strftime:     {Name: "strftime", MinArgs: 2, MaxArgs: 2, Flags: Implemented, Sig: "strftime(fmt, nsecs)", Doc: "format a timestamp"},
	Join:         {Name: "join", MinArgs: 1, MaxArgs: 2, Flags: Implemented | Statement, Sig: "join(argv[, sep])", Doc: "print an argv-style array"},
	Buf:          {Name: "buf", MinArgs: 1, MaxArgs: 2, Flags: Implemented, Sig: "buf(ptr[, len])", Doc: "read a buffer, printed with %r"},
	Ksym:         {Name: "ksym", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "ksym(addr)", Doc: "kernel symbol of an address"},
	Usym:         {Name: "usym", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "usym(addr)", Doc: "user symbol of an address"},
	Kaddr:        {Name: "kaddr", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "kaddr(name)", Doc: "address of a kernel symbol"},
	Uaddr:        {Name: "uaddr", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "uaddr(name)", Doc: "address of a user symbol"},
	Reg:          {Name: "reg", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "reg(name)", Doc: "value of a register"},
	System:       {Name: "system", MinArgs: 1, MaxArgs: -1, Flags: Unsafe | Statement | Implemented, Sig: "system(fmt, args...)", Doc: "run a shell command"},
	Cat:          {Name: "cat", MinArgs: 1, MaxArgs: -1, Flags: Statement | Implemented, Sig: "cat(fmt, args...)", Doc: "print a file"},
	Signal:       {Name: "signal", MinArgs: 1, MaxArgs: 1, Flags: Unsafe | Statement | Implemented, Sig: "signal(sig)", Doc: "send a signal to the current task"},
	Strncmp:      {Name: "strncmp", MinArgs: 3, MaxArgs: 3, Flags: Implemented, Sig: "strncmp(a, b, n)", Doc: "compare at most n bytes"},
	Strcontains:  {Name: "strcontains", MinArgs: 2, MaxArgs: 2, Flags: Implemented, Sig: "strcontains(hay, needle)", Doc: "whether hay contains needle"},
	Ntop:         {Name: "ntop", MinArgs: 1, MaxArgs: 2, Flags: Implemented, Sig: "ntop([af,] addr)", Doc: "IP address to text"},
	Pton:         {Name: "pton", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "pton(text)", Doc: "text IP address to bytes"},
	Bswap:        {Name: "bswap", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "bswap(n)", Doc: "reverse byte order"},
	Cgroupid:     {Name: "cgroupid", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "cgroupid(path)", Doc: "cgroup v2 id of a path"},
	CgroupPath:   {Name: "cgroup_path", MinArgs: 1, MaxArgs: 2, Flags: Implemented, Sig: "cgroup_path(id[, filter])", Doc: "path of a cgroup id"},
	Macaddr:      {Name: "macaddr", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "macaddr(addr)", Doc: "MAC address to text"},
	KstackFn:     {Name: "kstack", MinArgs: 0, MaxArgs: 2, Flags: Implemented, Sig: "kstack([mode][, limit])", Doc: "kernel stack; mode is bpftrace (one indented frame per line), perf (address and symbol), raw (addresses) or folded (one line, the functions from the outermost to the innermost joined by ';', without offsets; a map keyed by folded stacks prints one line per entry, key components joined by ';', a space and the count: Brendan Gregg's folded format, read by flamegraph.pl and speedscope; ';' in a name prints as ':')"},
	DwUstack:     {Name: "dw_ustack", MinArgs: 0, MaxArgs: 2, Flags: Implemented, Sig: "dw_ustack([mode][, limit])", Doc: "user stack unwound with the DWARF call frame information (.eh_frame) of the processes named by -p, -c or --dwarf-pid, so programs built without frame pointers give whole stacks; printed as ustack. Unstable: config unstable_dw_ustack"},
	UstackFn:     {Name: "ustack", MinArgs: 0, MaxArgs: 2, Flags: Implemented, Sig: "ustack([mode][, limit])", Doc: "user stack; mode is bpftrace, perf (adds the object file), raw, build_id (each frame as the build id of its file and the offset in it, for symbolizing elsewhere) or folded (one line for flame graphs, as for kstack)"},
	Strerror:     {Name: "strerror", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "strerror(errno)", Doc: "error number to text"},
	Debugf:       {Name: "debugf", MinArgs: 1, MaxArgs: 4, Flags: Implemented | Statement, Sig: "debugf(fmt, args...)", Doc: "print to the kernel's trace pipe with bpf_trace_printk (at most 3 integer or string arguments)"},
	Uptr:         {Name: "uptr", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "uptr(p)", Doc: "mark a pointer as user space"},
	Kptr:         {Name: "kptr", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "kptr(p)", Doc: "mark a pointer as kernel space"},
	Override:     {Name: "override", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Unsafe | UnsafeLate | Statement, Sig: "override(rc)", Doc: "make the kprobed kernel function return rc without running (bpf_override_return; CONFIG_BPF_KPROBE_OVERRIDE, functions marked ALLOW_ERROR_INJECTION)"},
	Unwatch:      {Name: "unwatch", MinArgs: 1, MaxArgs: 1, Flags: Implemented | Statement, Sig: "unwatch(addr)", Doc: "remove the watchpoints on addr (asynchronous: they stop once the tracer reads the request)"},
	Path:         {Name: "path", MinArgs: 1, MaxArgs: 2, Flags: Implemented, Sig: "path(struct path *[, size])", Doc: "full path of a struct path (bpf_d_path): in fentry/fexit probes of the functions the kernel allows it in (security_file_open, vfs_truncate, dentry_open, filp_close …) and in iterators; size (a literal) bounds the string"},
	SyscallName:  {Name: "syscall_name", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "syscall_name(nr)", Doc: "name of a system call number (x86-64), printed as text; \"Unknown syscall\" for a number without one"},
	Getopt:       {Name: "getopt", MinArgs: 1, MaxArgs: 3, Flags: Implemented, Sig: "getopt(name[, default[, doc]])", Doc: "named program argument"},
	Errorf:       {Name: "errorf", MinArgs: 1, MaxArgs: -1, Flags: Implemented | Statement, Sig: "errorf(fmt, args...)", Doc: "print a formatted error with the call's source location (stderr; an errorf message in JSON)"},
	NsecsFn:      {Name: "nsecs", MinArgs: 0, MaxArgs: 1, Flags: Implemented, Sig: "nsecs([boot|monotonic|tai|sw_tai])", Doc: "nanoseconds of a kernel clock: boot (default, CLOCK_BOOTTIME), monotonic (CLOCK_MONOTONIC), tai (CLOCK_TAI, Linux 6.1) or sw_tai (the boot clock plus the TAI offset measured when tracing starts)"},
	PercpuKaddr:  {Name: "percpu_kaddr", MinArgs: 1, MaxArgs: 2, Flags: Implemented, Sig: "percpu_kaddr(name[, cpu])", Doc: "address (a uint64 *) of the per-CPU kernel variable name on cpu, or on the current CPU; NULL for a cpu out of range"},
	WriteUser:    {Name: "write_user", MinArgs: 3, MaxArgs: 3, Flags: Implemented | Unsafe | UnsafeLate, Sig: "write_user(dst, src, len)", Doc: "write len bytes of the value src to the user address dst (bpf_probe_write_user); true on success"},
	Tseries:      {Name: "tseries", MinArgs: 3, MaxArgs: 4, Flags: Implemented | Aggregation, Sig: `tseries(n, interval, num_intervals[, "avg"|"sum"|"min"|"max"])`, Doc: "time series: the last value (or the reduction) of each of the last num_intervals intervals"},
	Strstr:       {Name: "strstr", MinArgs: 2, MaxArgs: 2, Flags: Implemented, Sig: "strstr(hay, needle)", Doc: "index of the first occurrence of needle in hay, or -1"},
	Strcap:       {Name: "strcap", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "strcap(s)", Doc: "capacity of a string or a char array (a constant); the length of the string a char pointer points to"},
	StrConcat:    {Name: "str_concat", MinArgs: 2, MaxArgs: 2, Flags: Implemented, Sig: "str_concat(s1, s2)", Doc: "the concatenation of two strings (its capacity is the sum of theirs)"},
	Find:         {Name: "find", MinArgs: 3, MaxArgs: 3, Flags: Implemented | MapArg, Sig: "find(@map, key, $var)", Doc: "whether key is in the map; when it is, its value is stored in $var (one lookup)"},
	Memcmp:       {Name: "memcmp", MinArgs: 3, MaxArgs: 3, Flags: Implemented, Sig: "memcmp(left, right, count)", Doc: "compare the first count bytes of two values: 0 when equal, else the difference of the first differing (signed) bytes"},
	SignalThread: {Name: "signal_thread", MinArgs: 1, MaxArgs: 1, Flags: Unsafe | Statement | Implemented, Sig: "signal_thread(sig)", Doc: "send a signal to the current thread"},
	PidFn:        {Name: "pid", MinArgs: 0, MaxArgs: 1, Flags: Implemented, Sig: "pid([curr_ns|init])", Doc: "process id of the current thread as the PID namespace of gobpftrace sees it (curr_ns, the default, as the pid builtin) or as the initial namespace does (init)"},
	TidFn:        {Name: "tid", MinArgs: 0, MaxArgs: 1, Flags: Implemented, Sig: "tid([curr_ns|init])", Doc: "thread id of the current thread as the PID namespace of gobpftrace sees it (curr_ns, the default, as the tid builtin) or as the initial namespace does (init)"},
	SocketCookie: {Name: "socket_cookie", MinArgs: 1, MaxArgs: 1, Flags: Implemented, Sig: "socket_cookie(struct sock *sk)", Doc: "the kernel's cookie of a socket (bpf_get_socket_cookie), a uint64 stable for the socket's life, 0 for NULL; in fentry/fexit probes, whose socket arguments the kernel types from BTF (Linux 5.12)"},
	SkbOutput:    {Name: "skboutput", MinArgs: 4, MaxArgs: 4, Sig: "skboutput(path, struct sk_buff *skb, length, offset)", Doc: "write an sk_buff's data to a pcap file (bpf_skb_output in fentry/fexit probes): not supported yet"},
	Warnf:        {Name: "warnf", MinArgs: 1, MaxArgs: -1, Flags: Implemented | Statement, Sig: "warnf(fmt, args...)", Doc: "print a formatted warning with the call's source location (stderr, silenced by --no-warnings; a warnf message in JSON)"},
}

// String returns the function name.
func (f FuncID) String() string {
	if int(f) < len(Funcs) {
		return Funcs[f].Name
	}
	return "invalid"
}

var funcIndex = func() map[string]FuncID {
	m := map[string]FuncID{}
	for id := FuncID(1); id < numFuncs; id++ {
		m[Funcs[id].Name] = id
	}
	return m
}()

// LookupFunc resolves a function name.
func LookupFunc(name string) (FuncID, bool) {
	id, ok := funcIndex[name]
	return id, ok
}

// FuncNames returns the names of all functions.
func FuncNames() []string {
	out := make([]string, 0, NumFuncs)
	for id := FuncID(1); id < numFuncs; id++ {
		out = append(out, Funcs[id].Name)
	}
	return out
}
