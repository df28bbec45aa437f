package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// version is printed by --version.
const version = "gobpftrace v0.1.0"

// Exit codes.
const (
	exitOK      = 0
	exitScript  = 1 // parse or semantic error
	exitUsage   = 2 // bad command line
	exitRuntime = 3 // load, attach or run-time failure
)

// options are the parsed command line.
type options struct {
	program     string // -e text
	file        string // script file ("-" for stdin)
	params      []string
	list        bool
	listVerbose bool
	listPattern string
	cmd         string // -c
	pid         int    // -p
	format      string // -f text|json
	outFile     string // -o
	quiet       bool
	verbose     bool
	debug       []string // -d stages
	dryRun      bool
	unsafe      bool
	help        bool
	version     bool
	interactive bool
	noWarnings  bool
}

const usage = `USAGE:
    gobpftrace [options] filename [args...]
    gobpftrace [options] -e 'program' [args...]

OPTIONS:
    -e 'program'   execute this program
    -l [pattern]   list probes (-lv adds argument types)
    -c 'CMD'       run CMD (stopped until probes are attached) and trace until it exits;
                   its pid is the cpid builtin
    -p PID         trace process PID (uprobes, usdt)
    -f FORMAT      output format: text (default) or json
    -o FILE        write tracing output to FILE
    -q             quiet: no "Attached N probes" line
    -v             verbose: program ids and verifier statistics
    -d STAGE       dump a compilation stage and exit: ast, types, asm (repeatable, or "all")
    --dry-run      compile and load through the verifier, but do not attach
    --unsafe       allow unsafe functions (system, signal …)
    -i, --interactive
                   start the interactive shell
    -h, --help     show this help
    -V, --version  print the version

ENVIRONMENT:
    BPFTRACE_MAX_STRLEN  capacity of strings read by str() (default 64)
    BPFTRACE_STRLEN      same, older name

EXAMPLES:
    gobpftrace -e 'BEGIN { printf("hello\n"); exit(); }'
    gobpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args.filename)); }'
    gobpftrace -l 'tracepoint:syscalls:sys_enter_*'
`

// shortUsage follows a command-line error: short enough that the error
// stays on screen.
const shortUsage = `USAGE:
    gobpftrace [options] filename [args...]
    gobpftrace [options] -e 'program' [args...]
Run 'gobpftrace --help' for the options.
`

