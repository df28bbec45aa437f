package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime"
)

// version is printed by --version.
const version = "gobpftrace v0.1.0"

// Exit codes. They follow bpftrace: 1 for every error found before
// tracing starts, 255 (bpftrace's -1) for failures to load, attach or
// trace. A script's exit(N) exits with N, which the checker keeps in 0..254
// so that 255 always means a failure of gobpftrace (see the README's "Exit
// codes").
const (
	exitOK      = 0
	exitScript  = 1   // parse or semantic error, unreadable script
	exitUsage   = 1   // bad command line or environment variable
	exitRuntime = 255 // load, attach or run-time failure
)

// options are the parsed command line.
type options struct {
	program      string // -e text
	programName  string // the name of the -e text in messages ("stdin" when empty)
	aot          string // --aot FILE: write an executable that runs the script
	file         string // script file ("-" for stdin)
	params       []string
	named        []string // named program options after "--", without their "--"
	list         bool
	listVerbose  bool
	listPattern  string
	cmd          string // -c
	pid          int    // -p
	dwarfPids    []int  // --dwarf-pid: dw_ustack's unwind tables
	metrics      metricsOptions
	format       string // -f text|json
	outFile      string // -o
	buffering    string // -B none|line|full ("" is the default)
	quiet        bool
	verbose      bool
	debug        []string // -d stages
	includeDirs  []string // -I
	includeFiles []string // --include
	debugInfo    []string // --debuginfo DIR[:DIR]
	dryRun       bool     // --dry-run: load and attach, then stop
	verifyOnly   bool     // --verify-only: load through the verifier, attach nothing
	unsafe       bool
	help         bool
	version      bool
	info         bool // --info: what the kernel supports
	interactive  bool
	noWarnings   bool
	helperErrors bool // -k: run-time warnings for failed reads and lookups
	// mode is "bench" or "test" (--mode, --bench, --test): run the
	// script's bench: or test: probes instead of attaching any; "" traces.
	mode string
	// probeFilter keeps only the probes whose names it matches
	// (--probe-filter); nil keeps all.
	probeFilter *regexp.Regexp
	// tracepoints is --tracepoints.
	tracepoints codegen.TracepointMode
}

// optSpec describes one command-line option. The table drives parseArgs,
// and a test checks it against --help and the man page.
type optSpec struct {
	short byte   // 0: no short form
	long  string // "": no long form
	arg   string // name of the value; "" for a flag
	set   func(o *options, v string) error
}

