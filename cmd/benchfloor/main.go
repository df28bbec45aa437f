package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cilium/ebpf/rlimit"
)

// options are a run's flags.
type options struct {
	pid     uint32 // -pid: the only process traced by the filtered modes (0: all)
	probes  int    // -n: tracepoints of the ready mode
	maxKeys int    // -maxkeys: capacity of the maps mode's map

	// attached, when set, is called once the mode's probes are attached
	// (tests trigger their events then).
	attached func()
}

// modeFunc runs one mode until it is done or ctx ends, printing results
// on out and diagnostics (lost events) on diag.
type modeFunc func(ctx context.Context, o options, out, diag io.Writer) error

// modes are the modes by name, in the order compare.sh lists its tests.
var modes = []struct {
	name string
	run  modeFunc
}{
	{"begin", runBegin},
	{"first", runFirst},
	{"ready", runReady},
	{"tput", runTput},
	{"count", runCount},
	{"hist", runHist},
	{"maps", runMaps},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the mode they name until it is done or a SIGINT
// or SIGTERM arrives, and returns the exit status: 0 when the mode ran,
// 1 when it failed, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchfloor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for _, m := range modes {
		names = append(names, m.name)
	}
	mode := fs.String("mode", "", "test to run: "+strings.Join(names, ", "))
	pid := fs.Uint("pid", 0, "trace only this process in first, ready, tput and maps (0: every process)")
	probes := fs.Int("n", len(readySyscalls), "tracepoints of the ready mode")
	maxKeys := fs.Int("maxkeys", 4096, "capacity of the maps mode's map")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var fn modeFunc
	for _, m := range modes {
		if m.name == *mode {
			fn = m.run
		}
	}
	switch {
	case fn == nil:
		fmt.Fprintf(stderr, "benchfloor: -mode must be one of %s\n", strings.Join(names, ", "))
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "benchfloor: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *probes < 1 || *probes > len(readySyscalls):
		fmt.Fprintf(stderr, "benchfloor: -n must be between 1 and %d\n", len(readySyscalls))
		return 2
	case *maxKeys < 1 || *pid > 1<<31-1:
		fmt.Fprintln(stderr, "benchfloor: -maxkeys must be positive and -pid a process id")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rlimit.RemoveMemlock(); err != nil {
		fmt.Fprintf(stderr, "benchfloor: %v\n", err)
		return 1
	}
	o := options{pid: uint32(*pid), probes: *probes, maxKeys: *maxKeys}
	if err := fn(ctx, o, stdout, stderr); err != nil {
		if errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w (run as root)", err)
		}
		fmt.Fprintf(stderr, "benchfloor: %s: %v\n", *mode, err)
		return 1
	}
	return 0
}
