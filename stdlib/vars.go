package stdlib

import (
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// VarID identifies a builtin variable.
type VarID uint8

// Builtin variables.
const (
	VarInvalid VarID = iota
	Pid
	Tid
	Uid
	Gid
	CPU
	Comm
	Nsecs
	Elapsed
	ProbeVar
	Cpid
	Args
	ArgN // arg0 … arg9; the index is resolved by the checker
	Retval
	FuncVar
	Curtask
	Rand
	Cgroup
	Username
	Kstack
	Ustack
	Ctx
	Numaid
	Jiffies
	Ncpus
	Ppid
	Pcomm
	Usermode
	ConfigVar
	Probetype
	numVars
)

// NumVars is the number of variable IDs including VarInvalid.
const NumVars = int(numVars)

// MaxArgN is the highest argN supported (arg0 … arg9) but in usdt probes,
// which have as many as their notes describe.
const MaxArgN = 9

// VarDef describes a builtin variable.
type VarDef struct {
	Name string
	// Type is the value type; nil when it depends on the probe (args,
	// retval, argN …) and is decided by the checker.
	Type        types.Type
	Implemented bool
	Doc         string
}

// Vars is the builtin-variable table.
var Vars = [...]VarDef{
	VarInvalid: {Name: "invalid"},
	Pid:        {Name: "pid", Type: types.Uint32, Implemented: true, Doc: "process id (tgid) as the PID namespace of gobpftrace sees it"},
	Tid:        {Name: "tid", Type: types.Uint32, Implemented: true, Doc: "thread id as the PID namespace of gobpftrace sees it"},
	Uid:        {Name: "uid", Type: types.Uint32, Implemented: true, Doc: "user id"},
	Gid:        {Name: "gid", Type: types.Uint32, Implemented: true, Doc: "group id"},
	CPU:        {Name: "cpu", Type: types.Uint32, Implemented: true, Doc: "current CPU"},
	Comm:       {Name: "comm", Type: &types.String{Cap: 16}, Implemented: true, Doc: "current task name"},
	Nsecs:      {Name: "nsecs", Type: types.Uint64, Implemented: true, Doc: "boot-clock nanoseconds"},
	Elapsed:    {Name: "elapsed", Type: types.Uint64, Implemented: true, Doc: "nanoseconds since tracing started"},
	ProbeVar:   {Name: "probe", Type: &types.ProbeName{}, Implemented: true, Doc: "full name of the probe"},
	Cpid:       {Name: "cpid", Type: types.Uint32, Implemented: true, Doc: "pid of the -c child"},
	Args:       {Name: "args", Implemented: true, Doc: "probe arguments (tracepoint fields)"},
	ArgN:       {Name: "arg", Type: types.Uint64, Implemented: true, Doc: "function argument N (kprobe, uprobe, usdt; a usdt probe has as many as its note describes, arg10 and beyond too)"},
	Retval:     {Name: "retval", Type: types.Int64, Implemented: true, Doc: "function return value"},
	FuncVar:    {Name: "func", Implemented: true, Doc: "traced function name"},
	Curtask:    {Name: "curtask", Implemented: true, Doc: "current task_struct (a BTF-typed pointer)"},
	Rand:       {Name: "rand", Type: types.Uint32, Implemented: true, Doc: "random number"},
	Cgroup:     {Name: "cgroup", Type: types.Uint64, Implemented: true, Doc: "cgroup v2 id"},
	Username:   {Name: "username", Type: &types.Username{}, Implemented: true, Doc: "name of the current user: the uid, printed as /etc/passwd names it (empty when it has no entry)"},
	Kstack:     {Name: "kstack", Type: &types.Stack{Limit: 127}, Implemented: true, Doc: "kernel stack"},
	Ustack:     {Name: "ustack", Type: &types.Stack{User: true, Limit: 127}, Implemented: true, Doc: "user stack"},
	Ctx:        {Name: "ctx", Type: types.Uint64, Implemented: true, Doc: "the probe's context pointer (pt_regs for kprobes and uprobes), to cast to a struct pointer"},
	Numaid:     {Name: "numaid", Type: types.Uint32, Implemented: true, Doc: "NUMA node"},
	Jiffies:    {Name: "jiffies", Type: types.Uint64, Implemented: true, Doc: "jiffies"},
	Ncpus:      {Name: "ncpus", Type: types.Uint64, Implemented: true, Doc: "number of CPUs"},
	Ppid:       {Name: "ppid", Implemented: true, Doc: "parent process id (curtask->real_parent->tgid, from BTF)"},
	Usermode:   {Name: "usermode", Type: types.Uint8, Implemented: true, Doc: "1 when the probe interrupted user code (the code segment's privilege level, x86_64), 0 in the kernel; begin and end run in user mode"},
	ConfigVar:  {Name: "config", Implemented: true, Doc: "the configuration in effect (config block, environment, defaults) as a record: config.max_strlen, config.stack_mode …; also spelt __builtin_config"},
	Probetype:  {Name: "probetype", Implemented: true, Doc: "the probe's kind (kprobe, tracepoint …; special for begin and end), a constant string"},
	Pcomm:      {Name: "pcomm", Implemented: true, Doc: "parent process name (curtask->real_parent->comm, from BTF)"},
}

// String returns the variable name.
func (v VarID) String() string {
	if int(v) < len(Vars) {
		return Vars[v].Name
	}
	return "invalid"
}

var varIndex = func() map[string]VarID {
	m := map[string]VarID{}
	for id := VarID(1); id < numVars; id++ {
		if id != ArgN {
			m[Vars[id].Name] = id
		}
	}
	return m
}()

// LookupVar resolves a builtin variable name; for argN it returns ArgN and N.
// __builtin_NAME names the builtin NAME (the standard library's wrapper
// macros, such as `macro cpu() { __builtin_cpu }`, use it).
func LookupVar(name string) (id VarID, n int, ok bool) {
	if rest, found := strings.CutPrefix(name, "__builtin_"); found {
		name = rest
	}
	if id, ok := varIndex[name]; ok {
		return id, 0, true
	}
	if name == "__builtin_config" {
		return ConfigVar, 0, true
	}
	if rest, found := strings.CutPrefix(name, "arg"); found && len(rest) > 0 && len(rest) <= 2 {
		if n, err := strconv.Atoi(rest); err == nil && n >= 0 && strconv.Itoa(n) == rest {
			return ArgN, n, true
		}
	}
	return VarInvalid, 0, false
}

// VarNames returns the names of all builtin variables.
func VarNames() []string {
	out := make([]string, 0, NumVars)
	for id := VarID(1); id < numVars; id++ {
		if id == ArgN {
			out = append(out, "arg0")
			continue
		}
		out = append(out, Vars[id].Name)
	}
	return out
}