// optSpecs are the options gobpftrace accepts.
var optSpecs = []optSpec{
	{'e', "", "PROGRAM", func(o *options, v string) error { o.program = v; return nil }},
	{'l', "list", "", func(o *options, _ string) error { o.list = true; return nil }},
	{'v', "verbose", "", func(o *options, _ string) error { o.verbose = true; return nil }},
	{'h', "help", "", func(o *options, _ string) error { o.help = true; return nil }},
	{'V', "version", "", func(o *options, _ string) error { o.version = true; return nil }},
	{0, "info", "", func(o *options, _ string) error { o.info = true; return nil }},
	{'p', "pid", "PID", setPid},
	{'c', "cmd", "CMD", func(o *options, v string) error { o.cmd = v; return nil }},
	{0, "dwarf-pid", "PID", addDwarfPid},
	{0, "metrics", "ADDR", func(o *options, v string) error { o.metrics.addr = v; return nil }},
	{0, "metrics-prefix", "PREFIX", func(o *options, v string) error { o.metrics.prefix = v; o.metrics.prefixSet = true; return nil }},
	{0, "metrics-series", "N", setMetricsSeries},
	{0, "metrics-only", "", func(o *options, _ string) error { o.metrics.only = true; return nil }},
	{'o', "output", "FILE", func(o *options, v string) error { o.outFile = v; return nil }},
	{'f', "format", "FORMAT", setFormat},
	{'B', "", "MODE", setBuffering},
	{'q', "quiet", "", func(o *options, _ string) error { o.quiet = true; return nil }},
	{'k', "warnings", "", func(o *options, _ string) error { o.helperErrors = true; return nil }},
	{0, "no-warnings", "", func(o *options, _ string) error { o.noWarnings = true; return nil }},
	{'I', "", "DIR", func(o *options, v string) error { o.includeDirs = append(o.includeDirs, v); return nil }},
	{0, "include", "FILE", func(o *options, v string) error { o.includeFiles = append(o.includeFiles, v); return nil }},
	{0, "debuginfo", "DIR[:DIR]", func(o *options, v string) error { o.debugInfo = append(o.debugInfo, v); return nil }},
	{0, "unsafe", "", func(o *options, _ string) error { o.unsafe = true; return nil }},
	// usdt semaphores are always counted by the kernel (ref_ctr_offset,
	// 4.20+) in every process that maps the probe's file, as bpftrace
	// does where it can: its --usdt-file-activation is then a no-op.
	{0, "usdt-file-activation", "", func(*options, string) error { return nil }},
	{'d', "debug", "STAGE", setDebug},
	{0, "dry-run", "", func(o *options, _ string) error { o.dryRun = true; return nil }},
	{0, "verify-only", "", func(o *options, _ string) error { o.verifyOnly = true; return nil }},
	{0, "probe-filter", "REGEX", setProbeFilter},
	{0, "tracepoints", "MODE", setTracepoints},
	{0, "mode", "MODE", setMode},
	{0, "test", "", func(o *options, _ string) error { return setModeFlag(o, "test") }},
	{0, "bench", "", func(o *options, _ string) error { return setModeFlag(o, "bench") }},
	{0, "aot", "FILE", func(o *options, v string) error { o.aot = v; return nil }},
	{'i', "interactive", "", func(o *options, _ string) error { o.interactive = true; return nil }},
}

