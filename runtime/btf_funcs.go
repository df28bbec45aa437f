//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Kernel function prototypes for fentry/fexit.
//
// The prototypes come from the same lazily loaded vmlinux BTF as kernel
// types (btf.go); a module's BTF (/sys/kernel/btf/MODULE) is loaded only
// when a script names the module or a module wildcard. A wildcard walks
// every BTF function once and keeps those that are also text symbols of
// /proc/kallsyms (functions the kernel inlined everywhere have BTF but no
// symbol, and cannot be attached to).

// maxTracingArgs is the most arguments a traced function may have: the
// x86-64 trampoline of the 5.x kernels saves six argument registers.
const maxTracingArgs = 6

// moduleBTF caches loaded module BTF specs.
type moduleBTF struct {
	mu    sync.Mutex
	specs map[string]*btf.Spec
	errs  map[string]error
}

var modBTF moduleBTF

// moduleSpec returns the BTF of a kernel module, or vmlinux's.
func (h *Host) moduleSpec(module string) (*btf.Spec, error) {
	if module == "vmlinux" {
		return h.kernelSpec()
	}
	m := &modBTF
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.specs[module]; ok {
		return s, nil
	}
	if err, ok := m.errs[module]; ok {
		return nil, err
	}
	s, err := btf.LoadKernelModuleSpec(module)
	if m.specs == nil {
		m.specs, m.errs = map[string]*btf.Spec{}, map[string]error{}
	}
	if err != nil {
		err = fmt.Errorf("load BTF of module %s: %w", module, err)
		m.errs[module] = err
		return nil, err
	}
	m.specs[module] = s
	return s, nil
}

// btfModules returns "vmlinux" and the modules with BTF matching the glob
// pattern ("" matches only vmlinux).
func btfModules(pattern string) []string {
	if pattern == "" || pattern == "vmlinux" {
		return []string{"vmlinux"}
	}
	if !strings.ContainsAny(pattern, "*?[") {
		return []string{pattern}
	}
	var out []string
	if ok, _ := path.Match(pattern, "vmlinux"); ok {
		out = append(out, "vmlinux")
	}
	ents, _ := os.ReadDir("/sys/kernel/btf")
	for _, e := range ents {
		if e.Name() == "vmlinux" {
			continue
		}
		if ok, _ := path.Match(pattern, e.Name()); ok {
			out = append(out, e.Name())
		}
	}
	return out
}

// lookupByName is the most traceable functions matching a wildcard that
// KernelFuncProtos looks up in BTF one by one; more are found by decoding
// every type once (about as costly as 10000 lookups).
const lookupByName = 2000

// KernelFuncProtos implements host.Host: the BTF prototypes of the kernel
// functions of module ("" is vmlinux) matching pattern.
func (h *Host) KernelFuncProtos(module, pattern string) ([]host.FuncProto, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad kernel function pattern %q: %w", pattern, err)
	}
	wild := strings.ContainsAny(pattern, "*?[")
	var traceable, mods map[string]bool
	if wild {
		var err error
		if traceable, mods, err = h.traceableFuncs(module, pattern); err != nil {
			return nil, err
		}
	}
	var out []host.FuncProto
	for _, mod := range btfModules(module) {
		if wild && !mods[mod] {
			continue // no traceable match: its BTF is not even loaded
		}
		spec, err := h.moduleSpec(mod)
		if err != nil {
			if wild || strings.ContainsAny(module, "*?[") {
				continue
			}
			return nil, err
		}
		if !wild {
			var fn *btf.Func
			if err := spec.TypeByName(pattern, &fn); err != nil {
				if errors.Is(err, btf.ErrNotFound) && module == "" {
					continue
				}
				continue
			}
			if p, err := h.funcProto(spec, mod, fn); err == nil {
				out = append(out, p)
			} else {
				return nil, err
			}
			continue
		}
		if len(traceable) <= lookupByName {
			// Few names: look each up rather than decode every type.
			for name := range traceable {
				types, _ := spec.AnyTypesByName(name)
				for _, t := range types {
					if fn, ok := t.(*btf.Func); ok {
						if p, err := h.funcProto(spec, mod, fn); err == nil {
							out = append(out, p)
						}
					}
				}
			}
			continue
		}
		for t, err := range spec.All() {
			if err != nil {
				return nil, fmt.Errorf("reading BTF of %s: %w", mod, err)
			}
			fn, ok := t.(*btf.Func)
			if !ok || !traceable[fn.Name] {
				continue
			}
			if ok, _ := path.Match(pattern, fn.Name); !ok {
				continue
			}
			if p, err := h.funcProto(spec, mod, fn); err == nil {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Module != out[j].Module {
			return out[i].Module < out[j].Module
		}
		return out[i].Name < out[j].Name
	})
	return dedupeProtos(out), nil
}

// traceable caches the names of available_filter_functions as a set.
var traceable struct {
	once  sync.Once
	names map[string]bool
}

