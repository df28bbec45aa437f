package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Guest consoles of a matrix run mark each group's output:
//
//	<<group NAME>>
//	… the test binary's -test.v output …
//	<<group-end NAME rc=N seconds=S>>
var (
	groupStart = regexp.MustCompile(`^<<group (\S+)>>$`)
	groupEnd   = regexp.MustCompile(`^<<group-end (\S+) rc=(\d+) seconds=(\d+)>>$`)
	testResult = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+)`)
	testRun    = regexp.MustCompile(`^=== RUN\s+(\S+)`)
	kernelDied = regexp.MustCompile(`(Kernel panic - not syncing: .*|BUG: soft lockup .*|watchdog: BUG: .*)$`)
)

// groupResult counts one group's top-level test results in one guest.
type groupResult struct {
	Group   string
	Pass    int
	Fail    int
	Skip    int
	RC      int      // the test binary's exit status; -1: it never finished
	Seconds int      // its run time in the guest
	Failed  []string // names of failed tests (or why the group failed)
}

// ok reports whether the group passed.
func (g groupResult) ok() bool { return g.Fail == 0 && g.RC == 0 && len(g.Failed) == 0 }

// cell is the group's entry in the table.
func (g groupResult) cell() string {
	s := fmt.Sprintf("%d pass", g.Pass)
	if g.Fail > 0 || !g.ok() {
		s += fmt.Sprintf(" %d FAIL", max(g.Fail, 1))
	}
	if g.Skip > 0 {
		s += fmt.Sprintf(" %d skip", g.Skip)
	}
	return s
}

// parseGroups reads the results of groups (in order) from a guest's
// console. A group whose end marker is missing (the guest died or timed
// out) or whose binary failed without a failed test (a panic, a build
// error) counts as failed. An unfinished group names the tests that had
// started without a result and the kernel's first report of its death
// (a panic, a soft lockup), so that a hung guest says what hung it.
func parseGroups(console string, groups []string) []groupResult {
	byName := map[string]*groupResult{}
	out := make([]groupResult, len(groups))
	for i, g := range groups {
		out[i] = groupResult{Group: g, RC: -1}
		byName[g] = &out[i]
	}
	var cur *groupResult
	var running []string // tests of cur started and not yet ended
	died := ""
	for _, l := range strings.Split(console, "\n") {
		l = strings.TrimRight(l, "\r")
		if m := kernelDied.FindStringSubmatch(l); m != nil && died == "" {
			died = m[1]
		}
		if m := groupStart.FindStringSubmatch(l); m != nil {
			cur, running = byName[m[1]], nil
			continue
		}
		if m := groupEnd.FindStringSubmatch(l); m != nil {
			if g := byName[m[1]]; g != nil {
				g.RC, _ = strconv.Atoi(m[2])
				g.Seconds, _ = strconv.Atoi(m[3])
			}
			cur = nil
			continue
		}
		if cur == nil {
			continue
		}
		if m := testRun.FindStringSubmatch(l); m != nil {
			running = append(running, m[1])
			continue
		}
		if m := testResult.FindStringSubmatch(l); m != nil {
			running = slices.DeleteFunc(running, func(n string) bool { return n == m[2] })
			if strings.Contains(m[2], "/") {
				continue // subtests: only top-level results are counted
			}
			switch m[1] {
			case "PASS":
				cur.Pass++
			case "SKIP":
				cur.Skip++
			case "FAIL":
				cur.Fail++
				cur.Failed = append(cur.Failed, m[2])
			}
		}
	}
	for i := range out {
		g := &out[i]
		switch {
		case g.RC == -1:
			why := "(did not finish: guest crashed or timed out"
			if g == cur && len(running) > 0 {
				why += "; running " + strings.Join(running, ", ")
			}
			if died != "" {
				why += "; kernel: " + died
			}
			g.Failed = append(g.Failed, why+")")
		case g.RC != 0 && g.Fail == 0:
			g.Failed = append(g.Failed, fmt.Sprintf("(test binary exited with status %d)", g.RC))
		}
	}
	return out
}

// table formats the results: one row per kernel, one column per group.
func table(kernels []string, groups []string, results map[string][]groupResult) string {
	rows := [][]string{append([]string{"kernel"}, groups...)}
	for _, k := range kernels {
		row := []string{k}
		for _, g := range results[k] {
			row = append(row, g.cell())
		}
		rows = append(rows, row)
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	var b strings.Builder
	for ri, r := range rows {
		b.WriteString("|")
		for i, c := range r {
			fmt.Fprintf(&b, " %-*s |", width[i], c)
		}
		b.WriteString("\n")
		if ri == 0 {
			b.WriteString("|")
			for i := range r {
				b.WriteString(strings.Repeat("-", width[i]+2) + "|")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
