//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// lowMemlock sets the soft RLIMIT_MEMLOCK to soft, forgets whether this
// process lifted the limit already, and restores both when the test ends.
// It returns the limit as it was.
func lowMemlock(t *testing.T, soft uint64) unix.Rlimit {
	t.Helper()
	requireRoot(t)
	var saved unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &saved); err != nil {
		t.Fatal(err)
	}
	// The hard limit stays: lowering it cannot be undone without
	// CAP_SYS_RESOURCE.
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: soft, Max: saved.Max}); err != nil {
		t.Fatal(err)
	}
	memlock.once = sync.Once{}
	memlock.err = nil
	t.Cleanup(func() {
		setrlimit = unix.Setrlimit
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &saved); err != nil {
			t.Errorf("restoring the memlock limit: %v", err)
		}
		// The process's limit is back as it was; the next creation decides
		// again.
		memlock.once = sync.Once{}
		memlock.err = nil
	})
	return saved
}

func memlockLimit(t *testing.T) unix.Rlimit {
	t.Helper()
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &cur); err != nil {
		t.Fatal(err)
	}
	return cur
}

// TestLoadWithZeroMemlock loads and runs a program with the memlock limit
// at zero. On 5.10 every map creation, program load and cilium/ebpf
// feature probe failed with EPERM ("MEMLOCK may be too low") because
// gobpftrace lifted the limit only after a failed map creation; now the
// limit is lifted before anything is created on kernels before 5.11, and
// left alone on later kernels, which ignore it.
func TestLoadWithZeroMemlock(t *testing.T) {
	// A program without maps: nothing but the program load and
	// BPF_PROG_RUN's feature probe to lift the limit (TestDetachMany's
	// failure on 5.10, where the maps fitted and the programs did not).
	lowMemlock(t, 0)
	bare := &codegen.Object{Programs: []*codegen.Program{
		beginProgram("begin", asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}),
	}}
	l := load(t, bare, nil)
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	checkMemlockAfterLoad(t)

	lowMemlock(t, 0)
	obj := &codegen.Object{
		Maps:     []*codegen.MapDef{stateDef(), counterDef("@n")},
		Programs: []*codegen.Program{beginProgram("begin", counterInsns("@n"))},
	}
	l = load(t, obj, nil)
	if err := l.RunOnce(l.Programs[0]); err != nil {
		t.Fatal(err)
	}
	if got := readCounter(t, l, "@n"); got != 1 {
		t.Fatalf("counter = %d after one run", got)
	}
	checkMemlockAfterLoad(t)
}

// checkMemlockAfterLoad checks that the limit was lifted before 5.11 and
// left at zero from 5.11 on.
func checkMemlockAfterLoad(t *testing.T) {
	t.Helper()
	cur := memlockLimit(t)
	if releaseAtLeast(kernelRelease(), 5, 11) {
		if cur.Cur != 0 {
			t.Errorf("Linux %s: memlock limit = %+v after Load, want it untouched (0)", kernelRelease(), cur)
		}
	} else if cur.Cur != cur.Max {
		t.Errorf("Linux %s: memlock limit = %+v after Load, want it lifted", kernelRelease(), cur)
	}
}

// TestLiftMemlockByRelease checks the decision: lifted for releases before
// 5.11 (and unparsable ones), untouched from 5.11 on. Lifted means
// unlimited with CAP_SYS_RESOURCE (a guest's root), else the soft limit
// raised to the hard one, with an error kept for EPERMs to explain.
func TestLiftMemlockByRelease(t *testing.T) {
	for _, tc := range []struct {
		release string
		lift    bool
	}{
		{"5.10.0-30-cloud-amd64", true},
		{"4.19.0", true},
		{"", true},
		{"5.11.0", false},
		{"6.18.0-1-amd64", false},
	} {
		lowMemlock(t, 64<<10)
		calls := 0
		setrlimit = func(res int, lim *unix.Rlimit) error {
			calls++
			return unix.Setrlimit(res, lim)
		}
		err := liftMemlockFor(tc.release)
		cur := memlockLimit(t)
		if (err == nil) != (cur.Cur == unix.RLIM_INFINITY || !tc.lift) {
			t.Errorf("release %q: error %v with the limit at %+v", tc.release, err, cur)
		}
		if tc.lift && cur.Cur != cur.Max || !tc.lift && (calls != 0 || cur.Cur != 64<<10) {
			t.Errorf("release %q: limit %+v after %d setrlimit calls, want lifted=%v", tc.release, cur, calls, tc.lift)
		}
	}
}

// TestMemlockErrorNamesTheLimit checks that when the limit cannot be
// lifted (no CAP_SYS_RESOURCE, a low hard limit) an EPERM of a creation
// says why, naming the kernel and the limit, and that other errors are
// left alone.
func TestMemlockErrorNamesTheLimit(t *testing.T) {
	lowMemlock(t, 64<<10)
	setrlimit = func(int, *unix.Rlimit) error { return unix.EPERM }
	lerr := liftMemlockFor("5.10.0-30-cloud-amd64")
	if lerr == nil {
		t.Fatal("no error when the limit cannot be raised")
	}
	for _, want := range []string{"Linux 5.10.0-30-cloud-amd64 (before 5.11)", "RLIMIT_MEMLOCK", "64 KiB"} {
		if !strings.Contains(lerr.Error(), want) {
			t.Errorf("error %q does not contain %q", lerr, want)
		}
	}
	memlock.once.Do(func() {})
	memlock.err = lerr
	perm := fmt.Errorf("map create: %w", unix.EPERM)
	if err := memlockError(perm); !errors.Is(err, unix.EPERM) || !strings.Contains(err.Error(), "RLIMIT_MEMLOCK") {
		t.Errorf("memlockError(EPERM) = %v, want the EPERM with the reason", err)
	}
	inval := fmt.Errorf("map create: %w", unix.EINVAL)
	if err := memlockError(inval); err != inval {
		t.Errorf("memlockError(EINVAL) = %v, want it unchanged", err)
	}
}

// TestProbesWithZeroMemlock runs the feature probes that may come before
// any Load with the memlock limit at zero: on kernels before 5.11 each must
// lift the limit itself, or its probe fails with EPERM and the facility
// counts as absent. (cilium/ebpf caches a probe's answer per process, so
// this checks something only where the probe has not run yet: run it
// alone in a guest.)
func TestProbesWithZeroMemlock(t *testing.T) {
	lowMemlock(t, 0)
	release := kernelRelease()
	if got, want := haveRingBuf(), releaseAtLeast(release, 5, 8); got != want {
		t.Errorf("Linux %s: ring buffer %v, want %v", release, got, want)
	}
	if got, want := HavePercpuLookup(), releaseAtLeast(release, 5, 19); got != want {
		t.Errorf("Linux %s: bpf_map_lookup_percpu_elem %v, want %v", release, got, want)
	}
}
