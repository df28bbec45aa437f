package main

import (
	"errors"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want options
	}{
		{[]string{"-e", "BEGIN {}", "1", "two"}, options{program: "BEGIN {}", params: []string{"1", "two"}}},
		{[]string{"-qeBEGIN{}"}, options{program: "BEGIN{}", quiet: true}},
		{[]string{"script.bt", "-q", "a", "--", "-b"}, options{file: "script.bt", params: []string{"a", "-b"}, quiet: true}},
		{[]string{"-"}, options{file: "-"}},
		{[]string{"s.bt", "p1", "--", "--aa=1", "p2", "--bb"}, options{file: "s.bt", params: []string{"p1", "p2"}, named: []string{"aa=1", "bb"}}},
		{[]string{"--verbose", "--quiet", "--debug", "ast,types", "--debug=asm", "-e", "x"},
			options{program: "x", verbose: true, quiet: true, debug: []string{"ast", "types", "asm"}}},
		{[]string{"--list", "tracepoint:*"}, options{list: true, listPattern: "tracepoint:*"}},
		{[]string{"-v", "-l", "t:a:b"}, options{list: true, verbose: true, listVerbose: true, listPattern: "t:a:b"}},
		{[]string{"-lv"}, options{list: true, verbose: true, listVerbose: true}},
		{[]string{"-l", "-e", "BEGIN {}"}, options{list: true, program: "BEGIN {}"}},
		{[]string{"-B", "full", "-Bnone", "-e", "x"}, options{program: "x", buffering: "none"}},
		{[]string{"-I", "a", "-Ib", "--include", "x.h", "--include=y.h", "s.bt"},
			options{file: "s.bt", includeDirs: []string{"a", "b"}, includeFiles: []string{"x.h", "y.h"}}},
		{[]string{"--no-warnings", "--unsafe", "--dry-run", "-e", "x"}, options{program: "x", noWarnings: true, unsafe: true, dryRun: true}},
		{[]string{"--verify-only", "-e", "x"}, options{program: "x", verifyOnly: true}},
		{[]string{"--mode", "bench", "-e", "x"}, options{program: "x", mode: "bench"}},
		{[]string{"--test", "-e", "x"}, options{program: "x", mode: "test"}},
		{[]string{"--bench", "--mode=test", "-e", "x"}, options{program: "x", mode: "test"}},
		{[]string{"--pid=12", "--output", "o.txt", "--format=json", "-e", "x"}, options{program: "x", pid: 12, outFile: "o.txt", format: "json"}},
		{[]string{"--cmd", "ls -l", "-e", "x"}, options{program: "x", cmd: "ls -l"}},
		{[]string{"-i"}, options{interactive: true}},
		{[]string{"-h"}, options{help: true}},
		{[]string{"--version"}, options{version: true}},
	} {
		o, err := parseArgs(c.args)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if c.want.format == "" {
			c.want.format = "text"
		}
		if !reflect.DeepEqual(*o, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.args, *o, c.want)
		}
	}
}

func TestParseArgsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--bogus"}, "unknown option: --bogus"},
		{[]string{"-Z"}, "unknown option: -Z"},
		{[]string{"-e"}, "option -e requires an argument"},
		{[]string{"--pid"}, "option --pid requires an argument"},
		{[]string{"--quiet=yes"}, "option --quiet takes no value"},
		{[]string{"--warnings=yes"}, "option --warnings takes no value"},
		{[]string{"-B", "lines"}, `-B must be either 'line', 'full', or 'none', not "lines"`},
		{[]string{"-f", "yaml"}, `Invalid output format "yaml"`},
		{[]string{"-d", "ast,bogus"}, `invalid -d stage "bogus"`},
		{[]string{"-p", "12x"}, "Failed to parse pid: invalid trailing bytes: 12x"},
		{[]string{"-p", "0"}, "Pid out of range: 0"},
		{[]string{"-c", "true", "-p", "1", "-e", "x"}, "cannot use both -c and -p"},
		{[]string{"-i", "-e", "x"}, "the interactive shell (-i) cannot be combined with -e"},
		{[]string{"-i", "s.bt"}, "the interactive shell (-i) cannot be combined with a script file"},
		{[]string{"-i", "-c", "true"}, "the interactive shell (-i) cannot be combined with -c"},
		{[]string{"-i", "-p", "1"}, "the interactive shell (-i) cannot be combined with -p"},
		{[]string{"-i", "-o", "x"}, "the interactive shell (-i) cannot be combined with -o"},
		{[]string{"-i", "-f", "json"}, "the interactive shell (-i) cannot be combined with -f json"},
		{[]string{"--dry-run", "--verify-only", "-e", "x"}, "--dry-run and --verify-only exclude each other"},
		{[]string{"-l", "a", "b"}, "-l takes at most one pattern"},
		{[]string{"--mode", "fast"}, "USAGE: --mode can only be 'codegen', 'compiler-bench', 'bench', 'test' or 'format'."},
		{[]string{"--mode", "format"}, "--mode format is not supported (gobpftrace has the bench and test modes)"},
		{[]string{"--mode", "bench", "--test"}, "USAGE: --test conflicts with existing --mode"},
		{[]string{"--test", "--bench"}, "USAGE: --bench conflicts with existing --mode"},
		{[]string{"--probe-filter", "a("}, "Invalid --probe-filter regex 'a(': "},
	} {
		_, err := parseArgs(c.args)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want a usage error starting with %q", c.args, err, c.msg)
		}
	}
}

