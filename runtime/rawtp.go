//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/host"
)

// Raw tracepoints: the targets of classic raw_tp programs
// (BPF_RAW_TRACEPOINT_OPEN).
//
// The kernel lets a raw_tp program attach to every tracepoint it declares
// for BPF (include/trace/bpf_probe.h), and each has a BTF typedef
// btf_trace_NAME: a pointer to the prototype of the tracepoint's probe,
// whose first parameter is the tracepoint's private data (void *__data)
// and the others the tracepoint's arguments, which a raw_tp program's
// context holds as u64s. The names are found by a raw scan of the BTF
// files for those typedefs (btf_raw.go), without decoding any type. The
// typedef's parameters have no names, so they are taken from the
// tracepoint's __probestub_NAME (Linux 6.4), __traceiter_NAME (5.10) or
// __bpf_trace_NAME function, whose parameters are the same, named. A
// kernel without BTF falls back to tracefs's event names (where a
// syscall event such as sys_enter_openat is not a raw tracepoint and
// fails to attach).

// rawTPTypedef is the prefix of the BTF typedefs naming raw tracepoints.
const rawTPTypedef = "btf_trace_"

// rawTPFuncs are the prefixes of the BTF functions whose parameters, the
// first excepted, are a raw tracepoint's arguments, with their names.
var rawTPFuncs = []string{"__probestub_", "__traceiter_", "__bpf_trace_"}

// maxRawTracepointArgs is the most arguments a raw tracepoint passes
// (MAX_BPF_FUNC_ARGS).
const maxRawTracepointArgs = 12

// sysBTFDir holds the kernel's and the modules' BTF.
const sysBTFDir = "/sys/kernel/btf"

// rawTPCache caches the raw tracepoint names of each BTF object.
type rawTPCache struct {
	mu    sync.Mutex
	names map[string][]string // by module, sorted
	errs  map[string]error
	// base is the kernel's raw BTF, the base of the modules' split BTF,
	// read once for all of them.
	base []byte
}

// RawTracepoints implements host.Host: the raw tracepoints of module (""
// is the kernel, then the modules) whose names match pattern.
func (h *Host) RawTracepoints(module, pattern string) ([]host.RawTracepoint, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad raw tracepoint pattern %q: %w", pattern, err)
	}
	mods := btfModules(module)
	if module == "" {
		mods = btfModules("*")
	}
	var out []host.RawTracepoint
	for _, mod := range mods {
		if module == "" && !hasWildcard(pattern) && len(out) > 0 {
			break // an exact name: the kernel's, or the first module's
		}
		names, err := h.rawTracepointNames(mod)
		if err != nil {
			if mod == module {
				return nil, err
			}
			continue
		}
		for _, n := range names {
			if match(pattern, n) {
				out = append(out, host.RawTracepoint{Module: mod, Name: n})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Module != out[j].Module {
			return out[i].Module < out[j].Module
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// rawTracepointNames returns the raw tracepoints of one BTF object
// (cached).
func (h *Host) rawTracepointNames(mod string) ([]string, error) {
	c := &h.rawTPs
	c.mu.Lock()
	defer c.mu.Unlock()
	if names, ok := c.names[mod]; ok {
		return names, nil
	}
	if err, ok := c.errs[mod]; ok {
		return nil, err
	}
	if c.names == nil {
		c.names, c.errs = map[string][]string{}, map[string]error{}
	}
	names, err := h.scanRawTracepoints(mod)
	if err != nil {
		c.errs[mod] = err
		return nil, err
	}
	sort.Strings(names)
	c.names[mod] = names
	return names, nil
}

// scanRawTracepoints reads the names of a BTF object's btf_trace_
// typedefs. h.rawTPs.mu is held.
func (h *Host) scanRawTracepoints(mod string) ([]string, error) {
	if mod != "vmlinux" {
		raw, err := os.ReadFile(path.Join(sysBTFDir, mod))
		if err != nil {
			return nil, fmt.Errorf("load BTF of module %s: %w", mod, err)
		}
		c := &h.rawTPs // locked by rawTracepointNames
		if c.base == nil {
			if c.base, err = os.ReadFile(path.Join(sysBTFDir, "vmlinux")); err != nil {
				return nil, fmt.Errorf("load kernel BTF: %w", err)
			}
		}
		return scanRawTypedefs(raw, c.base, rawTPTypedef)
	}
	raw, err := os.ReadFile(h.btfPath())
	if err != nil {
		if os.Getenv(BTFEnv) == "" && errors.Is(err, fs.ErrNotExist) {
			return h.tracefsEventNames()
		}
		return nil, fmt.Errorf("load kernel BTF: %w", err)
	}
	if names, err := scanRawTypedefs(raw, nil, rawTPTypedef); err == nil {
		return names, nil
	}
	// Not raw BTF (BPFTRACE_BTF names an ELF file): walk the spec.
	spec, err := h.kernelSpec()
	if err != nil {
		return nil, err
	}
	var names []string
	for t, err := range spec.All() {
		if err != nil {
			return nil, fmt.Errorf("reading kernel BTF: %w", err)
		}
		if td, ok := t.(*btf.Typedef); ok && strings.HasPrefix(td.Name, rawTPTypedef) {
			names = append(names, strings.TrimPrefix(td.Name, rawTPTypedef))
		}
	}
	return names, nil
}

// tracefsEventNames returns the event names of tracefs, once each: the
// raw tracepoint candidates of a kernel without BTF.
func (h *Host) tracefsEventNames() ([]string, error) {
	all, err := h.allTracepoints()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range all {
		_, ev, _ := strings.Cut(n, ":")
		if !seen[ev] {
			seen[ev] = true
			out = append(out, ev)
		}
	}
	return out, nil
}

// RawTracepointProto implements host.Host: the arguments of a raw
// tracepoint, named from its probe stub's BTF prototype, or arg0, arg1 …
// from its btf_trace_ typedef.
func (h *Host) RawTracepointProto(module, name string) (*host.FuncProto, error) {
	spec, err := h.moduleSpec(module)
	if err != nil {
		return nil, err
	}
	for _, prefix := range rawTPFuncs {
		found, _ := spec.AnyTypesByName(prefix + name)
		for _, t := range found {
			if fn, ok := t.(*btf.Func); ok {
				if fp, ok := fn.Type.(*btf.FuncProto); ok && len(fp.Params) > 0 {
					return h.rawTracepointProto(spec, module, name, fp)
				}
			}
		}
	}
	var td *btf.Typedef
	if err := spec.TypeByName(rawTPTypedef+name, &td); err != nil {
		return nil, fmt.Errorf("raw tracepoint %s: no BTF prototype in %s: %w", name, module, err)
	}
	if ptr, ok := td.Type.(*btf.Pointer); ok {
		if fp, ok := ptr.Target.(*btf.FuncProto); ok && len(fp.Params) > 0 {
			return h.rawTracepointProto(spec, module, name, fp)
		}
	}
	return nil, fmt.Errorf("raw tracepoint %s: %s%s is not a pointer to a function prototype", name, rawTPTypedef, name)
}

// rawTracepointProto converts a raw tracepoint's probe prototype without
// its first parameter.
func (h *Host) rawTracepointProto(spec *btf.Spec, module, name string, fp *btf.FuncProto) (*host.FuncProto, error) {
	p, err := h.convertProto(spec, module, name, fp, 1, maxRawTracepointArgs)
	if err != nil {
		return nil, err
	}
	p.Ret, p.RetDecl = nil, ""
	return &p, nil
}
