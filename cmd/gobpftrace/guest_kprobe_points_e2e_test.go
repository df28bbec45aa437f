package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// kprobe attach points (FUNC+OFFSET, MODULE:FUNC, ADDRESS), bpftrace's
// messages for what matches nothing, the limit on generated programs, and
// -l across probe kinds. Attaching needs kprobes: those tests run in the
// kernel matrix's guests. The others need only root and run here too.

// readChild is a -c child that reads 4321 bytes of a file with one
// vfs_read.
func readChild(t *testing.T) string {
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, make([]byte, 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	return "/bin/dd if=" + in + " of=/dev/null bs=4321 count=1 status=none"
}

// TestGuestKprobeOffset: kprobe:vfs_read+0 fires like kprobe:vfs_read, and
// a nonzero offset places the kprobe inside the function. vfs_read starts
// with a 5-byte call to __fentry__ on 5.10, and with a 4-byte endbr64
// before it where the kernel has IBT, so exactly one of +4 and +5 is an
// instruction boundary: that one fires, the other cannot be attached (were
// the offset dropped, both would fire at the entry).
func TestGuestKprobeOffset(t *testing.T) {
	needKprobes(t)
	child := readChild(t)
	for _, off := range []string{"0", "0x0"} {
		r, out := gbtSplit(t, "-e", `kprobe:vfs_read+`+off+` /pid == cpid/ { printf("hit %s\n", probe); }`, "-c", child)
		expectCode(t, r, 0)
		if !strings.Contains(out, "hit kprobe:vfs_read\n") {
			t.Errorf("kprobe:vfs_read+%s did not fire:\n%s\n%v", off, out, r)
		}
	}
	fired := map[string]bool{}
	for _, off := range []string{"4", "0x5"} {
		r, out := gbtSplit(t, "-e", `kprobe:vfs_read+`+off+` /pid == cpid/ { printf("hit %s\n", probe); }`, "-c", child)
		switch {
		case r.code == 0 && regexp.MustCompile(`(?m)^hit kprobe:vfs_read\+[45]$`).MatchString(out):
			fired[off] = true
		case r.code == 0:
			t.Errorf("kprobe:vfs_read+%s attached but did not fire:\n%s\n%v", off, out, r)
		default:
			matchAll(t, "stderr", r.stderr, `ERROR: .*kprobe:vfs_read\+[45]`)
		}
	}
	if len(fired) != 1 {
		t.Errorf("offsets that fired: %v; want exactly one of +4 and +5 (the first instruction is 4 or 5 bytes)", fired)
	}
}

// TestGuestKprobeAddress: kprobe:ADDRESS (with --unsafe) attaches to the
// function holding the address: vfs_read's address from kallsyms fires on
// the child's read; an address outside the kernel is bpftrace's "Unable to
// attach probe" error, and without --unsafe an address is refused.
func TestGuestKprobeAddress(t *testing.T) {
	needKprobes(t)
	addr := kallsymsAddr(t, "vfs_read")
	r, out := gbtSplit(t, "--unsafe", "-e", `kprobe:0x`+addr+` /pid == cpid/ { printf("hit\n"); }`, "-c", readChild(t))
	expectCode(t, r, 0)
	if !strings.Contains(out, "hit\n") {
		t.Errorf("kprobe:0x%s (vfs_read) did not fire:\n%s\n%v", addr, out, r)
	}
	r = gbt(t, "--unsafe", "-e", `kprobe:0x12345678 {}`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-18: ERROR: Unable to attach probe: kprobe:305419896: no kernel function contains address 0x12345678\n`)
	r = gbt(t, "-e", `kprobe:0x`+addr+` {}`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: Probing by address requires --unsafe`)
}

// kallsymsAddr returns the address (hex, no 0x) of a kernel function.
func kallsymsAddr(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) >= 3 && fs[2] == name && fs[0] != "0000000000000000" {
			return fs[0]
		}
	}
	t.Fatalf("no address of %s in /proc/kallsyms", name)
	return ""
}

// TestGuestKprobeModule: kprobe:MODULE:FUNC names a loaded module's
// function (listed and attached as such); a module that is not loaded is
// bpftrace's error, instead of attaching to the function of that name
// elsewhere.
func TestGuestKprobeModule(t *testing.T) {
	needKprobes(t)
	r := gbt(t, "-e", `kprobe:nonsense:vfs_read { exit(); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-25: ERROR: specified module nonsense in probe kprobe:nonsense:vfs_read is not loaded\.\n`)

	mod, fn := moduleFunc(t)
	r = gbt(t, "-l", "kprobe:"+mod+":*")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^kprobe:`+regexp.QuoteMeta(mod+":"+fn)+`$`)
	noMatch(t, "stdout", r.stdout, `(?m)^kprobe:vmlinux:`)
	r = gbt(t, "-e", "kprobe:"+mod+":"+fn+" { }", "-c", "/bin/true")
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `Attached 1 probe`)
	r = gbt(t, "-e", "kprobe:"+mod+":vfs_read { }")
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: No matches for kprobe `+regexp.QuoteMeta(mod)+`:vfs_read\.`)
}

// moduleFunc returns a loaded module and one of its traceable functions.
func moduleFunc(t *testing.T) (string, string) {
	t.Helper()
	for _, dir := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		data, err := os.ReadFile(filepath.Join(dir, "available_filter_functions"))
		if err != nil {
			continue
		}
		m := regexp.MustCompile(`(?m)^([a-z_][a-z0-9_]*) \[([a-z0-9_]+)\]$`).FindStringSubmatch(string(data))
		if m == nil {
			break
		}
		return m[2], m[1]
	}
	t.Skip("no module function in available_filter_functions (no module loaded)")
	return "", ""
}

