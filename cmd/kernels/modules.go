package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// guestModules are the modules the guest init needs for sharing folders
// over virtio-9p. Debian's cloud kernels build them as modules; their
// dependencies (virtio, virtio_ring, 9pnet, netfs, fscache …) are found
// from each module's own .modinfo, because the package ships no
// modules.dep (depmod runs when it is installed).
var guestModules = []string{"virtio_pci", "9pnet_virtio", "9p"}

// moduleName is the kernel's name of the module file at path: the base
// name without .ko and its compression suffix, with '-' read as '_'.
func moduleName(path string) string {
	base := filepath.Base(path)
	if i := strings.Index(base, ".ko"); i >= 0 {
		base = base[:i]
	}
	return strings.ReplaceAll(base, "-", "_")
}

// modinfoDepends returns the depends= list of a module's .modinfo section
// (NUL-separated key=value strings).
func modinfoDepends(modinfo []byte) []string {
	for _, kv := range bytes.Split(modinfo, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			var deps []string
			for _, d := range strings.Split(string(v), ",") {
				if d != "" {
					deps = append(deps, strings.ReplaceAll(d, "-", "_"))
				}
			}
			return deps
		}
	}
	return nil
}

// loadOrder returns the modules to load for wanted, dependencies first,
// each once. deps gives each module's dependencies; a wanted module that
// deps lacks is an error unless builtin says it is built in.
func loadOrder(wanted []string, deps map[string][]string, builtin map[string]bool) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name, from string) error
	visit = func(name, from string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("module dependency cycle at %s", name)
		case 2:
			return nil
		}
		d, ok := deps[name]
		if !ok {
			if builtin[name] {
				state[name] = 2
				return nil
			}
			if from != "" {
				return fmt.Errorf("module %s (needed by %s) not found", name, from)
			}
			return fmt.Errorf("module %s not found and not built in", name)
		}
		state[name] = 1
		for _, dep := range d {
			if err := visit(dep, name); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, w := range wanted {
		if err := visit(w, ""); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// moduleFile is a module ready for the initramfs.
type moduleFile struct {
	Name string
	Data []byte // uncompressed ELF object
}

// readModule reads a module file, decompressing .ko.xz, .ko.zst and
// .ko.gz with the host's tools (the guest's init then needs no
// decompressor, and kernels before 5.17 cannot decompress themselves).
func readModule(path string) ([]byte, error) {
	var tool string
	switch {
	case strings.HasSuffix(path, ".ko"):
		return os.ReadFile(path)
	case strings.HasSuffix(path, ".ko.xz"):
		tool = "xz"
	case strings.HasSuffix(path, ".ko.zst"):
		tool = "zstd"
	case strings.HasSuffix(path, ".ko.gz"):
		tool = "gzip"
	default:
		return nil, fmt.Errorf("%s: not a kernel module", path)
	}
	out, err := exec.Command(tool, "-dc", path).Output()
	if err != nil {
		return nil, fmt.Errorf("%s -dc %s: %w", tool, path, err)
	}
	return out, nil
}

// resolveModules finds the guest modules and their dependencies in the
// module tree dir (lib/modules/<release>) and returns them in load order.
func resolveModules(dir string, wanted []string) ([]moduleFile, error) {
	paths := map[string]string{}
	err := filepath.WalkDir(filepath.Join(dir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".ko") {
			paths[moduleName(p)] = p
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(dir, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(b)) {
			builtin[moduleName(l)] = true
		}
	}
	// Read the modules reachable from wanted, recording their depends=.
	deps := map[string][]string{}
	data := map[string][]byte{}
	queue := append([]string(nil), wanted...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := deps[name]; done || paths[name] == "" {
			continue
		}
		b, err := readModule(paths[name])
		if err != nil {
			return nil, err
		}
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", paths[name], err)
		}
		sec := f.Section(".modinfo")
		if sec == nil {
			return nil, fmt.Errorf("%s: no .modinfo section", paths[name])
		}
		info, err := sec.Data()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", paths[name], err)
		}
		deps[name] = modinfoDepends(info)
		if deps[name] == nil {
			deps[name] = []string{}
		}
		data[name] = b
		queue = append(queue, deps[name]...)
	}
	order, err := loadOrder(wanted, deps, builtin)
	if err != nil {
		return nil, err
	}
	out := make([]moduleFile, len(order))
	for i, n := range order {
		out[i] = moduleFile{Name: n, Data: data[n]}
	}
	return out, nil
}