// optionNames returns the option spellings in text: "-x" and "--name".
func optionNames(text string) []string {
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?:^|[\s,(])(--?[A-Za-z][A-Za-z-]*)`).FindAllStringSubmatch(text, -1) {
		name := m[1]
		if !strings.HasPrefix(name, "--") && len(name) > 2 {
			continue // not an option name, e.g. "-linux-gnu"
		}
		seen[name] = true
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// specNames are the spellings parseArgs accepts.
func specNames() []string {
	var names []string
	for _, s := range optSpecs {
		if s.short != 0 {
			names = append(names, "-"+string(s.short))
		}
		if s.long != "" {
			names = append(names, "--"+s.long)
		}
	}
	sort.Strings(names)
	return names
}

// TestHelpAndManListEveryOption: --help and the man page's OPTIONS section
// name exactly the options parseArgs accepts, so they cannot drift.
func TestHelpAndManListEveryOption(t *testing.T) {
	want := specNames()

	// --help: the option lines of the OPTIONS section (indented 4 spaces).
	sect := usage[strings.Index(usage, "\nOPTIONS:\n"):strings.Index(usage, "\nENVIRONMENT:\n")]
	var lines []string
	for _, l := range strings.Split(sect, "\n") {
		if strings.HasPrefix(l, "    -") {
			lines = append(lines, strings.Fields(l)[0:min(2, len(strings.Fields(l)))]...)
		}
	}
	if got := optionNames(strings.Join(lines, " ")); !reflect.DeepEqual(got, want) {
		t.Errorf("--help lists %q\nparseArgs accepts %q", got, want)
	}
	for _, s := range optSpecs {
		if s.short != 0 {
			if _, err := parseArgs([]string{"-" + string(s.short)}); err != nil && strings.Contains(err.Error(), "unknown option") {
				t.Errorf("-%c: %v", s.short, err)
			}
		}
	}

	// The man page: the tag line after each .TP in OPTIONS.
	man, err := os.ReadFile("gobpftrace.8")
	if err != nil {
		t.Fatal(err)
	}
	text := string(man)
	sect = text[strings.Index(text, "\n.SH OPTIONS\n"):]
	sect = sect[:strings.Index(sect[1:], "\n.SH ")+1]
	var tags []string
	ls := strings.Split(sect, "\n")
	for i, l := range ls {
		if l == ".TP" && i+1 < len(ls) {
			tag := strings.ReplaceAll(ls[i+1], `\-`, "-")
			tag = regexp.MustCompile(`\\f[BIRP]|"`).ReplaceAllString(tag, " ")
			tag = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(tag, ".BR"), ".BI"), ".B")
			tags = append(tags, tag)
		}
	}
	if got := optionNames(strings.Join(tags, " ")); !reflect.DeepEqual(got, want) {
		t.Errorf("the man page lists %q\nparseArgs accepts %q", got, want)
	}
}

// TestReadScriptBounded: script files must be regular files within the
// size limit; stdin is cut off after the limit.
func TestReadScriptBounded(t *testing.T) {
	if _, _, err := readScript(&options{file: "/dev/zero"}, nil); err == nil || err.Error() != "failed to open file '/dev/zero': Not a regular file" {
		t.Errorf("/dev/zero: %v", err)
	}
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer zero.Close()
	if _, _, err := readScript(&options{file: "-"}, zero); err == nil || err.Error() != "failed to read the script from stdin: larger than the 4 MiB limit" {
		t.Errorf("stdin from /dev/zero: %v", err)
	}
	name, text, err := readScript(&options{file: "-"}, strings.NewReader("BEGIN {}"))
	if name != "stdin" || text != "BEGIN {}" || err != nil {
		t.Errorf("stdin: %q %q %v", name, text, err)
	}
}

// TestREPLLoadBounded: the shell's :load reads through the same bounded
// reader: a device is refused at once instead of being read forever.
func TestREPLLoadBounded(t *testing.T) {
	var errw strings.Builder
	r := &repl{s: newSession(&options{}, nil, nil), errw: &errw}
	done := make(chan struct{})
	go func() {
		r.cmdLoad("/dev/zero")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal(":load /dev/zero did not return within 5s")
	}
	if got := errw.String(); got != "ERROR: /dev/zero: not a regular file\n" {
		t.Errorf(":load /dev/zero printed %q", got)
	}
}
