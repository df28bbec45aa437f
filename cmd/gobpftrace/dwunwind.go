package main

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// loadUnwindTables loads dw_ustack's unwind tables for the processes of
// -p and --dwarf-pid, and sets the -c child to stop at its entry point
// (returned) so that childUnwindTables can read its tables once its
// libraries are mapped. Failures are warnings: the stacks of a process
// without tables are frame-pointer stacks, with a warning at run time.
func (s *Session) loadUnwindTables(l *runtime.Loaded, child *runtime.Child) *runtime.EntryStop {
	if !l.UsesUnwindTables() {
		return nil
	}
	pids := s.opts.dwarfPids
	if s.opts.pid != 0 {
		pids = append([]int{s.opts.pid}, pids...)
	}
	for _, pid := range pids {
		if err := l.AddUnwindProcess(pid); err != nil {
			fmt.Fprintf(s.Stderr, "WARNING: dw_ustack: %v\n", err)
		}
	}
	if child == nil {
		return nil
	}
	entry, err := child.StopAtEntry()
	if err != nil {
		fmt.Fprintf(s.Stderr, "WARNING: dw_ustack: %v\n", err)
		return nil
	}
	return entry
}

// childUnwindTables waits for the released child to stop at its entry
// point, loads its unwind tables and lets it go on. The printer keeps
// the child's mappings from then on, so that its stacks are symbolized
// even when they are printed after it has exited.
func (s *Session) childUnwindTables(l *runtime.Loaded, p *printer, child *runtime.Child, entry *runtime.EntryStop) {
	if err := entry.Wait(); err != nil {
		fmt.Fprintf(s.Stderr, "WARNING: dw_ustack: %v\n", err)
	} else {
		if err := l.AddUnwindProcess(child.Pid()); err != nil {
			fmt.Fprintf(s.Stderr, "WARNING: dw_ustack: %v\n", err)
		}
		p.res.usyms.Remember(uint64(child.Pid()))
	}
	if err := entry.Continue(); err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
}
