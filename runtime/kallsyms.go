//go:build linux

package runtime

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/host"
)

// Kernel functions for kprobes.
//
// The traceable functions are those of tracefs's available_filter_functions
// ("name" or "name [module]" per line): ftrace, and so kprobes without
// surprises and BPF trampolines, can attach to them. /proc/kallsyms lists
// more (notrace, __init and other functions kprobes usually refuse) and
// gives addresses; it is read only when a script names a function that
// ftrace does not list, or probes an address. Both files are read at most
// once per process, and only when a script or listing needs them.

// kfunc is one kernel function: its name, its module ("" for vmlinux) and,
// from kallsyms, its address.
type kfunc struct {
	name, module string
	addr         uint64
}

// kfuncTable is a list of kernel functions sorted by name, then module.
type kfuncTable struct {
	funcs []kfunc
	err   error
	once  sync.Once
}

var (
	// ftraceTable holds available_filter_functions; funcs is nil when
	// tracefs does not show it.
	ftraceTable kfuncTable
	// kallsymsTable holds the text symbols of /proc/kallsyms.
	kallsymsTable kfuncTable
)

// ftraceFuncList returns the traceable functions, read once; nil when
// tracefs does not list them.
func ftraceFuncList() []kfunc {
	ftraceTable.once.Do(func() {
		dir, err := Tracefs()
		if err != nil {
			return
		}
		f, err := os.Open(filepath.Join(dir, "available_filter_functions"))
		if err != nil {
			return
		}
		defer f.Close()
		ftraceTable.funcs, ftraceTable.err = parseFtraceFuncs(f)
		if ftraceTable.err != nil {
			ftraceTable.funcs = nil
		}
	})
	return ftraceTable.funcs
}

// parseFtraceFuncs reads available_filter_functions: "name" or "name
// [module]" per line (newer kernels may add further fields). The names
// are substrings of one copy of the file: tens of thousands of lines are
// read in a few milliseconds.
func parseFtraceFuncs(r io.Reader) ([]kfunc, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading available_filter_functions: %w", err)
	}
	text := string(data)
	out := make([]kfunc, 0, strings.Count(text, "\n"))
	for line := range strings.Lines(text) {
		name, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		if name != "" && !badFunc(name) {
			out = append(out, kfunc{name: name, module: moduleField(rest)})
		}
	}
	return sortFuncs(out), nil
}

// badFunc reports whether kprobes must leave a function alone, as
// bpftrace does: tracing the idle loop, the XDP dispatcher or RCU's own
// functions can hang the kernel (the list of the kernel's kprobe-multi
// selftests), and the ".part.N" pieces of split functions cannot be
// traced.
func badFunc(name string) bool {
	switch name {
	case "arch_cpu_idle", "default_idle", "bpf_dispatcher_xdp_func":
		return true
	}
	return strings.HasPrefix(name, "rcu_") || strings.HasPrefix(name, "__ftrace_invalid_address__") || strings.Contains(name, ".part.")
}

// moduleField returns MODULE of a "[MODULE]" field at the start of s.
func moduleField(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' {
		return ""
	}
	if end := strings.IndexByte(s, ']'); end > 0 {
		return s[1:end]
	}
	return ""
}

// sortFuncs sorts by name and module and drops repeated pairs (a static
// function of one name may be listed once per definition).
func sortFuncs(fs []kfunc) []kfunc {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].name != fs[j].name {
			return fs[i].name < fs[j].name
		}
		return fs[i].module < fs[j].module
	})
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && f.name == fs[i-1].name && f.module == fs[i-1].module {
			continue
		}
		out = append(out, f)
	}
	return out
}

// kallsymsFuncs returns the text symbols of /proc/kallsyms (the one
// kernel symbol table, see symTable), derived once.
func kallsymsFuncs() ([]kfunc, error) {
	kallsymsTable.once.Do(func() {
		tab, err := loadKernelSyms()
		if err != nil {
			kallsymsTable.err = err
			return
		}
		kallsymsTable.funcs = tab.funcs()
	})
	return kallsymsTable.funcs, kallsymsTable.err
}

