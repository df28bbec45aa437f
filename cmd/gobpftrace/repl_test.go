package main

import (
	"reflect"
	"strings"
	"testing"
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
