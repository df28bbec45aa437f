//go:build linux

package runtime

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
)

// KernelFuncs returns the kernel functions (text symbols of
// /proc/kallsyms, modules included) matching the glob pattern, sorted. An
// exact name that the kernel does not have is an error; a wildcard that
// matches nothing returns an empty list. The symbol table is read once.
func (h *Host) KernelFuncs(pattern string) ([]string, error) {
	names, err := h.kernelFuncs()
	if err != nil {
		return nil, err
	}
	if !strings.ContainsAny(pattern, "*?[") {
		i := sort.SearchStrings(names, pattern)
		if i < len(names) && names[i] == pattern {
			return []string{pattern}, nil
		}
		return nil, fmt.Errorf("kernel function '%s' not found in /proc/kallsyms", pattern)
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad kernel function pattern %q: %w", pattern, err)
	}
	// A wildcard matches only the functions kprobes can attach to, as in
	// bpftrace: those of available_filter_functions, when tracefs shows
	// it. kallsyms also lists __init and notrace functions, and one of
	// them in an expansion (vfs_* has vfs_caches_init) would fail the
	// whole script at attach time.
	ftrace := ftraceFuncs()
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(pattern, n); ok && (ftrace == nil || ftrace[n]) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (h *Host) kernelFuncs() ([]string, error) {
	h.ksymOnce.Do(func() { h.ksyms, h.ksymErr = readKallsymsFuncs("/proc/kallsyms") })
	return h.ksyms, h.ksymErr
}

// readKallsymsFuncs reads the function names of a kallsyms file: lines
// "ADDRESS TYPE NAME [MODULE]" whose type is t or T.
func readKallsymsFuncs(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading kernel symbols: %w", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var names []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || (fields[1] != "t" && fields[1] != "T") {
			continue
		}
		if name := fields[2]; !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading kernel symbols: %w", err)
	}
	sort.Strings(names)
	return names, nil
}
