//go:build linux

package runtime

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// KernelTypeNames implements -l 'struct PATTERN' (and union, enum): the
// names ("struct task_struct") of the kernel's types of that kind whose
// name matches the glob, from vmlinux's BTF and the loaded modules',
// sorted and once each. It decodes every type (about 150 ms for vmlinux),
// which only listings do.
func (h *Host) KernelTypeNames(pattern string) ([]string, error) {
	pattern = strings.Join(strings.Fields(pattern), " ")
	kind, glob, ok := strings.Cut(pattern, " ")
	if !ok || (kind != "struct" && kind != "union" && kind != "enum") {
		return nil, fmt.Errorf("bad type pattern %q: want struct, union or enum and a name", pattern)
	}
	if _, err := path.Match(glob, ""); err != nil {
		return nil, fmt.Errorf("bad type pattern %q: %w", pattern, err)
	}
	seen := map[string]bool{}
	for _, mod := range btfModules("*") {
		spec, err := h.moduleSpec(mod)
		if err != nil {
			if mod == "vmlinux" {
				return nil, err
			}
			continue
		}
		for t, err := range spec.All() {
			if err != nil {
				return nil, fmt.Errorf("reading the BTF of %s: %w", mod, err)
			}
			if name := t.TypeName(); name != "" && typeKindName(t) == kind && !seen[name] {
				if ok, _ := path.Match(glob, name); ok {
					seen[name] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, kind+" "+name)
	}
	sort.Strings(out)
	return out, nil
}

// typeKindName is the C keyword of a BTF struct, union or enum ("" for
// other kinds).
func typeKindName(t btf.Type) string {
	switch t.(type) {
	case *btf.Struct:
		return "struct"
	case *btf.Union:
		return "union"
	case *btf.Enum:
		return "enum"
	}
	return ""
}
