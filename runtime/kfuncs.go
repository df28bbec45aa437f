//go:build linux

package runtime

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// kernelTypeID returns the BTF type ID of the kernel function or variable
// name (T is *btf.Func or *btf.Var) in the running kernel's BTF, which is
// what kfunc calls and typed ksym loads name. The running kernel's BTF is
// used even when BPFTRACE_BTF points elsewhere: the IDs must be the
// kernel's own. cilium/ebpf caches the spec. notFound is the error when
// the kernel lacks name.
func kernelTypeID[T btf.Type](what, name string, notFound error) (btf.TypeID, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return 0, fmt.Errorf("%s %s: loading kernel BTF: %w", what, name, err)
	}
	var typ T
	if err := spec.TypeByName(name, &typ); err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			return 0, notFound
		}
		return 0, fmt.Errorf("%s %s: %w", what, name, err)
	}
	return spec.TypeID(typ)
}

// kfuncID returns the BTF type ID of a kernel function (kfunc).
func kfuncID(name string) (btf.TypeID, error) {
	return kernelTypeID[*btf.Func]("kernel function", name, fmt.Errorf("this kernel lacks the kernel function %s", name))
}

// ksymID returns the BTF type ID of the kernel variable name, which is
// what a typed ksym load (percpu_kaddr) names.
func ksymID(name string) (btf.TypeID, error) {
	return kernelTypeID[*btf.Var]("kernel variable", name, fmt.Errorf("could not resolve variable %q from BTF", name))
}

// kernelRef returns the BTF ID an instruction of generated code needs
// filled in (a kfunc call or a typed ksym load); ok is false for other
// instructions.
func kernelRef(ins *asm.Instruction) (id btf.TypeID, ok bool, err error) {
	if name := codegen.KsymName(ins); name != "" {
		id, err = ksymID(name)
		return id, true, err
	}
	if name := codegen.KfuncName(ins); name != "" {
		id, err = kfuncID(name)
		return id, true, err
	}
	return 0, false, nil
}

// KernelVar implements check.Host: whether the running kernel's BTF has
// the variable name.
func (h *Host) KernelVar(name string) bool {
	_, err := ksymID(name)
	return err == nil
}
