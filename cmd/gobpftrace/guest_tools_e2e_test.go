package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The kprobe-based tools of bpftrace's tools/ folder, as users copy them.
// They are not part of this repository: make kernels fetches Debian's
// bpftrace package and shows its /usr/sbin/*.bt to the guests in
// GOBPFTRACE_UPSTREAM_TOOLS. A tool whose kernel functions all exist in
// the guest must start, print, and end cleanly on SIGINT after a workload
// that exercises files, processes and loopback TCP; a tool that names a
// function the kernel lacks (renamed across versions, or in a module that
// is not loaded) must fail with an error naming that function.

// kprobeTarget matches the function of a kprobe or kretprobe attach point.
var kprobeTarget = regexp.MustCompile(`(?m)(?:^|[\s,])k(?:ret)?probe:([A-Za-z0-9_.*]+)`)

// toolKprobes returns the kprobe functions (or patterns) a tool attaches
// to, one group per probe: a probe's attach points run on over lines that
// end in a comma.
func toolKprobes(src string) [][]string {
	var groups [][]string
	var cur []string
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "//") {
			continue
		}
		for _, m := range kprobeTarget.FindAllStringSubmatch(l, -1) {
			cur = append(cur, m[1])
		}
		if len(cur) > 0 && !strings.HasSuffix(l, ",") {
			groups = append(groups, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// traceableFunctions reads the functions kprobes can attach to.
func traceableFunctions(t *testing.T) map[string]bool {
	t.Helper()
	var f *os.File
	var err error
	for _, p := range []string{"/sys/kernel/tracing/available_filter_functions", "/sys/kernel/debug/tracing/available_filter_functions"} {
		if f, err = os.Open(p); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("available_filter_functions: %v", err)
	}
	defer f.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) > 0 {
			names[fs[0]] = true
		}
	}
	return names
}

// missingFuncs returns the targets with no traceable function that make
// the tool fail, as missing_probes = "error" (the default) says: every
// missing function named without a wildcard, and a wildcard without
// matches when its probe has no other attach point that exists.
func missingFuncs(groups [][]string, traceable map[string]bool) []string {
	var missing []string
	for _, g := range groups {
		var wildMisses []string
		found := 0
		for _, p := range g {
			if !strings.ContainsAny(p, "*?[") {
				if traceable[p] {
					found++
				} else {
					missing = append(missing, p)
				}
				continue
			}
			matched := false
			for n := range traceable {
				if ok, _ := path.Match(p, n); ok {
					matched = true
					break
				}
			}
			if matched {
				found++
			} else {
				wildMisses = append(wildMisses, p)
			}
		}
		if found == 0 {
			missing = append(missing, wildMisses...)
		}
	}
	return missing
}

// toolWorkload makes the events the tools trace: file reads and stats,
// process creation, and a loopback TCP connection with data both ways.
func toolWorkload(t *testing.T) {
	for _, f := range []string{"/etc/passwd", "/proc/self/status"} {
		if b, err := os.ReadFile(f); err != nil || len(b) == 0 {
			t.Errorf("workload: reading %s: %v", f, err)
		}
		os.Stat(f)
	}
	if err := exec.Command("/bin/sh", "-c", "ls / >/dev/null; cat /etc/hostname >/dev/null 2>&1; true").Run(); err != nil {
		t.Errorf("workload: sh: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Errorf("workload: listen: %v", err)
		return
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Errorf("workload: dial: %v", err)
		return
	}
	c.Write([]byte("ping"))
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4)
	io.ReadFull(c, buf)
	c.Close()
}

// TestGuestUpstreamTools runs every kprobe-based tool of bpftrace's
// tools/ folder in the guest.
func TestGuestUpstreamTools(t *testing.T) {
	needKprobes(t)
	dir := os.Getenv("GOBPFTRACE_UPSTREAM_TOOLS")
	if dir == "" {
		if inGuest() {
			t.Fatal("GOBPFTRACE_GUEST=1 but GOBPFTRACE_UPSTREAM_TOOLS is not set: make kernels sets it")
		}
		t.Skip("GOBPFTRACE_UPSTREAM_TOOLS is not set (make kernels fetches bpftrace's tools and sets it)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.bt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tools in %s: %v", dir, err)
	}
	sort.Strings(files)
	traceable := traceableFunctions(t)
	ran := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		targets := toolKprobes(string(src))
		if len(targets) == 0 {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(file), ".bt")
		t.Run(name, func(t *testing.T) {
			missing := missingFuncs(targets, traceable)
			r := runTool(t, invocation{args: []string{file}, timeout: 90 * time.Second, during: func(p *runningTool) {
				if len(missing) > 0 {
					return
				}
				// Attached when the BEGIN header is out (every kprobe
				// tool prints one) or, failing that, after a while.
				p.stdout.waitFor("\n", p.done, 20*time.Second)
				toolWorkload(t)
				time.Sleep(300 * time.Millisecond)
				p.cmd.Process.Signal(syscall.SIGINT)
			}})
			if len(missing) > 0 {
				if r.code == 0 || !strings.Contains(r.stderr, missing[0]) {
					t.Errorf("%s names %v, which this kernel lacks: want an error naming %s\n%v", name, missing, missing[0], r)
				}
				t.Logf("%s: this kernel lacks %v; error: %s", name, missing, headLine(r.stderr))
				return
			}
			expectCode(t, r, 0)
			if strings.Contains(r.stderr, "ERROR") || strings.TrimSpace(r.stdout) == "" {
				t.Errorf("%s (kprobes %v):\n%v", name, targets, r)
			}
			t.Logf("%s: ran, %d lines of output", name, strings.Count(r.stdout, "\n"))
		})
		ran++
	}
	if ran < 10 {
		t.Errorf("only %d kprobe tools in %s", ran, dir)
	}
}

// headLine is the first line of s.
func headLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestToolKprobesMissing checks the rule the guest test expects tools to
// follow: a missing plain function fails the tool, a wildcard without
// matches fails it only when its probe has nothing else to attach to.
func TestToolKprobesMissing(t *testing.T) {
	src := `
// kprobe:commented_out
kprobe:lookup_fast,
kprobe:lookup_fast.constprop.*
{ }
kprobe:d_lookup { } kretprobe:d_lookup { }
kprobe:vfs_*_missing { }
kprobe:blk_account_io_start, kprobe:__blk_account_io_start { }
`
	groups := toolKprobes(src)
	want := [][]string{{"lookup_fast", "lookup_fast.constprop.*"}, {"d_lookup", "d_lookup"}, {"vfs_*_missing"}, {"blk_account_io_start", "__blk_account_io_start"}}
	if !reflect.DeepEqual(groups, want) {
		t.Fatalf("toolKprobes = %q, want %q", groups, want)
	}
	traceable := map[string]bool{"lookup_fast": true, "d_lookup": true, "blk_account_io_start": true}
	if got, want := missingFuncs(groups, traceable), []string{"vfs_*_missing", "__blk_account_io_start"}; !reflect.DeepEqual(got, want) {
		t.Errorf("missingFuncs = %q, want %q", got, want)
	}
}