// ftraceFuncs returns the names of available_filter_functions (kallsyms.go),
// read once; nil when tracefs does not show it.
func ftraceFuncs() map[string]bool {
	traceable.once.Do(func() {
		list := ftraceFuncList()
		if list == nil {
			return
		}
		names := make(map[string]bool, len(list))
		for _, f := range list {
			names[f.name] = true
		}
		traceable.names = names
	})
	return traceable.names
}

// traceableFuncs returns the names of the functions fentry can attach to
// that match pattern in the modules module matches ("" is vmlinux), and
// those modules: the functions of available_filter_functions when tracefs
// has it (it leaves out notrace and __init functions, which have BTF and
// kallsyms entries too), otherwise the text symbols of kallsyms.
func (h *Host) traceableFuncs(module, pattern string) (names, mods map[string]bool, err error) {
	if module == "" {
		module = "vmlinux"
	}
	funcs, err := h.KernelFuncs(module, pattern)
	if err != nil {
		return nil, nil, err
	}
	names, mods = make(map[string]bool, len(funcs)), map[string]bool{}
	for _, f := range funcs {
		names[f.Name] = true
		mods[f.Module] = true
	}
	return names, mods, nil
}

// dedupeProtos drops repeated (module, name) pairs of a sorted list (BTF
// may describe a static function of the same name twice).
func dedupeProtos(ps []host.FuncProto) []host.FuncProto {
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p.Module == ps[i-1].Module && p.Name == ps[i-1].Name {
			continue
		}
		out = append(out, p)
	}
	return out
}

// funcProto converts a BTF function's prototype.
func (h *Host) funcProto(spec *btf.Spec, mod string, fn *btf.Func) (host.FuncProto, error) {
	fp, ok := fn.Type.(*btf.FuncProto)
	if !ok {
		return host.FuncProto{}, fmt.Errorf("%s is not a function in BTF", fn.Name)
	}
	return h.convertProto(spec, mod, fn.Name, fp, 0, maxTracingArgs)
}

// convertProto converts the parameters of a BTF function prototype from
// the skip-th on (at most maxArgs of them) and its return type.
// Parameters without a name are named arg0, arg1 … by position among
// those kept.
func (h *Host) convertProto(spec *btf.Spec, mod, name string, fp *btf.FuncProto, skip, maxArgs int) (host.FuncProto, error) {
	params := fp.Params[min(skip, len(fp.Params)):]
	if len(params) > maxArgs {
		return host.FuncProto{}, fmt.Errorf("%s has %d parameters; functions with more than %d are not supported", name, len(params), maxArgs)
	}
	k := &h.kbtf
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.conv == nil {
		k.conv = map[btf.Type]types.Type{}
	}
	p := host.FuncProto{Module: mod, Name: name}
	for i, prm := range params {
		t := k.convert(spec, prm.Type)
		if t.Size() > 8 || isVoid(t) {
			return host.FuncProto{}, fmt.Errorf("%s: parameter %d (%s) is passed by value; not supported", name, i, cDecl(prm.Type))
		}
		pname := prm.Name
		if pname == "" {
			pname = fmt.Sprintf("arg%d", i)
		}
		p.Params = append(p.Params, host.FuncParam{Name: pname, Type: t, Decl: cDecl(prm.Type)})
	}
	if _, void := btf.UnderlyingType(fp.Return).(*btf.Void); !void && fp.Return != nil {
		p.Ret, p.RetDecl = k.convert(spec, fp.Return), cDecl(fp.Return)
		if p.Ret.Size() > 8 || isVoid(p.Ret) {
			p.Ret, p.RetDecl = nil, ""
		}
	}
	return p, nil
}

func isVoid(t types.Type) bool {
	_, ok := t.(*types.Void)
	return ok
}

// cDecl spells a BTF type as C does in a declaration without a name, as
// bpftrace's -lv listing shows parameter types ("struct sock *",
// "const char *", "size_t").
func cDecl(t btf.Type) string {
	switch x := t.(type) {
	case nil, *btf.Void:
		return "void"
	case *btf.Typedef:
		return x.Name
	case *btf.Int:
		return x.Name
	case *btf.Float:
		return x.Name
	case *btf.Struct:
		return "struct " + x.Name
	case *btf.Union:
		return "union " + x.Name
	case *btf.Enum:
		return "enum " + x.Name
	case *btf.Fwd:
		return x.Kind.String() + " " + x.Name
	case *btf.Const:
		if _, ptr := x.Type.(*btf.Pointer); ptr {
			return cDecl(x.Type) + " const"
		}
		return "const " + cDecl(x.Type)
	case *btf.Volatile:
		if _, ptr := x.Type.(*btf.Pointer); ptr {
			return cDecl(x.Type) + " volatile"
		}
		return "volatile " + cDecl(x.Type)
	case *btf.Restrict:
		return cDecl(x.Type)
	case *btf.TypeTag:
		return cDecl(x.Type)
	case *btf.Pointer:
		if fp, ok := x.Target.(*btf.FuncProto); ok {
			return cDecl(fp.Return) + " (*)()"
		}
		return cDecl(x.Target) + " *"
	case *btf.Array:
		return fmt.Sprintf("%s[%d]", cDecl(x.Type), x.Nelems)
	}
	return t.TypeName()
}