// TestGuestBPFProgsLimit: a wildcard whose every function needs its own
// program (the body uses probe) stops at max_bpf_progs with bpftrace's
// error and hint, at once, before anything is loaded; the environment
// raises or lowers the limit. Needs only kallsyms, so it runs here too.
func TestGuestBPFProgsLimit(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `k:* { @[probe] = count(); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-4: ERROR: Your program is trying to generate more than \d+ BPF programs, which exceeds the current limit of 1024\nk:\* \{ @\[probe\] = count\(\); \}\n~~~\nHINT: You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable\.\n`)
	r = runTool(t, invocation{args: []string{"-e", `k:vfs_read, k:vfs_write { @[probe] = count(); }`}, env: []string{"BPFTRACE_MAX_BPF_PROGS=1"}})
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `^stdin:1:13-24: ERROR: Your program is trying to generate more than 2 BPF programs, which exceeds the current limit of 1\n`)
}

// TestGuestMissingProbeMessages: what matches nothing is said in
// bpftrace's words, at the attach point.
func TestGuestMissingProbeMessages(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `kprobe:vmlinux:nonsense { exit(); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr,
		`(?m)^stdin:1:1-24: ERROR: No matches for kprobe vmlinux:nonsense\.$`,
		`(?m)^stdin:1:1-24: WARNING: nonsense is not traceable \(either non-existing, inlined, or marked as "notrace"\); attaching to it will likely fail$`)
	r = gbt(t, "-e", `config = { missing_probes = "ignore" } kprobe:nonsense { exit(); } t:syscalls:nonsense { exit(); }`)
	expectRun(t, r, exitScript, "No probes to attach\n", "")
	r = gbt(t, "-e", `config = { missing_probes = "warn" } kprobe:nonsense { exit(); } BEGIN { exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr,
		`(?m)^stdin:1:38-53: WARNING: No matches for kprobe nonsense\. Skipping\.$`,
		`(?m)^stdin:1:38-53: WARNING: Probe has no valid attach points\. It is being removed which may cause issues with program behavior\.$`)
}

// TestGuestListKernelProbes: -l without a pattern lists every kernel probe
// kind in bpftrace's order (fentry, hardware, iter, kprobe, rawtracepoint,
// software, tracepoint); a pattern without a provider and a provider
// with a wildcard search all kinds; commas separate patterns, types
// included. Each listing's time is logged (the guests' TCG is slow).
func TestGuestListKernelProbes(t *testing.T) {
	needRoot(t)
	timed := func(args ...string) toolResult {
		start := time.Now()
		r := gbt(t, args...)
		t.Logf("gobpftrace %s: %v, %d lines", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), strings.Count(r.stdout, "\n"))
		return r
	}
	r := timed("-l")
	expectCode(t, r, 0)
	kinds := []string{"fentry", "hardware", "iter", "kprobe", "rawtracepoint", "software", "tracepoint"}
	last := -1
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		kind, _, _ := strings.Cut(line, ":")
		i := indexOf(kinds, kind)
		if i < 0 {
			t.Fatalf("%q: %s probes are not a kernel kind", line, kind)
		}
		if i < last {
			t.Fatalf("%q after a %s probe: kinds out of order", line, kinds[last])
		}
		last = i
	}
	want := []string{`(?m)^kprobe:do_nanosleep$`, `(?m)^tracepoint:sched:sched_switch$`, `(?m)^rawtracepoint:(vmlinux:)?sched_switch$`, `(?m)^iter:task$`,
		`(?m)^software:cpu-clock:$`, `(?m)^software:cpu:$`, `(?m)^hardware:cycles:$`}
	if haveBTF() {
		want = append(want, `(?m)^fentry:vmlinux:do_nanosleep$`)
	}
	matchAll(t, "stdout", r.stdout, want...)
	if r2 := timed("--list"); r2.stdout != r.stdout {
		t.Errorf("--list and -l differ")
	}

	r = timed("-l", "*do_nanosleep*")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^kprobe:do_nanosleep$`)
	noMatch(t, "stdout", r.stdout, `(?m)^tracepoint:`, `(?m)^kretprobe:`)
	r = timed("-l", "*sched_switch*")
	matchAll(t, "stdout", r.stdout, `(?m)^tracepoint:sched:sched_switch$`)
	r = timed("-l", "kprobe*")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^kprobe:kprobe\w*$`)
	r = timed("-l", "kretprobe:vfs_read")
	expectRun(t, r, 0, "kretprobe:vfs_read\n", "")
	r = timed("-l", "iter:*")
	expectRun(t, r, 0, "iter:task\niter:task_file\n", "")
	r = timed("-lv", "iter:task_file")
	expectRun(t, r, 0, "iter:task_file\n    struct task_struct * task\n    uint32 fd\n    struct file * file\n", "")
	r = timed("-lv", "kprobe:vfs_read,struct file")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `\Akprobe:vfs_read\n(    .*\n)*vmlinux: struct file \{\n`)
	r = timed("-l", "struct file, tracepoint:sched:sched_switch")
	expectRun(t, r, 0, "struct file\ntracepoint:sched:sched_switch\n", "")
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// haveBTF reports whether the kernel describes itself in BTF.
func haveBTF() bool {
	_, err := os.Stat("/sys/kernel/btf/vmlinux")
	return err == nil
}
