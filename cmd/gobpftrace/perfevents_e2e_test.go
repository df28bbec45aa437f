package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestSoftwareAndHardwareProbes: a software event samples a -c command's
// page faults (every fault with count 1), -l lists the events with their
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
