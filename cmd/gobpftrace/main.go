// Command gobpftrace is a bpftrace-compatible tracer that compiles scripts
// straight to eBPF with cilium/ebpf/asm: no LLVM, no clang, no kernel
// headers.
//
// This package is thin: main calls run with the process's streams, and
// run parses the command line and hands the script to a Session, which
// drives parse → check → compile → load → attach → output with injected
// writers so it can be tested without a terminal.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// The main goroutine keeps the main thread, which runs BEGIN and END
// (BPF_PROG_TEST_RUN in the calling thread): there, as in bpftrace, tid is
// pid.
func init() { goruntime.LockOSThread() }

func main() {
	// When gobpftrace re-executes itself to start a -c child stopped until
	// the probes are attached, this call never returns.
	runtime.MaybeRunChildShim()
	var embedded *aotScript
	if exe, err := os.Executable(); err == nil {
		if embedded, err = embeddedScript(exe); err != nil {
			fmt.Fprintf(os.Stderr, "ERROR: %s: %v\n", exe, err)
			os.Exit(exitUsage)
		}
	}
	os.Exit(runWith(embedded, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one gobpftrace command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(nil, args, stdin, stdout, stderr)
}

// runWith is run for an AOT executable (aot.go) when embedded is not nil:
// the command line is gobpftrace's without the program, which is the
// embedded script.
func runWith(embedded *aotScript, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ERROR: internal error: %v\n", r)
			code = exitRuntime
		}
	}()
	if embedded != nil {
		args = append([]string{"-e", embedded.text}, args...)
	}
	o, err := parseArgs(args)
	if err == nil && embedded != nil {
		o.programName = embedded.name
	}
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		io.WriteString(stderr, shortUsage)
		return exitUsage
	}
	switch {
	case o.help:
		io.WriteString(stdout, usage)
		return exitOK
	case o.version:
		fmt.Fprintln(stdout, version)
		return exitOK
	case o.info:
		return printInfo(stdout, stderr)
	}
	if err := checkEnv(); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return exitUsage
	}
	s := newSession(o, stdout, stderr)
	if o.list {
		return s.List(o.listPattern)
	}
	if o.interactive || (o.program == "" && o.file == "") {
		if o.interactive || (isTerminal(stdin) && isTerminal(stdout)) {
			return runREPL(s, stdin, stdout, stderr)
		}
		fmt.Fprintln(stderr, "ERROR: no program given: use -e 'program' or a script file")
		fmt.Fprintln(stderr, "USAGE: gobpftrace [options] filename | -e 'program'  (see gobpftrace --help)")
		return exitUsage
	}
	name, text, err := readScript(o, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		var ue *usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitScript
	}
	if o.aot != "" {
		return s.WriteAOT(o.aot, name, text)
	}
	return s.Run(name, text)
}
