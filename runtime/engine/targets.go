//go:build linux

package engine

import (
	"os"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// Targets are the processes a run traces: the -c command, started
// stopped so that the probes see it from its first instruction, and the
// -p process, whose exit ends the run; and those whose unwind tables
// dw_ustack needs (theirs and --dwarf-pid's).
type Targets struct {
	child     *runtime.Child
	pid       int
	dwarfPids []int
	pidDone   <-chan struct{}
	entry     *runtime.EntryStop
	// remember is called with the child's pid once its libraries are
	// mapped (see Release).
	remember func(pid int)
}

// TargetOptions name the processes of a run.
type TargetOptions struct {
	// Command is the -c command line ("" for none), split on white
	// space; Pid the -p process (0 for none); DwarfPids the processes of
	// --dwarf-pid.
	Command   string
	Pid       int
	DwarfPids []int
	// Remember, when set, is called with the command's pid once its
	// libraries are mapped and again before it is stopped (the
	// symbolizer keeps its mappings, to resolve its stacks after it has
	// exited).
	Remember func(pid int)
}

// TargetError is a target that cannot be used: a command that cannot
// start, a process that does not exist. The CLI reports it like a
// script error (before tracing starts).
type TargetError struct{ Err error }

func (e *TargetError) Error() string { return e.Err.Error() }
func (e *TargetError) Unwrap() error { return e.Err }

// StartTargets starts the command (stopped) and watches the process.
func StartTargets(o *TargetOptions) (*Targets, error) {
	t := &Targets{pid: o.Pid, dwarfPids: o.DwarfPids, remember: o.Remember}
	if o.Command != "" {
		child, err := runtime.StartChild(runtime.SplitCommand(o.Command), os.Environ())
		if err != nil {
			return nil, &TargetError{err}
		}
		t.child = child
	}
	if o.Pid != 0 {
		done, err := runtime.WatchPid(o.Pid)
		if err != nil {
			t.Close()
			return nil, &TargetError{err}
		}
		t.pidDone = done
	}
	return t, nil
}

// Cpid is the command's pid (0 without -c).
func (t *Targets) Cpid() int {
	if t.child == nil {
		return 0
	}
	return t.child.Pid()
}

// Child is the -c command (nil without).
func (t *Targets) Child() *runtime.Child { return t.child }

// LoadUnwindTables loads dw_ustack's unwind tables (when l uses them) for
// -p's and --dwarf-pid's processes, and sets the command to stop at its
// entry point, where Release reads its tables. Failures are returned as
// warnings: the stacks of a process without tables are frame-pointer
// stacks, with a warning at run time.
func (t *Targets) LoadUnwindTables(l *runtime.Loaded) []error {
	if !l.UsesUnwindTables() {
		return nil
	}
	pids := t.dwarfPids
	if t.pid != 0 {
		pids = append([]int{t.pid}, pids...)
	}
	warns := AddUnwindProcesses(l, pids)
	if t.child != nil {
		entry, err := t.child.StopAtEntry()
		if err != nil {
			return append(warns, err)
		}
		t.entry = entry
	}
	return warns
}

// Release lets the command run, once the probes are attached. When its
// unwind tables are wanted it runs to its entry point first, its tables
// are read there, and then it goes on: what failed on the way is
// returned as warnings (the command runs, its stacks are frame-pointer
// stacks); err is a failure to let it run.
func (t *Targets) Release(l *runtime.Loaded) (warns []error, err error) {
	if t.child == nil {
		return nil, nil
	}
	if err := t.child.Release(); err != nil {
		return nil, err
	}
	if t.entry == nil {
		return nil, nil
	}
	if err := t.entry.Wait(); err != nil {
		warns = append(warns, err)
	} else {
		if err := l.AddUnwindProcess(t.child.Pid()); err != nil {
			warns = append(warns, err)
		}
		if t.remember != nil {
			t.remember(t.child.Pid())
		}
	}
	if err := t.entry.Continue(); err != nil {
		return warns, err
	}
	return warns, nil
}

// Done is closed when the command or the -p process has exited (nil
// without either: a run without targets never ends this way).
func (t *Targets) Done() <-chan struct{} {
	switch {
	case t.child != nil:
		return t.child.Done()
	case t.pidDone != nil:
		return t.pidDone
	}
	return nil
}

// Stop ends the command (SIGTERM, then SIGKILL after runtime.KillGrace),
// its mappings remembered first (Remember), so that what is printed
// after it still resolves.
func (t *Targets) Stop() {
	if t.child == nil {
		return
	}
	if t.remember != nil {
		t.remember(t.child.Pid())
	}
	t.child.Kill()
}

// Close ends the command, waits for it, and removes the entry stop.
func (t *Targets) Close() {
	if t.entry != nil {
		t.entry.Close()
	}
	if t.child != nil {
		t.child.Kill()
		t.child.Wait()
	}
}

// AddUnwindProcesses loads dw_ustack's unwind tables of processes into l
// (when l uses them); what fails is returned, as warnings.
func AddUnwindProcesses(l *runtime.Loaded, pids []int) []error {
	if !l.UsesUnwindTables() {
		return nil
	}
	var warns []error
	for _, pid := range pids {
		if err := l.AddUnwindProcess(pid); err != nil {
			warns = append(warns, err)
		}
	}
	return warns
}
