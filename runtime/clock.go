//go:build linux

package runtime

import (
	"time"

	"golang.org/x/sys/unix"
)

// BootToWallOffset returns wall-clock nanoseconds minus boot-clock
// (CLOCK_BOOTTIME) nanoseconds: added to a BPF timestamp (nsecs) it gives
// the wall-clock time of the event, for strftime().
func BootToWallOffset() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Now().UnixNano()
	}
	return time.Now().UnixNano() - ts.Nano()
}
