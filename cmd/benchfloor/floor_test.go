package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// requireRoot skips a kernel test when not running as root, except under
// CI=true, where a skipped kernel test would hide a regression: it fails.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("kernel test needs root (CI=true forbids skipping)")
	}
	t.Skip("kernel test needs root; run as root or with sudo")
}

// runMode runs mode with o until it returns; trigger, run on a locked OS
// thread once the probes are attached, makes the events, and ctx ends
// after it unless keepRunning. It returns stdout and stderr, and checks
// that no BPF object outlives the mode.
func runMode(t *testing.T, fn modeFunc, o options, trigger func(), keepRunning bool) (string, string) {
	t.Helper()
	before := bpfFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.attached = func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		trigger()
		if !keepRunning {
			cancel()
		}
	}
	var out, diag bytes.Buffer
	if err := fn(ctx, o, &out, &diag); err != nil {
		t.Fatalf("%v (stderr %q)", err, diag.String())
	}
	if after := bpfFDs(t); after != before {
		t.Errorf("%d BPF file descriptors open after the run, %d before", after, before)
	}
	return out.String(), diag.String()
}

// bpfFDs counts this process's open BPF maps, programs and links.
func bpfFDs(t *testing.T) int {
	t.Helper()
	infos, err := filepath.Glob("/proc/self/fdinfo/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range infos {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the directory's own fd, closed meanwhile
		}
		if bytes.Contains(b, []byte("map_id:")) || bytes.Contains(b, []byte("prog_id:")) ||
			bytes.Contains(b, []byte("link_id:")) {
			n++
		}
	}
	return n
}

// syscalls makes system call nr n times.
func syscalls(nr uintptr, n int) {
	for range n {
		unix.RawSyscall(nr, 0, 0, 0)
	}
}

// threadComm is the comm of the calling thread.
func threadComm(t *testing.T) string {
	b, err := os.ReadFile("/proc/thread-self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func TestBegin(t *testing.T) {
	requireRoot(t)
	out, _ := runMode(t, runBegin, options{}, func() {}, true)
	if out != "hi\n" {
		t.Errorf("printed %q, want %q", out, "hi\n")
	}
}

func TestFirstEndsAtTheFirstHit(t *testing.T) {
	requireRoot(t)
	// ctx stays alive: the mode must return by itself.
	out, _ := runMode(t, runFirst, options{pid: uint32(os.Getpid())}, func() {
		syscalls(unix.SYS_GETPPID, 3)
	}, true)
	if out != "hit\n" {
		t.Errorf("printed %q, want %q", out, "hit\n")
	}
}

func TestReadyPrintsEveryProbe(t *testing.T) {
	requireRoot(t)
	nrs := []uintptr{unix.SYS_GETPID, unix.SYS_GETPPID, unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID,
		unix.SYS_GETEGID, unix.SYS_GETTID, unix.SYS_GETPGRP, unix.SYS_GETSID, unix.SYS_SCHED_YIELD}
	if len(nrs) != len(readySyscalls) {
		t.Fatalf("%d system calls here for %d probes", len(nrs), len(readySyscalls))
	}
	out, _ := runMode(t, runReady, options{pid: uint32(os.Getpid()), probes: len(readySyscalls)}, func() {
		for _, nr := range nrs {
			syscalls(nr, 2)
		}
	}, false)
	// The Go runtime's other threads call getpid and sched_yield too.
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		seen[l]++
	}
	for i := range nrs {
		if l := fmt.Sprintf("PRB%d", i); seen[l] < 2 {
			t.Errorf("%s printed %d times, want at least 2", l, seen[l])
		}
		delete(seen, fmt.Sprintf("PRB%d", i))
	}
	if len(seen) > 0 {
		t.Errorf("unexpected lines %v in\n%s", seen, out)
	}
}

func TestTputPrintsEveryHit(t *testing.T) {
	requireRoot(t)
	const n = 20000
	var want string
	out, diag := runMode(t, runTput, options{pid: uint32(os.Getpid())}, func() {
		want = fmt.Sprintf("E %d %s\n", unix.Gettid(), threadComm(t))
		syscalls(unix.SYS_GETPID, n)
	}, false)
	if diag != "" {
		t.Errorf("stderr %q, want nothing lost", diag)
	}
	// The Go runtime's other threads call getpid too (to signal a thread).
	got := 0
	for _, l := range strings.SplitAfter(out, "\n") {
		if l == want {
			got++
		}
	}
	if got != n {
		t.Errorf("printed %d lines %q, want %d; output starts %.60q", got, want, n, out)
	}
}