// usageError is a command-line error (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseArgs parses bpftrace-compatible arguments. Options may be combined
// like -lv and given as -e PROG or -ePROG; everything after the program
// (the file name or the -e text) is a positional parameter.
func parseArgs(args []string) (*options, error) {
	o := &options{format: "text"}
	needValue := func(i *int, name string) (string, error) {
		if *i+1 >= len(args) {
			return "", &usageError{fmt.Sprintf("option %s requires an argument", name)}
		}
		*i++
		return args[*i], nil
	}
	havePrimary, afterDashes := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if afterDashes || (havePrimary && !strings.HasPrefix(a, "-")) {
			o.params = append(o.params, a)
			continue
		}
		switch {
		case a == "--":
			afterDashes = havePrimary
			continue
		case a == "-" || !strings.HasPrefix(a, "-"):
			if o.list && o.program == "" && o.listPattern == "" {
				o.listPattern = a
				continue
			}
			if o.program == "" {
				o.file = a
			} else {
				o.params = append(o.params, a)
			}
			havePrimary = true
			continue
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			switch name {
			case "dry-run":
				o.dryRun = true
			case "unsafe":
				o.unsafe = true
			case "help":
				o.help = true
			case "version":
				o.version = true
			case "interactive":
				o.interactive = true
			case "no-warnings":
				o.noWarnings = true
			case "pid":
				if !hasVal {
					v, err := needValue(&i, a)
					if err != nil {
						return nil, err
					}
					val = v
				}
				pid, err := parsePid(val)
				if err != nil {
					return nil, err
				}
				o.pid = pid
			case "output", "cmd", "include":
				if !hasVal {
					v, err := needValue(&i, a)
					if err != nil {
						return nil, err
					}
					val = v
				}
				switch name {
				case "output":
					o.outFile = val
				case "cmd":
					o.cmd = val
				}
			case "format":
				if !hasVal {
					v, err := needValue(&i, a)
					if err != nil {
						return nil, err
					}
					val = v
				}
				o.format = val
			default:
				return nil, &usageError{fmt.Sprintf("unknown option: %s", a)}
			}
			continue
		}
		// Short options, possibly combined (-lv, -qe PROG).
		for j := 1; j < len(a); j++ {
			c := a[j]
			rest := a[j+1:]
			takeValue := func(name string) (string, error) {
				if rest != "" {
					j = len(a)
					return rest, nil
				}
				j = len(a)
				return needValue(&i, name)
			}
			var err error
			switch c {
			case 'l':
				o.list = true
			case 'v':
				if o.list {
					o.listVerbose = true
				} else {
					o.verbose = true
				}
			case 'q':
				o.quiet = true
			case 'h':
				o.help = true
			case 'V':
				o.version = true
			case 'i':
				o.interactive = true
			case 'e':
				o.program, err = takeValue("-e")
				havePrimary = !o.list
			case 'c':
				o.cmd, err = takeValue("-c")
			case 'o':
				o.outFile, err = takeValue("-o")
			case 'f':
				o.format, err = takeValue("-f")
			case 'd':
				var s string
				s, err = takeValue("-d")
				o.debug = append(o.debug, strings.Split(s, ",")...)
			case 'p':
				var s string
				if s, err = takeValue("-p"); err == nil {
					o.pid, err = parsePid(s)
				}
			case 'k', 'B', 'I':
				// -k (helper warnings), -B (buffering), -I (include dirs)
				// are accepted for compatibility.
				if c != 'k' {
					_, err = takeValue("-" + string(c))
				}
			default:
				return nil, &usageError{fmt.Sprintf("unknown option: -%c", c)}
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if o.format != "text" && o.format != "json" {
		return nil, &usageError{fmt.Sprintf("Invalid output format %q", o.format)}
	}
	for _, d := range o.debug {
		switch d {
		case "ast", "types", "asm", "all":
		default:
			return nil, &usageError{fmt.Sprintf("invalid -d stage %q (want ast, types, asm or all)", d)}
		}
	}
	if o.program != "" && o.file != "" && !o.list {
		// A file after -e is a positional parameter.
		o.params = append([]string{o.file}, o.params...)
		o.file = ""
	}
	return o, nil
}

// parsePid validates a -p argument the way bpftrace reports it.
func parsePid(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) {
			return 0, &usageError{fmt.Sprintf("Failed to parse pid: invalid trailing bytes: %s", s)}
		}
		return 0, &usageError{fmt.Sprintf("Failed to parse pid: invalid integer: %s", s)}
	}
	// The kernel's pid_max limit is 2^22 (PID_MAX_LIMIT).
	if n == 0 || n > 1<<22 {
		return 0, &usageError{fmt.Sprintf("Pid out of range: %s", s)}
	}
	return int(n), nil
}

// readScript returns the script text and its display name.
func readScript(o *options, stdin io.Reader) (name, text string, err error) {
	switch {
	case o.program != "":
		return "stdin", o.program, nil
	case o.file == "-":
		b, err := io.ReadAll(stdin)
		return "stdin", string(b), err
	case o.file != "":
		b, err := os.ReadFile(o.file)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", "", fmt.Errorf("failed to open file '%s': %s", o.file, strings.ToUpper(err.Error()[:1])+err.Error()[1:])
		}
		return o.file, string(b), nil
	}
	return "", "", &usageError{"no program given: use -e 'program' or a script file"}
}
