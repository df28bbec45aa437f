package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseGroups(t *testing.T) {
	console := "SeaBIOS\r\n<<gobpftrace-guest-start>>\r\n" +
		"<<group runtime>>\n" +
		"=== RUN   TestA\n--- PASS: TestA (0.01s)\n" +
		"--- SKIP: TestB (0.00s)\n    b_test.go:3: no kprobes\n" +
		"--- FAIL: TestC (0.20s)\n    --- FAIL: TestC/sub (0.10s)\n    --- PASS: TestC/other (0.10s)\n" +
		"FAIL\n<<group-end runtime rc=1 seconds=42>>\n" +
		"--- FAIL: TestOutside (0.00s)\n" + // between groups: not counted
		"<<group codegen>>\r\n--- PASS: TestX (0.00s)\r\n--- PASS: TestY (0.00s)\r\nPASS\r\n<<group-end codegen rc=0 seconds=7>>\r\n" +
		"<<group panics>>\npanic: boom\n<<group-end panics rc=2 seconds=1>>\n" +
		"<<group e2e>>\n=== RUN   TestZ\n--- PASS: TestZ (1.00s)\n" +
		"=== RUN   TestHang\n=== PAUSE TestHang\n=== RUN   TestW\n=== RUN   TestW/sub\n    --- PASS: TestW/sub (0.1s)\n" +
		"=== CONT  TestHang\n[  212.4] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [gobpftrace:771]\n" +
		"[  213.0] Kernel panic - not syncing: softlockup: hung tasks\n" // the guest died here
	got := parseGroups(console, []string{"runtime", "codegen", "panics", "e2e"})
	want := []groupResult{
		{Group: "runtime", Pass: 1, Fail: 1, Skip: 1, RC: 1, Seconds: 42, Failed: []string{"TestC"}},
		{Group: "codegen", Pass: 2, RC: 0, Seconds: 7},
		{Group: "panics", RC: 2, Seconds: 1, Failed: []string{"(test binary exited with status 2)"}},
		{Group: "e2e", Pass: 1, RC: -1, Failed: []string{"(did not finish: guest crashed or timed out; running TestHang, TestW; kernel: watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [gobpftrace:771])"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseGroups =\n%+v\nwant\n%+v", got, want)
	}
	oks := []bool{false, true, false, false}
	for i, g := range got {
		if g.ok() != oks[i] {
			t.Errorf("%s: ok = %v", g.Group, g.ok())
		}
	}
	tab := table([]string{"6.1"}, []string{"runtime", "codegen", "panics", "e2e"}, map[string][]groupResult{"6.1": got})
	lines := strings.Split(strings.TrimSpace(tab), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "| 1 pass 1 FAIL 1 skip |") || !strings.Contains(lines[2], "| 2 pass ") || strings.Count(lines[2], "0 pass 1 FAIL") != 1 || !strings.Contains(lines[2], "| 1 pass 1 FAIL ") {
		t.Errorf("table:\n%s", tab)
	}
	for _, l := range lines {
		if len(l) != len(lines[0]) {
			t.Errorf("columns not aligned:\n%s", tab)
		}
	}
}

func TestGuestExit(t *testing.T) {
	for console, want := range map[string]int{
		"<<gobpftrace-guest-start>>\nhi\n\n<<gobpftrace-guest-exit 0>>\r\n[ 1.8] reboot: Power down\n": 0,
		"x\n<<gobpftrace-guest-exit 3>>\n": 3,
	} {
		if code, ok := guestExit(console); !ok || code != want {
			t.Errorf("guestExit(%q) = %d, %v; want %d", console, code, ok, want)
		}
	}
	for _, console := range []string{"Kernel panic - not syncing\n", "echo <<gobpftrace-guest-exit 0>> in the middle\n"} {
		if _, ok := guestExit(console); ok {
			t.Errorf("guestExit(%q) found a status", console)
		}
	}
}
