//go:build linux

package runtime

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// WatchPid returns a channel that is closed when process pid exits (-p:
// tracing ends with the traced process). It uses a pidfd, so it neither
// polls nor needs to be the process's parent. It fails at once when the
// process does not exist.
func WatchPid(pid int) (<-chan struct{}, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("watching process %d: %w", pid, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != unix.EINTR {
				return
			}
		}
	}()
	return done, nil
}