const usage = `gobpftrace - a bpftrace-compatible tracer that compiles to eBPF without LLVM

USAGE:
    gobpftrace [options] filename [args...]
    gobpftrace [options] - <stdin input>
    gobpftrace [options] -e 'program' [args...]
    gobpftrace [options]            (interactive shell on a terminal)

OPTIONS:
    -e 'program'   execute this program
    -l, --list [pattern]
                   list probes matching pattern (with -e, the program's probes)
    -v, --verbose  program ids and verifier statistics; with -l, probe arguments
    -h, --help     show this help
    -V, --version  print the version
    --info         print what the kernel supports (helpers, features, probe types)

    -p, --pid PID  trace process PID: uprobes, usdt and perf events attach to it,
                   kernel probes fire only for it; ends when it exits
    -c, --cmd CMD  run CMD (stopped until probes are attached) and trace until it
                   exits; its pid is the cpid builtin
    --dwarf-pid PID
                   load the unwind tables of process PID for dw_ustack (repeatable;
                   the processes of -p and -c have theirs)

    --metrics ADDR serve every map at http://ADDR/metrics for Prometheus while
                   tracing (read live at each scrape; text and OpenMetrics)
    --metrics-prefix PREFIX
                   prefix of the metric names (default gobpftrace_)
    --metrics-series N
                   at most N series per map (default 10000; the rest is dropped
                   and counted in gobpftrace_metrics_truncated)
    --metrics-only print nothing but errors: metrics are the output (daemons)

    -o, --output FILE
                   write tracing output to FILE
    -f, --format FORMAT
                   output format: text (default) or json
    -B MODE        output buffering: none (default: written as events are read),
                   line (hold partial lines) or full (64 KiB blocks)
    -q, --quiet    no "Attached N probes" line
    -k, --warnings warn at run time when a memory read fails or a map read finds no key
    --no-warnings  do not print compile-time warnings

    -I DIR         add DIR to the #include search path (repeatable)
    --include FILE #include FILE before the script's first line (repeatable)
    --debuginfo DIR[:DIR]
                   add directories to the search path of separate debug files
                   (repeatable; relative ones are below the program's directory)

    --unsafe       allow unsafe functions (system, signal …)
    --usdt-file-activation
                   accepted for bpftrace: usdt semaphores are always set in every
                   process that maps the probe's file

    -d, --debug STAGE
                   print a compilation stage and exit: ast, types, asm or all
                   (repeatable, or comma-separated)
    --dry-run      load and attach every probe, then detach and exit without
                   running BEGIN, END or printing anything
    --verify-only  load every program through the verifier; attach nothing
    --probe-filter REGEX
                   load and attach only the probes whose names match REGEX
                   (begin, end and self probes always run)
    --tracepoints MODE
                   how tracepoints attach: auto (default: 16 or more syscall
                   probes fused onto raw_syscalls, probes that do not read
                   their record as raw tracepoints: detached at once), fused
                   (every syscall probe fused), perf (each one a perf event)
    --mode MODE    bench: time the bench: probes; test: run the test: probes
                   (after BEGIN, instead of attaching any probe)
    --test         same as --mode test
    --bench        same as --mode bench
    --aot FILE     write FILE, an executable that runs the script (gobpftrace
                   with the script embedded): FILE [options] [args] [-- named]
    -i, --interactive
                   start the interactive shell

ENVIRONMENT:
    BPFTRACE_MAX_STRLEN    capacity of strings read by str(): 1..16384 (default 64)
    BPFTRACE_STRLEN        older name of BPFTRACE_MAX_STRLEN
    BPFTRACE_MAX_MAP_KEYS  capacity of maps without a declared size: 1..4294967295
    BPFTRACE_MAP_KEYS_MAX  older name of BPFTRACE_MAX_MAP_KEYS
    A bad value is an error (exit status 1).

EXIT STATUS:
    0 success; 1 usage or script error; 255 load, attach or run-time failure;
    N when the script calls exit(N) (0..254).

EXAMPLES:
    gobpftrace -e 'BEGIN { printf("hello\n"); exit(); }'
    gobpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args.filename)); }'
    gobpftrace -l 'tracepoint:syscalls:sys_enter_*'

See gobpftrace(8) for signals, limits and the #include rules.
`

// shortUsage follows a command-line error: short enough that the error
// stays on screen.
const shortUsage = `USAGE:
    gobpftrace [options] filename [args...]
    gobpftrace [options] -e 'program' [args...]
Run 'gobpftrace --help' for the options.
`

