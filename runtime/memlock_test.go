//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// chargeMemlock makes map creation behave as on a kernel before 5.11: it
// fails with EPERM unless the soft RLIMIT_MEMLOCK is as high as the hard
// limit (the most a process without CAP_SYS_RESOURCE can get). It sets
// the soft limit to soft (0: leave it) and restores the real creation and
// the process's limit when the test ends.
func chargeMemlock(t *testing.T, soft uint64) *int {
	t.Helper()
	requireRoot(t)
	var saved unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &saved); err != nil {
		t.Fatal(err)
	}
	if soft != 0 {
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: soft, Max: saved.Max}); err != nil {
			t.Fatal(err)
		}
	}
	calls := new(int)
	newMap = func(spec *ebpf.MapSpec) (*ebpf.Map, error) {
		*calls++
		var cur unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &cur); err != nil {
			return nil, err
		}
		if cur.Cur < saved.Max {
			return nil, fmt.Errorf("map create: %w (MEMLOCK may be too low, consider rlimit.RemoveMemlock)", unix.EPERM)
		}
		return ebpf.NewMap(spec)
	}
	t.Cleanup(func() {
		newMap = ebpf.NewMap
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &saved); err != nil {
			t.Errorf("restoring the memlock limit: %v", err)
		}
	})
	return calls
}

// TestLoadLiftsMemlock simulates a 5.10 kernel, where every script failed
// with "creating map ringbuf: operation not permitted (MEMLOCK may be too
// low …)": Load lifts the limit once and the maps are created.
func TestLoadLiftsMemlock(t *testing.T) {
	calls := chargeMemlock(t, 64<<10)
	obj := &codegen.Object{Maps: []*codegen.MapDef{stateDef(), counterDef("@n")}}
	load(t, obj, nil)
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Cur != cur.Max {
		t.Errorf("memlock limit after Load = %+v, want the soft limit raised to the hard one", cur)
	}
	// One failed attempt, then one creation per map.
	if *calls != 3 {
		t.Errorf("map creations attempted: %d, want 3", *calls)
	}
}

// TestLoadMemlockNotTheCause checks that an EPERM the limit does not
// explain (the soft limit cannot go higher) is reported as it is, after a
// single attempt.
func TestLoadMemlockNotTheCause(t *testing.T) {
	calls := chargeMemlock(t, 0)
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur != lim.Max {
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: lim.Max, Max: lim.Max}); err != nil {
			t.Fatal(err)
		}
	}
	newMap = func(*ebpf.MapSpec) (*ebpf.Map, error) {
		*calls++
		return nil, fmt.Errorf("map create: %w", unix.EPERM)
	}
	_, err := Load(&codegen.Object{Maps: []*codegen.MapDef{stateDef()}}, nil)
	if !errors.Is(err, unix.EPERM) || !strings.HasPrefix(err.Error(), "creating map ") {
		t.Fatalf("Load error = %v, want the EPERM of the map creation", err)
	}
	if *calls != 1 {
		t.Errorf("map creations attempted: %d, want 1", *calls)
	}
}
