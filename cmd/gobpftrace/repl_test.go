package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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
	head, got, _ := r.complete("print(jif", 9)
	if head != "print(" || !reflect.DeepEqual(got, []string{"jiffies"}) {
		t.Errorf("print(jif → %q %q", head, got)
	}
	// nsecs is both a builtin and a function (nsecs(monotonic)).
	if _, got, _ = r.complete("print(nse", 9); !reflect.DeepEqual(got, []string{"nsecs", "nsecs("}) {
		t.Errorf("print(nse → %q", got)
	}
	_, got, _ = r.complete("printf(\"%d\", str", 16)
	if !reflect.DeepEqual(got, []string{"str(", "str_concat(", "strcap(", "strcontains(", "strerror(", "strftime(", "strncmp(", "strstr("}) {
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
	r.out = newLineWriter(&b)
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
// session, with one-shot statements, BEGIN-only units that call exit()
// and units the kernel refuses in between: every cycle gives back its
// goroutines, files and BPF objects, and a unit's exit() never detaches
// another unit.
func TestREPLDetachReleases(t *testing.T) {
	needRoot(t)
	var out, errw syncBuffer
	r, err := newREPL(newSession(&options{}, nil, nil), &out, &errw)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b strings.Builder
	b.WriteString("interval:s:100 {")
	for i := range 70 {
		fmt.Fprintf(&b, " @x%d = 1;", i)
	}
	b.WriteString(" }")
	tooManyMaps := b.String()
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
		case 9:
			// Refused by the kernel once the maps are made.
			r.Exec(tooManyMaps)
		}
		r.reap()
	}
	if n := strings.Count(errw.String(), "] detached\n"); n != cycles+1 || strings.Contains(errw.String(), "exited") {
		t.Errorf("%d probes detached by :detach, want %d, and no others:\n%s", n, cycles+1, errw.String())
	}
	if n := strings.Count(errw.String(), "ERROR"); n != cycles/10 || strings.Count(errw.String(), "ERROR: too many maps") != n {
		t.Errorf("%d errors, want %d for too many maps:\n%s", n, cycles/10, errw.String())
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

// TestHistoryFile: the history file is written 0600 and read back; a
// symbolic link or a FIFO in its place is refused without reading,
// truncating or chmodding what it points to; a huge file is read from
// its last complete lines only.
func TestHistoryFile(t *testing.T) {
	dir := t.TempDir()
	readAll := func(path string) (string, error) {
		var got string
		err := readHistory(path, func(rd io.Reader) error {
			b, err := io.ReadAll(rd)
			got = string(b)
			return err
		})
		return got, err
	}
	writeText := func(text string) func(io.Writer) {
		return func(w io.Writer) { io.WriteString(w, text) }
	}

	hist := filepath.Join(dir, "state", "history")
	if got, err := readAll(hist); err != nil || got != "" {
		t.Errorf("reading a missing history: %q, %v", got, err)
	}
	if err := writeHistory(hist, writeText("one\ntwo\n")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(hist, 0o644)
	if err := writeHistory(hist, writeText("three\n")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(hist); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("history file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if got, err := readAll(hist); err != nil || got != "three\n" {
		t.Errorf("history read back as %q, %v", got, err)
	}

	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := writeHistory(link, writeText("overwritten\n")); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("writing through a symbolic link: %v, want it refused", err)
	}
	if got, err := readAll(link); err == nil || got != "" {
		t.Errorf("reading through a symbolic link: %q, %v, want it refused", got, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "secret\n" {
		t.Errorf("the link's target now holds %q", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target now has mode %v", fi.Mode().Perm())
	}

	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("reading a FIFO: %v, want it refused", err)
	}
	if err := writeHistory(fifo, writeText("x\n")); err == nil {
		t.Errorf("writing a FIFO: no error")
	}

	var big strings.Builder
	for i := 0; big.Len() <= maxHistoryRead+100; i++ {
		fmt.Fprintf(&big, "entry %d\n", i)
	}
	if err := writeHistory(hist, writeText(big.String())); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(hist)
	if err != nil || len(got) > maxHistoryRead || !strings.HasPrefix(got, "entry ") || !strings.HasSuffix(big.String(), got) {
		t.Errorf("a %d-byte history read as %d bytes starting %.20q, %v", big.Len(), len(got), got, err)
	}
}

// TestReadLines: piped input is split into numbered lines (LF or CRLF,
// a last line without a newline); a line over maxInputLine is reported as
// too long and reading goes on after it.
func TestReadLines(t *testing.T) {
	long := strings.Repeat("x", maxInputLine+1)
	fits := strings.Repeat("y", maxInputLine)
	in := "one\r\n\n" + long + "\n" + fits + "\nlast"
	lines := make(chan inputLine)
	go readLines(strings.NewReader(in), lines, make(chan struct{}))
	var got []inputLine
	for l := range lines {
		got = append(got, l)
	}
	want := []inputLine{{text: "one", n: 1}, {text: "", n: 2}, {n: 3, tooLong: true}, {text: fits, n: 4}, {text: "last", n: 5}}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %.20q n=%d tooLong=%v err=%v, want %.20q n=%d tooLong=%v", i+1,
				got[i].text, got[i].n, got[i].tooLong, got[i].err, want[i].text, want[i].n, want[i].tooLong)
		}
	}

	// A consumer that stops early stops the reader.
	done := make(chan struct{})
	lines = make(chan inputLine)
	ended := make(chan struct{})
	go func() {
		readLines(strings.NewReader("a\nb\nc\n"), lines, done)
		close(ended)
	}()
	<-lines
	close(done)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the reader did not stop when its consumer did")
	}
}

// TestLineAssembler: lines join into inputs while braces are open; an
// over-long line is refused with its line number and the input it
// continues; an input over maxInput is refused and skipped to its end;
// the inputs after either run.
func TestLineAssembler(t *testing.T) {
	chunk := "// " + strings.Repeat("c", maxInputLine-3)
	var in []inputLine
	add := func(text string) { in = append(in, inputLine{text: text, n: len(in) + 1}) }
	add(`BEGIN {`)
	add(`  @a = 1;`)
	in = append(in, inputLine{n: 3, tooLong: true})
	add(`1 + 2`)
	add(`BEGIN { printf("{");`)
	for i := 0; i < 5; i++ {
		add(chunk)
	}
	add(`}`)
	add(`2 + 3`)
	var a lineAssembler
	var inputs, errs []string
	for _, l := range in {
		text, err := a.add(l)
		if err != nil {
			errs = append(errs, err.Error())
		}
		if text != "" {
			inputs = append(inputs, text)
		}
	}
	wantErrs := []string{
		"stdin:3: line longer than 1 MiB, skipped with the input it continues (from line 1)",
		"stdin:9: input from line 5 longer than 4 MiB, skipped to its end",
	}
	if !reflect.DeepEqual(errs, wantErrs) {
		t.Errorf("errors %q, want %q", errs, wantErrs)
	}
	if want := []string{"1 + 2\n", "2 + 3\n"}; !reflect.DeepEqual(inputs, want) {
		t.Errorf("inputs %.40q, want %q", inputs, want)
	}
	if rest := a.rest(); rest != "" {
		t.Errorf("left over: %q", rest)
	}
}