// usageError is a command-line error (exit status exitUsage).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseArgs parses bpftrace-compatible arguments, the way getopt_long does
// for bpftrace: short options may be combined (-lv) and take their value
// attached or as the next argument (-ePROG, -e PROG); long options take
// theirs as --name=VALUE or --name VALUE. Options may follow the script
// (gobpftrace script.bt -q); the other arguments after the script are its
// positional parameters $1, $2 …, and "--" ends the options.
func parseArgs(args []string) (*options, error) {
	o := &options{format: "text"}
	var operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, p := range args[i+1:] {
				if strings.HasPrefix(p, "--") && len(p) > 2 {
					o.named = append(o.named, p[2:])
					continue
				}
				operands = append(operands, p)
			}
			i = len(args)
		case a == "-" || !strings.HasPrefix(a, "-"):
			operands = append(operands, a)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec := findLong(name)
			if spec == nil {
				return nil, &usageError{fmt.Sprintf("unknown option: --%s", name)}
			}
			if spec.arg == "" && hasVal {
				return nil, &usageError{fmt.Sprintf("option --%s takes no value", name)}
			}
			if spec.arg != "" && !hasVal {
				if i+1 >= len(args) {
					return nil, &usageError{fmt.Sprintf("option --%s requires an argument", name)}
				}
				i++
				val = args[i]
			}
			if err := spec.set(o, val); err != nil {
				return nil, err
			}
		default:
			// Short options, possibly combined (-lv, -qe PROG).
			for j := 1; j < len(a); j++ {
				spec := findShort(a[j])
				if spec == nil {
					return nil, &usageError{fmt.Sprintf("unknown option: -%c", a[j])}
				}
				val := ""
				if spec.arg != "" {
					switch {
					case j+1 < len(a):
						val = a[j+1:]
					case i+1 < len(args):
						i++
						val = args[i]
					default:
						return nil, &usageError{fmt.Sprintf("option -%c requires an argument", a[j])}
					}
					j = len(a)
				}
				if err := spec.set(o, val); err != nil {
					return nil, err
				}
			}
		}
	}
	switch {
	case o.list:
		// -l [pattern], or -l -e 'program' listing its probes.
		if len(operands) > 1 || len(operands) == 1 && o.program != "" {
			return nil, &usageError{"-l takes at most one pattern"}
		}
		if len(operands) == 1 {
			o.listPattern = operands[0]
		}
		o.listVerbose = o.verbose
	case o.program != "":
		o.params = operands
	case len(operands) > 0:
		o.file, o.params = operands[0], append([]string(nil), operands[1:]...)
	}
	if o.cmd != "" && o.pid != 0 {
		return nil, &usageError{"cannot use both -c and -p"}
	}
	if o.interactive {
		if err := checkInteractive(o); err != nil {
			return nil, err
		}
	}
	if o.dryRun && o.verifyOnly {
		return nil, &usageError{"--dry-run and --verify-only exclude each other"}
	}
	if o.aot != "" && (o.list || o.dryRun || o.verifyOnly || len(o.debug) > 0) {
		return nil, &usageError{"--aot writes an executable: it cannot be combined with -l, -d, --dry-run or --verify-only"}
	}
	return o, nil
}

// checkInteractive refuses the options the interactive shell does not
// honour, instead of ignoring them: its programs come from its input, its
// output is text on stdout, and it traces the whole machine.
func checkInteractive(o *options) error {
	for _, c := range []struct {
		set  bool
		name string
	}{
		{o.program != "", "-e"},
		{o.file != "", "a script file"},
		{o.list, "-l"},
		{o.cmd != "", "-c"},
		{o.pid != 0, "-p"},
		{o.outFile != "", "-o"},
		{o.format != "text", "-f " + o.format},
		{len(o.debug) > 0, "-d"},
		{o.dryRun, "--dry-run"},
		{o.verifyOnly, "--verify-only"},
		{o.aot != "", "--aot"},
	} {
		if c.set {
			return &usageError{fmt.Sprintf("the interactive shell (-i) cannot be combined with %s", c.name)}
		}
	}
	return nil
}

func findShort(c byte) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].short == c {
			return &optSpecs[i]
		}
	}
	return nil
}

func findLong(name string) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].long == name && name != "" {
			return &optSpecs[i]
		}
	}
	return nil
}

func setPid(o *options, v string) error {
	pid, err := parsePid(v)
	o.pid = pid
	return err
}

// setMetricsSeries sets --metrics-series, a positive number.
func setMetricsSeries(o *options, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return &usageError{fmt.Sprintf("Invalid --metrics-series %q: a positive number of series per map", v)}
	}
	o.metrics.series = n
	return nil
}

// addDwarfPid adds a process whose unwind tables dw_ustack loads.
func addDwarfPid(o *options, v string) error {
	pid, err := parsePid(v)
	if err == nil {
		o.dwarfPids = append(o.dwarfPids, pid)
	}
	return err
}

func setFormat(o *options, v string) error {
	if v != "text" && v != "json" {
		return &usageError{fmt.Sprintf("Invalid output format %q\nHINT: the formats are text and json", v)}
	}
	o.format = v
	return nil
}

