//go:build linux

package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// Events.
//
// A probe's printf, print, time, join … and the actions it asks of user
// space (clear, zero, unwatch, exit) arrive as records in the run's ring
// buffer. The actions are the engine's: a Run carries out clear(),
// zero() and unwatch() itself, in record order, before the record reaches
// the caller's Handle, so a front end only formats (and an embedder that
// ignores the records still gets the script's semantics). Event decodes
// a record for a front end: its definition, its exit code, and the text
// the CLI prints for it in text mode.

// Event is one event record of a run.
type Event struct {
	// Def describes the event: its kind, its format, the layout of its
	// arguments in the record.
	Def *codegen.EventDef
	// Args are Def's arguments as runtime/output reads them (computed
	// once per event of the script, not per record).
	Args []output.Arg
	// Record is the raw record, valid during the Handle call only.
	Record []byte
	run    *Run
}

// Event decodes rec (false for a record of no event of the script).
func (r *Run) Event(rec []byte) (Event, bool) {
	if len(rec) < codegen.HeaderSize {
		return Event{}, false
	}
	id := binary.LittleEndian.Uint32(rec)
	evs := r.Loaded.Object.Events
	if int(id) >= len(evs) {
		return Event{}, false
	}
	return Event{Def: evs[id], Args: r.args[id], Record: rec, run: r}, true
}

// eventArgs are the arguments of each event of obj for runtime/output,
// by event id.
func eventArgs(obj *codegen.Object) [][]output.Arg {
	out := make([][]output.Arg, len(obj.Events))
	for i, ev := range obj.Events {
		for _, a := range ev.Args {
			out[i] = append(out[i], output.Arg{Type: a.Type, Offset: a.Offset})
		}
	}
	return out
}

// ExitCode is the code of an exit(code) event (0 for exit() and for
// other events).
func (e Event) ExitCode() int {
	if e.Def.Kind != codegen.EventExit || len(e.Def.Args) == 0 {
		return 0
	}
	return int(int64(binary.LittleEndian.Uint64(e.Record[e.Def.Args[0].Offset:])))
}

// AppendText appends the event's text as the CLI prints it in text mode,
// symbols and stacks resolved with res: printf's formatted text, print's
// value and a newline, time's strftime of now, join's strings. Other
// events append nothing (maps, cat() and system() output, diagnostics are
// the front end's).
func (e Event) AppendText(dst []byte, res output.Resolver) []byte {
	rec := e.Record
	switch e.Def.Kind {
	case codegen.EventPrintf:
		return output.AppendPrintf(dst, e.Def.Pieces, e.Args, rec, res)
	case codegen.EventPrint:
		a := e.Def.Args[0]
		dst = output.AppendValue(dst, a.Type, rec[a.Offset:a.Offset+a.Type.Size()], res)
		return append(dst, '\n')
	case codegen.EventTime:
		return output.AppendStrftime(dst, e.Def.Format, time.Now())
	case codegen.EventJoin:
		dst = e.appendJoin(dst)
		return append(dst, '\n')
	}
	return dst
}

// AppendJoin appends the strings of a join() event, separated by its
// delimiter.
func (e Event) appendJoin(dst []byte) []byte {
	off0 := e.Def.Args[0].Offset
	n := int(binary.LittleEndian.Uint64(e.Record[off0:]))
	strLen := e.run.Loaded.Object.StrLen
	for i := 0; i < n && i < codegen.JoinMaxArgs; i++ {
		off := off0 + 8 + i*strLen
		if off+strLen > len(e.Record) {
			break
		}
		if i > 0 {
			dst = append(dst, e.Def.Format...)
		}
		s := e.Record[off : off+strLen]
		if z := bytes.IndexByte(s, 0); z >= 0 {
			s = s[:z]
		}
		dst = append(dst, s...)
	}
	return dst
}

// JoinText is the text of a join() event without the newline (the JSON
// front end's).
func (e Event) JoinText() []byte { return e.appendJoin(nil) }

// act carries out the action an event asks of user space; failures go to
// warn.
func (r *Run) act(e Event) {
	switch e.Def.Kind {
	case codegen.EventClear:
		if err := r.Loaded.ClearMap(e.Def.Map); err != nil {
			r.warn(fmt.Errorf("clear(%s): %w", e.Def.Map, err))
		}
	case codegen.EventZero:
		if err := r.Loaded.ZeroMap(e.Def.Map); err != nil {
			r.warn(fmt.Errorf("zero(%s): %w", e.Def.Map, err))
		}
	case codegen.EventUnwatch:
		r.Loaded.Unwatch(binary.LittleEndian.Uint64(e.Record[e.Def.Args[0].Offset:]))
	case codegen.EventExit:
		r.exitOnce.Do(func() { close(r.exited) })
	}
}

// warn reports a failure of the run that does not stop it.
func (r *Run) warn(err error) {
	if r.onError != nil {
		r.onError(err)
	}
}
