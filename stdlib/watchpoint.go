package stdlib

import (
	goruntime "runtime"
	"slices"
)

// watchpointModes are, per architecture, the access modes its debug
// registers can watch (a watchpoint's MODE, letters sorted; the lists
// sorted too): x86 cannot
// trap reads alone (Intel SDM vol. 3, 17.2.4), arm64 can.
var watchpointModes = map[string][]string{
	"amd64": {"rw", "w", "x"},
	"386":   {"rw", "w", "x"},
	"arm64": {"r", "rw", "w", "x"},
	"arm":   {"r", "rw", "w", "x"},
}

// WatchpointModes returns the watchpoint modes of the architecture
// gobpftrace was built for, sorted; empty where it has none.
func WatchpointModes() []string { return slices.Clone(watchpointModes[goruntime.GOARCH]) }

// WatchpointLengths are the watchable lengths in bytes.
var WatchpointLengths = []uint64{1, 2, 4, 8}
