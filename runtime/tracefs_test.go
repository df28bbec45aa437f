//go:build linux

package runtime

import (
	"errors"
	"os"
	goruntime "runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTracefs checks that tracefs is available after Tracefs, mounted by
// us if it was not (that mount is left in place, as the tool leaves it).
func TestTracefs(t *testing.T) {
	requireRoot(t)
	dir, err := Tracefs()
	if err != nil {
		t.Fatal(err)
	}
	if !isTracefs(dir) {
		t.Fatalf("%s is not a tracefs mount", dir)
	}
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mounts), " "+dir+" tracefs ") {
		t.Errorf("no tracefs at %s in /proc/self/mounts", dir)
	}
	if _, err := os.Stat(dir + "/events/syscalls/sys_enter_getpid/id"); err != nil {
		t.Error(err)
	}
}

// TestTracefsMountsWhenAbsent runs ensureTracefs in a private mount
// namespace where tracefs has been unmounted, so the mount path is tested
// without touching the machine's mounts.
func TestTracefsMountsWhenAbsent(t *testing.T) {
	requireRoot(t)
	done := make(chan error)
	go func() {
		// The namespace belongs to this thread only; never unlocking it makes
		// the runtime discard the thread when the goroutine ends.
		goruntime.LockOSThread()
		done <- func() error {
			if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
				return err
			}
			if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
				return err
			}
			unix.Unmount("/sys/kernel/debug", unix.MNT_DETACH)
			for i := 0; i < 10 && isTracefs(TracefsMountPoint); i++ {
				if err := unix.Unmount(TracefsMountPoint, unix.MNT_DETACH); err != nil {
					return err
				}
			}
			if findTracefs() != "" {
				return errors.New("could not get rid of tracefs in the new namespace")
			}
			dir, err := ensureTracefs()
			if err != nil {
				return err
			}
			if dir != TracefsMountPoint || !isTracefs(dir) {
				return errors.New("ensureTracefs did not mount tracefs at " + TracefsMountPoint)
			}
			return nil
		}()
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTracefsNotRootMessage(t *testing.T) {
	if findTracefs() != "" {
		// Only the not-found branch is of interest; fake a missing tracefs.
		saved := tracefsCandidates
		tracefsCandidates = []string{t.TempDir()}
		t.Cleanup(func() { tracefsCandidates = saved })
	}
	saved := geteuid
	geteuid = func() int { return 1000 }
	t.Cleanup(func() { geteuid = saved })
	_, err := ensureTracefs()
	if !errors.Is(err, ErrTracefsUnavailable) || !strings.Contains(err.Error(), "mount -t tracefs tracefs /sys/kernel/tracing") {
		t.Fatalf("err = %v", err)
	}
}