// setProbeFilter compiles --probe-filter's regular expression, which
// matches anywhere in a probe's name (as bpftrace's std::regex_search).
func setProbeFilter(o *options, v string) error {
	re, err := regexp.Compile(v)
	if err != nil {
		return &usageError{fmt.Sprintf("Invalid --probe-filter regex '%s': %v", v, err)}
	}
	o.probeFilter = re
	return nil
}

// tracepointModes are the values of --tracepoints.
var tracepointModes = map[string]codegen.TracepointMode{"auto": codegen.TracepointsAuto, "fused": codegen.TracepointsFused, "perf": codegen.TracepointsPerf}

// setTracepoints is --tracepoints MODE.
func setTracepoints(o *options, v string) error {
	m, ok := tracepointModes[v]
	if !ok {
		return &usageError{fmt.Sprintf("Invalid --tracepoints mode '%s': want auto, fused or perf", v)}
	}
	o.tracepoints = m
	return nil
}

// setMode is --mode: bpftrace's bench and test modes (its codegen,
// compiler-bench and format modes are for its own development).
func setMode(o *options, v string) error {
	switch v {
	case "bench", "test":
		o.mode = v
		return nil
	case "codegen", "compiler-bench", "format":
		return &usageError{fmt.Sprintf("--mode %s is not supported (gobpftrace has the bench and test modes)", v)}
	}
	return &usageError{"USAGE: --mode can only be 'codegen', 'compiler-bench', 'bench', 'test' or 'format'."}
}

// setModeFlag is --test and --bench, which conflict with a --mode.
func setModeFlag(o *options, mode string) error {
	if o.mode != "" {
		return &usageError{fmt.Sprintf("USAGE: --%s conflicts with existing --mode", mode)}
	}
	o.mode = mode
	return nil
}

func setBuffering(o *options, v string) error {
	if v != "line" && v != "full" && v != "none" {
		return &usageError{fmt.Sprintf("-B must be either 'line', 'full', or 'none', not %q", v)}
	}
	o.buffering = v
	return nil
}

func setDebug(o *options, v string) error {
	for _, d := range strings.Split(v, ",") {
		switch d {
		case "ast", "types", "asm", "all":
			o.debug = append(o.debug, d)
		default:
			return &usageError{fmt.Sprintf("invalid -d stage %q (want ast, types, asm or all)", d)}
		}
	}
	return nil
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

// readScript returns the script text and its display name. Files and
// stdin are read through runtime's bounded reader: a script must be a
// regular file (or stdin) of at most runtime.MaxSourceSize bytes.
func readScript(o *options, stdin io.Reader) (name, text string, err error) {
	switch {
	case o.program != "":
		if o.programName != "" {
			return o.programName, o.program, nil
		}
		return "stdin", o.program, nil
	case o.file == "-":
		b, err := runtime.ReadSource(stdin, "stdin")
		if err != nil {
			return "", "", fmt.Errorf("failed to read the script from stdin: %w", errors.Unwrap(err))
		}
		return "stdin", string(b), nil
	case o.file != "":
		b, err := runtime.ReadSourceFile(o.file)
		if err != nil {
			msg := errors.Unwrap(err).Error()
			return "", "", fmt.Errorf("failed to open file '%s': %s", o.file, strings.ToUpper(msg[:1])+msg[1:])
		}
		return o.file, string(b), nil
	}
	return "", "", &usageError{"no program given: use -e 'program' or a script file"}
}

// includer is the #include search for the session's script: quoted
// includes start in the script's directory (the current directory for -e
// and stdin), then the -I directories, then the system ones.
func (o *options) includer() *runtime.Includer {
	in := &runtime.Includer{Dirs: o.includeDirs, Files: o.includeFiles}
	if o.program == "" && o.file != "" && o.file != "-" {
		in.ScriptDir = filepath.Dir(o.file)
	}
	return in
}
