//go:build linux

package runtime

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// kfuncID returns the BTF type ID of a kernel function (kfunc) in the
// running kernel's BTF, which is what a kfunc call instruction names. The
// running kernel's BTF is used even when BPFTRACE_BTF points elsewhere:
// the IDs must be the kernel's own. cilium/ebpf caches the spec.
func kfuncID(name string) (btf.TypeID, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return 0, fmt.Errorf("kernel function %s: loading kernel BTF: %w", name, err)
	}
	var fn *btf.Func
	if err := spec.TypeByName(name, &fn); err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			return 0, fmt.Errorf("this kernel lacks the kernel function %s (Linux 6.7 or later has it)", name)
		}
		return 0, fmt.Errorf("kernel function %s: %w", name, err)
	}
	return spec.TypeID(fn)
}

// ksymID returns the BTF type ID of the kernel variable name in the
// running kernel's BTF, which is what a typed ksym load (percpu_kaddr)
// names.
func ksymID(name string) (btf.TypeID, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return 0, fmt.Errorf("kernel variable %s: loading kernel BTF: %w", name, err)
	}
	var v *btf.Var
	if err := spec.TypeByName(name, &v); err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			return 0, fmt.Errorf("could not resolve variable %q from BTF", name)
		}
		return 0, fmt.Errorf("kernel variable %s: %w", name, err)
	}
	return spec.TypeID(v)
}

// KernelVar implements check.Host: whether the running kernel's BTF has
// the variable name.
func (h *Host) KernelVar(name string) bool {
	_, err := ksymID(name)
	return err == nil
}
