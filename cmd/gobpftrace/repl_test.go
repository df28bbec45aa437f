package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

func TestInputComplete(t *testing.T) {
	for text, want := range map[string]bool{
		`print(@m)`:                          true,
		`tracepoint:a:b {`:                   false,
		"tracepoint:a:b {\n @x = 1;\n}":      true,
		`printf("{ not a brace")`:            true,
		`printf("unterminated`:               false,
		`printf("esc \" {")`:                 true,
		"BEGIN { // a } in a comment\n":      false,
		"BEGIN { /* } */":                    false,
		"BEGIN { /* } */ }":                  true,
		`print(1 +`:                          false,
		`:save a{b`:                          true,
		"i:s:1 { if (1) { @a = 1; } }":       true,
		"i:s:1 { if (1) { @a = 1; }":         false,
		`interval:ms:100 { printf("}\n"); }`: true,
	} {
		if got := inputComplete(text); got != want {
			t.Errorf("inputComplete(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestLooksLikeProbe(t *testing.T) {
	for text, want := range map[string]bool{
		`tracepoint:a:b { }`: true,
		`BEGIN { }`:          true,
		`i:s:1{}`:            true,
		`print(@m)`:          false,
		`@a = 1`:             false,
		`$x ? 1 : 2`:         false,
	} {
		if got := looksLikeProbe(text); got != want {
			t.Errorf("looksLikeProbe(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestFieldChain(t *testing.T) {
	for _, c := range []struct {
		head, base string
		fields     []string
	}{
		{`print(curtask->`, "curtask", nil},
		{`$x = curtask->mm->`, "curtask", []string{"mm"}},
		{`curtask->real_parent->mm.`, "curtask", []string{"real_parent", "mm"}},
		{`t:a:b { print(args.`, "args", nil},
		{`$s = ((struct sock *)arg0)->`, "struct sock", nil},
		{`print(1 + `, "", nil},
	} {
		fields, base := fieldChain(c.head)
		if base != c.base || !reflect.DeepEqual(fields, c.fields) {
			t.Errorf("fieldChain(%q) = %q %q, want %q %q", c.head, base, fields, c.base, c.fields)
		}
	}
}

func TestWordStart(t *testing.T) {
	for _, c := range []struct{ s, word string }{
		{`tracepoint:sched:sched_sw`, `tracepoint:sched:sched_sw`},
		{`uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:mal`, `uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:mal`},
		{`print(curtask->co`, `co`},
		{`print(args.fil`, `fil`},
		{`@calls[co`, `co`},
		{`print(@ca`, `@ca`},
		{`x = 1 - pi`, `pi`},
	} {
		if got := c.s[wordStart(c.s):]; got != c.word {
			t.Errorf("word of %q = %q, want %q", c.s, got, c.word)
		}
	}
}

// TestCompleteCommandsAndNames completes what needs no kernel: commands,
// their arguments, builtins and functions.
func TestCompleteCommandsAndNames(t *testing.T) {
	r := &repl{}
	_, got, _ := r.complete(":de", 3)
	if !reflect.DeepEqual(got, []string{":detach "}) {
		t.Errorf(":de → %q", got)
	}
	head, got, _ := r.complete("print(nse", 9)
	if head != "print(" || !reflect.DeepEqual(got, []string{"nsecs"}) {
		t.Errorf("print(nse → %q %q", head, got)
	}
	_, got, _ = r.complete("printf(\"%d\", str", 16)
	if !reflect.DeepEqual(got, []string{"str(", "strcontains(", "strerror(", "strftime(", "strncmp("}) {
		t.Errorf("str → %q", got)
	}
	_, got, _ = r.complete("kpr", 3)
	if len(got) == 0 || got[0] != "kprobe:" {
		t.Errorf("kpr → %q", got)
	}
	for _, c := range replCommands {
		if lookupCommand(c.name) != c || (c.abbrev != "" && lookupCommand(c.abbrev) != c) {
			t.Errorf("command %s not found by its name or abbreviation", c.name)
		}
		if c.help == "" || c.run == nil {
			t.Errorf("command %s lacks help or a run function", c.name)
		}
	}
	var b strings.Builder
	r.out = &lineWriter{w: &b}
	r.cmdHelp("")
	for _, c := range replCommands {
		if !strings.Contains(b.String(), ":"+c.name) {
			t.Errorf(":help does not list :%s", c.name)
		}
	}
}

// TestCompleteFromKernel completes from the live kernel: tracepoint
// categories and names, struct fields from BTF after ->, and a
// tracepoint's args after args.
func TestCompleteFromKernel(t *testing.T) {
	needRoot(t)
	r := &repl{s: newSession(&options{}, nil, nil)}
	for _, c := range []struct {
		line string
		want string // one of the completions
	}{
		{"tracepoint:sch", "tracepoint:sched:"},
		{"tracepoint:sched:sched_sw", "tracepoint:sched:sched_switch"},
		{"t:syscalls:sys_enter_getp", "t:syscalls:sys_enter_getpid"},
		{"BEGIN { print(curtask->com", "comm"},
		{"BEGIN { print(curtask->real_parent->pi", "pid"},
		{"tracepoint:syscalls:sys_enter_openat { print(args.filen", "filename"},
		{"tracepoint:syscalls:sys_enter_openat { print(args->fl", "flags"},
	} {
		_, got, _ := r.complete(c.line, len(c.line))
		found := false
		for _, g := range got {
			found = found || g == c.want
		}
		if !found {
			t.Errorf("%q completes to %q, want %q among them", c.line, got, c.want)
		}
	}
}

// bpfObjects counts this process's open files and, among them, BPF
// programs and maps (from /proc/self/fdinfo).
func bpfObjects(t *testing.T) (fds, progs, maps int) {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fdinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc/self/fdinfo", e.Name()))
		if err != nil {
			continue
		}
		fds++
		s := string(b)
		if strings.Contains(s, "\nprog_id:") {
			progs++
		}
		if strings.Contains(s, "\nmap_id:") {
			maps++
		}
	}
	return fds, progs, maps
}

// settledGoroutines is the number of goroutines once those that are
// ending have ended.
func settledGoroutines(limit int) int {
	n := goruntime.NumGoroutine()
	for i := 0; i < 100 && n > limit; i++ {
		time.Sleep(10 * time.Millisecond)
		n = goruntime.NumGoroutine()
	}
	return n
}

// TestREPLDetachReleases attaches and detaches a probe many times in one
// session, with one-shot statements and BEGIN-only units that call exit()
// in between: every cycle gives back its goroutines, files and BPF
// objects, and a unit's exit() never detaches another unit.
func TestREPLDetachReleases(t *testing.T) {
	needRoot(t)
	var out, errw syncBuffer
	r, err := newREPL(newSession(&options{}, nil, nil), &out, &errw)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cycle := func() {
		r.Exec(`interval:s:100 { @n = count(); }`)
		r.Exec(fmt.Sprintf(":detach %d", r.nextID-1))
	}
	// One cycle first, so lazily created state (the host, caches) exists.
	cycle()
	r.Exec(`@m = 1`)
	g0 := settledGoroutines(0)
	fds0, progs0, maps0 := bpfObjects(t)
	const cycles = 100
	for i := 1; i <= cycles; i++ {
		cycle()
		switch i % 10 {
		case 3:
			r.Exec(`BEGIN { exit(); }`)
		case 7:
			r.Exec(`@m = @m + 1`)
		}
		r.reap()
	}
	if n := strings.Count(errw.String(), "] detached\n"); n != cycles+1 || strings.Contains(errw.String(), "exited") || strings.Contains(errw.String(), "ERROR") {
		t.Errorf("%d probes detached by :detach, want %d, and no others:\n%s", n, cycles+1, errw.String())
	}
	if us := r.sortedUnits(); len(us) != 0 {
		t.Errorf("%d units still attached", len(us))
	}
	g := settledGoroutines(g0)
	fds, progs, maps := bpfObjects(t)
	t.Logf("after %d cycles: goroutines %d → %d, fds %d → %d, programs %d → %d, maps %d → %d", cycles, g0, g, fds0, fds, progs0, progs, maps0, maps)
	if g > g0+2 {
		t.Errorf("goroutines grew from %d to %d over %d attach/detach cycles", g0, g, cycles)
	}
	if fds > fds0 || progs > progs0 || maps > maps0 {
		t.Errorf("open files grew over %d cycles: fds %d → %d, programs %d → %d, maps %d → %d", cycles, fds0, fds, progs0, progs, maps0, maps)
	}
}