func TestCountPerComm(t *testing.T) {
	requireRoot(t)
	const n = 5000
	var comm string
	out, _ := runMode(t, runCount, options{}, func() {
		comm = threadComm(t)
		syscalls(unix.SYS_GETPID, n)
	}, false)
	m := regexp.MustCompile(`(?m)^@\[` + regexp.QuoteMeta(comm) + `\]: (\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no line for %q in\n%s", comm, out)
	}
	if got, _ := strconv.Atoi(m[1]); got < n {
		t.Errorf("@[%s]: %d, want at least %d", comm, got, n)
	}
	if !strings.HasPrefix(out, "\n\n@[") || !strings.HasSuffix(out, "\n\n") {
		t.Errorf("not bpftrace's layout of a map at exit:\n%q", out)
	}
}

func TestHistBuckets(t *testing.T) {
	requireRoot(t)
	const n = 5000
	out, _ := runMode(t, runHist, options{}, func() {
		syscalls(unix.SYS_GETPID, n) // 39: [32, 64)
		syscalls(1<<30, 3)           // no such call, but the tracepoint fires
		syscalls(^uintptr(1), 2)     // -2
	}, false)
	for label, least := range map[string]int{"[32, 64)": n, "[1G, 2G)": 3, "(..., 0)": 2} {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + ` +(\d+) \|@* *\|$`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("no row %s in\n%s", label, out)
			continue
		}
		if got, _ := strconv.Atoi(m[1]); got < least {
			t.Errorf("row %s counts %d, want at least %d", label, got, least)
		}
	}
	if !strings.HasPrefix(out, "\n\n@x: \n") {
		t.Errorf("not bpftrace's layout of a histogram at exit:\n%q", out)
	}
}

func TestMapsOneKeyPerHit(t *testing.T) {
	requireRoot(t)
	const n = 3000
	out, _ := runMode(t, runMaps, options{pid: uint32(os.Getpid()), maxKeys: 2 * n}, func() {
		syscalls(unix.SYS_GETPID, n)
	}, false)
	// The Go runtime's other threads call getpid too (to signal a thread).
	lines := strings.Split(strings.Trim(out, "\n"), "\n")
	key := regexp.MustCompile(`^@m\[\d+\]: 1$`)
	for _, l := range lines {
		if !key.MatchString(l) {
			t.Fatalf("line %q is not @m[ns]: 1", l)
		}
	}
	if len(lines) < n {
		t.Errorf("%d lines @m[ns]: 1, want at least %d", len(lines), n)
	}
}

// The layout of bpftrace 0.17's golden output for hist() of -1, 0, 0, 1,
// 2, 3, 5, 8, 100, 1000, 1024, 1500000 and three times 5000000000 — with
// the last three in [4G, 8G) where they belong (0.17 puts every value of
// 2^32 and more in [2G, 4G)).
func TestHistLayout(t *testing.T) {
	var b [histBuckets]uint64
	for bucket, n := range map[int]uint64{0: 1, 1: 2, 2: 1, 3: 2, 4: 1, 5: 1, 8: 1, 11: 1, 12: 1, 22: 1, 34: 3} {
		b[bucket] = n
	}
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	writeHist(w, "@h", b[:])
	w.Flush()
	want := "@h: \n" +
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[0]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n" +
		"[1]                    1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n" +
		"[4, 8)                 1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[8, 16)                1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[16, 32)               0 |                                                    |\n" +
		"[32, 64)               0 |                                                    |\n" +
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[128, 256)             0 |                                                    |\n" +
		"[256, 512)             0 |                                                    |\n" +
		"[512, 1K)              1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[2K, 4K)               0 |                                                    |\n" +
		"[4K, 8K)               0 |                                                    |\n" +
		"[8K, 16K)              0 |                                                    |\n" +
		"[16K, 32K)             0 |                                                    |\n" +
		"[32K, 64K)             0 |                                                    |\n" +
		"[64K, 128K)            0 |                                                    |\n" +
		"[128K, 256K)           0 |                                                    |\n" +
		"[256K, 512K)           0 |                                                    |\n" +
		"[512K, 1M)             0 |                                                    |\n" +
		"[1M, 2M)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[2M, 4M)               0 |                                                    |\n" +
		"[4M, 8M)               0 |                                                    |\n" +
		"[8M, 16M)              0 |                                                    |\n" +
		"[16M, 32M)             0 |                                                    |\n" +
		"[32M, 64M)             0 |                                                    |\n" +
		"[64M, 128M)            0 |                                                    |\n" +
		"[128M, 256M)           0 |                                                    |\n" +
		"[256M, 512M)           0 |                                                    |\n" +
		"[512M, 1G)             0 |                                                    |\n" +
		"[1G, 2G)               0 |                                                    |\n" +
		"[2G, 4G)               0 |                                                    |\n" +
		"[4G, 8G)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	if got := bucketLabel(histBuckets - 1); got != "[8E, 16E)" {
		t.Errorf("last bucket %q, want [8E, 16E)", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-mode", "nosuch"},
		{"-mode", "ready", "-n", "11"},
		{"-mode", "maps", "-maxkeys", "0"},
		{"-mode", "count", "extra"},
		{"-bogus"},
	} {
		var out, errOut bytes.Buffer
		if rc := run(args, &out, &errOut); rc != 2 || errOut.Len() == 0 || out.Len() != 0 {
			t.Errorf("%q: status %d, stderr %q, stdout %q; want 2, a message, nothing", args, rc, errOut.String(), out.String())
		}
	}
}
