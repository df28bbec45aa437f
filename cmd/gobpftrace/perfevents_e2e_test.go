package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestSoftwareAndHardwareProbes: a software event samples a -c command's
// page faults (every fault with count 1), with -p only the events of that
// process are sampled, -l lists the events with their
// aliases, and a hardware event attaches where the machine has a PMU and
// is otherwise one clear error naming the missing facility.
func TestSoftwareAndHardwareProbes(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-q", "-e", `software:page-faults:1 /pid == cpid/ { @faults = count(); } software:cs:1 /pid == cpid/ { @cs = count(); }`, "-c", "/bin/true")
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^@faults: (\d+)$`).FindStringSubmatch(r.stdout)
	if n := 0; m == nil {
		t.Errorf("no page faults counted:\n%s", r.stdout)
	} else if n, _ = strconv.Atoi(m[1]); n < 10 {
		t.Errorf("%d page faults of /bin/true, want many:\n%s", n, r.stdout)
	}
	// With -p, only that process's events.
	busy := exec.Command("/bin/sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Process.Kill(); busy.Wait() })
	r = gbt(t, "-p", strconv.Itoa(busy.Process.Pid), "-e", `software:cpu-clock:1000000 { @[pid] = count(); } interval:ms:300 { exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)\A\n*@\[`+strconv.Itoa(busy.Process.Pid)+`\]: \d+\n\z`)
	r = gbt(t, "-l", "software:cpu*")
	expectRun(t, r, 0, "software:cpu-clock:\nsoftware:cpu:\nsoftware:cpu-migrations:\n", "")

	r = gbt(t, "-e", `hardware:instructions:1000000 { @ = count(); exit(); }`)
	if _, err := os.Stat("/sys/bus/event_source/devices/cpu"); err == nil {
		expectCode(t, r, 0)
		return
	}
	expectCode(t, r, exitRuntime)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-30: ERROR: cannot attach hardware:instructions:1000000: hardware performance counters are not available on this kernel \(no PMU provides instructions, as in most virtual machines\)$`,
		`^HINT: use software:cpu-clock instead$`)
}

// TestExitDropsLaterEvents: exit() ends tracing at once: a probe firing
// every millisecond prints once (the firings before the probes are
// detached are dropped, as bpftrace drops them), and END still prints.
func TestExitDropsLaterEvents(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-q", "-e", `interval:ms:1 { printf("x\n"); exit(); } END { printf("end\n"); }`)
	expectRun(t, r, 0, "x\nend\n\n\n", "")
}

// TestInfo: --info reports the system, the build and what the kernel
// supports, in bpftrace's sections, each feature yes or no.
func TestInfo(t *testing.T) {
	needRoot(t)
	r := gbt(t, "--info")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^System\n  OS: Linux `, `(?m)^Build\n  version: gobpftrace v`,
		`(?m)^Kernel helpers\n  dpath: (yes|no) +get_tai_ns: (yes|no)$`, `(?m)^  Instruction limit: \d+ +btf: (yes|no)$`,
		`(?m)^Probe types\n  kprobe: (yes|no) +kprobe_multi: (yes|no)$`, `(?m)kprobe_session: (yes|no)$`)
	// The answers are the machine's: BTF where the kernel exposes it,
	// kprobes where it has the kprobe PMU,
	// perf_event programs everywhere gobpftrace runs its profile probes.
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	_, err := os.Stat("/sys/kernel/btf/vmlinux")
	matchAll(t, "stdout", r.stdout, `(?m)^  Instruction limit: \d+ +btf: `+yes(err == nil)+`$`, `(?m)^  perf_event: yes +raw_tracepoint: yes$`)
	_, err = os.Stat("/sys/bus/event_source/devices/kprobe") // the kprobe PMU (Linux 4.17+)
	matchAll(t, "stdout", r.stdout, `(?m)^  kprobe: `+yes(err == nil)+` `)
}

// pageToucher faults in 2000 fresh pages (small ones: with transparent
// huge pages one fault would map 512).
const pageToucher = `#include <sys/mman.h>
int main(void) {
	char *p = mmap(0, 2000 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(p, 2000 * 4096, MADV_NOHUGEPAGE);
	for (int i = 0; i < 2000; i++) p[i * 4096] = 1;
	return 0;
}
`

// TestSoftwarePageFaultsChild: with -c, software:page-faults:1 counts the
// child's faults only (the event is opened in the child, as bpftrace
// does): its 2000 page touches plus the few dozen of loading it, and no
// other process's.
func TestSoftwarePageFaultsChild(t *testing.T) {
	needRoot(t)
	bin := compileC(t, pageToucher, "-O1")
	// Another process faulting at the same time must not be counted.
	done := make(chan struct{})
	defer close(done)
	go keepBusy(done)
	r, out := gbtSplit(t, "-e", `software:page-faults:1 { @[comm, pid == cpid] = count(); }`, "-c", bin)
	expectCode(t, r, 0)
	lines := regexp.MustCompile(`(?m)^@\[.*$`).FindAllString(out, -1)
	if len(lines) != 1 {
		t.Fatalf("want one key, the child's:\n%s\n%v", out, r)
	}
	m := regexp.MustCompile(`^@\[prog, true\]: (\d+)$`).FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("want the child's faults under its comm and pid:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < 2000 || n > 2300 {
		t.Errorf("%d faults counted, want the child's 2000 and its loading's few dozen", n)
	}
}
