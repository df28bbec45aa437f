//go:build linux

package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// Tracepoint probes in raw form (codegen/rawform.go) attach to the
// tracepoint named as their event through a raw tracepoint link, which
// closes at once where a tracepoint's perf event takes the kernel tens of
// milliseconds. Dynamic events (kprobe, uprobe, synthetic … events made
// in tracefs) have no tracepoint of their own, yet one of theirs may be
// named like a kernel tracepoint: they, and any event the kernel has no
// tracepoint for, get the same instructions loaded as a tracepoint
// program on a perf event.

// attachRawForm attaches a raw-form tracepoint probe.
func (l *Loaded) attachRawForm(p *LoadedProgram) ([]attachment, error) {
	if !isDynamicEvent(p.Target.Category, p.Target.Event) {
		lk, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: p.Target.Event, Program: p.Prog})
		if err == nil {
			return []attachment{lk}, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("attaching raw tracepoint %s: %w", p.Target.Event, err)
		}
	}
	def := *p.Program
	def.Type, def.RawForm = ebpf.TracePoint, false
	lp, err := l.loadProgram(&def, &LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("loading %s as a tracepoint program: %w", p.Probe, err)
	}
	as, err := attachTracepoint(lp, nil)
	if err != nil {
		lp.Prog.Close()
		return nil, err
	}
	return append(as, lp.Prog), nil
}

// dynamicEvents are the "group/event" names of tracefs's dynamic_events,
// read once.
var dynamicEvents = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	dir, err := Tracefs()
	if err != nil {
		return out
	}
	f, err := os.Open(filepath.Join(dir, "dynamic_events"))
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// p:kprobes/name symbol …, s:synthetic/name …, u:… …
		_, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if name, _, _ := strings.Cut(rest, " "); name != "" {
			out[name] = true
		}
	}
	return out
})

// isDynamicEvent reports whether category:event is a dynamic event
// (listed in dynamic_events, or a user event), which has no tracepoint of
// its own.
func isDynamicEvent(category, event string) bool {
	return category == "user_events" || dynamicEvents()[category+"/"+event]
}