// funcs returns the table's functions (types t and T) sorted by name and
// module, without the functions kprobes must leave alone (badFunc) and
// without JIT-compiled BPF programs, trampolines and dispatchers (module
// "bpf"): they are not kprobe targets, and they come and go with every
// program loaded on the machine. Names are substrings of the table's.
func (t *symTable) funcs() []kfunc {
	var out []kfunc
	for i, e := range t.syms {
		if e.typ != 't' && e.typ != 'T' {
			continue
		}
		name, mod := t.name(i), t.modules[e.mod]
		if mod == "bpf" || badFunc(name) {
			continue
		}
		out = append(out, kfunc{name: name, module: mod, addr: e.addr})
	}
	return sortFuncs(out)
}

// moduleMatches reports whether a function's module (""for vmlinux)
// matches the module of an attach point ("" for any, "vmlinux", a glob).
func moduleMatches(pattern, module string) bool {
	if pattern == "" {
		return true
	}
	if module == "" {
		module = "vmlinux"
	}
	ok, _ := path.Match(pattern, module)
	return ok
}

// named returns the functions of a sorted table called name.
func named(fs []kfunc, name string) []kfunc {
	i := sort.Search(len(fs), func(i int) bool { return fs[i].name >= name })
	j := i
	for j < len(fs) && fs[j].name == name {
		j++
	}
	return fs[i:j]
}

// KernelFuncs implements host.Host: the kernel functions of module
// matching pattern. A wildcard matches the traceable functions (all text
// symbols when tracefs does not list them, as kprobes see no difference
// then); an exact name is looked up among the traceable functions, then
// in kallsyms.
func (h *Host) KernelFuncs(module, pattern string) ([]host.KernelFunc, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad kernel function pattern %q: %w", pattern, err)
	}
	if _, err := path.Match(module, ""); err != nil {
		return nil, fmt.Errorf("bad kernel module pattern %q: %w", module, err)
	}
	traceable := ftraceFuncList()
	var out []host.KernelFunc
	add := func(f kfunc, tr bool) {
		if moduleMatches(module, f.module) {
			m := f.module
			if m == "" {
				m = "vmlinux"
			}
			out = append(out, host.KernelFunc{Name: f.name, Module: m, Traceable: tr})
		}
	}
	if !hasWildcard(pattern) {
		for _, f := range named(traceable, pattern) {
			add(f, true)
		}
		if len(out) > 0 {
			return out, nil
		}
		all, err := kallsymsFuncs()
		if err != nil {
			return nil, err
		}
		for _, f := range named(all, pattern) {
			add(f, traceable == nil)
		}
		return out, nil
	}
	list, tr := traceable, true
	if list == nil {
		var err error
		if list, err = kallsymsFuncs(); err != nil {
			return nil, err
		}
	}
	prefix := pattern
	if i := strings.IndexAny(pattern, "*?[\\"); i >= 0 {
		prefix = pattern[:i]
	}
	start := sort.Search(len(list), func(i int) bool { return list[i].name >= prefix })
	for _, f := range list[start:] {
		if !strings.HasPrefix(f.name, prefix) {
			break
		}
		if ok, _ := path.Match(pattern, f.name); ok {
			add(f, tr)
		}
	}
	return out, nil
}

// KernelModuleLoaded implements host.Host from /proc/modules.
func (h *Host) KernelModuleLoaded(name string) bool {
	data, err := os.ReadFile("/proc/modules")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if mod, _, _ := strings.Cut(line, " "); mod == name {
			return true
		}
	}
	return false
}

// KernelFuncAt implements host.Host: the kallsyms function whose code
// holds addr (the last one starting at or before it; an address past the
// last function of its region is not caught), and the offset in it.
func (h *Host) KernelFuncAt(addr uint64) (string, uint64, error) {
	all, err := kallsymsFuncs()
	if err != nil {
		return "", 0, err
	}
	byAddr := make([]kfunc, 0, len(all))
	for _, f := range all {
		if f.addr != 0 {
			byAddr = append(byAddr, f)
		}
	}
	if len(byAddr) == 0 {
		return "", 0, fmt.Errorf("kernel addresses are hidden (kptr_restrict)")
	}
	sort.Slice(byAddr, func(i, j int) bool { return byAddr[i].addr < byAddr[j].addr })
	i := sort.Search(len(byAddr), func(i int) bool { return byAddr[i].addr > addr }) - 1
	if i < 0 || i == len(byAddr)-1 {
		return "", 0, fmt.Errorf("no kernel function contains address %#x", addr)
	}
	return byAddr[i].name, addr - byAddr[i].addr, nil
}
