package main

import (
	"bytes"
	"encoding/binary"
	"os"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// Runtime errors (codegen.EventRuntimeError records) are reported like
// bpftrace HEAD does, every time one happens: in text mode as a warning
// on stderr with the script location and source line (the layout of
// diagnostics), in JSON mode as a runtime_error message in the output.
// Text warnings keep their place among the output: the output buffered
// before the first of a run of warnings is written out, the warnings are
// collected in errBuf and written before any later output (or when the
// printer flushes), so a burst of errors costs one write, not one per
// event.

// runtimeError reports the runtime error event ev, appending the JSON
// message to b (the output) or the warning to p.errBuf.
func (p *printer) runtimeError(b []byte, ev *codegen.EventDef, rec []byte) []byte {
	src := p.l.Object.Source
	msg := ev.Error.Message()
	if ev.Error == codegen.RuntimeHelperError {
		var retcode int64
		if len(rec) >= codegen.HeaderSize {
			retcode = int64(int32(binary.LittleEndian.Uint32(rec[4:])))
		}
		if p.json {
			return output.AppendJSONHelperError(b, ev.Helper, retcode, sourceLoc(src, ev.Span))
		}
		msg = output.HelperErrorText(ev.Helper, retcode)
	}
	if p.json {
		return output.AppendJSONRuntimeError(b, msg, sourceLoc(src, ev.Span))
	}
	if len(p.errBuf) == 0 {
		p.flushOut()
	}
	if src == nil {
		p.errBuf = append(p.errBuf, "WARNING: "...)
		p.errBuf = append(p.errBuf, msg...)
		p.errBuf = append(p.errBuf, '\n')
	} else {
		p.errBuf = append(p.errBuf, src.Format(&diag.Diagnostic{Span: ev.Span, Severity: diag.Warning, Msg: msg})...)
	}
	if len(p.errBuf) >= maxErrBuf {
		p.writeErrs()
	}
	return b
}

// logf reports an errorf() or warnf() record: in text mode its formatted
// text on stderr after the call's location ("stdin:1:9-20: ERROR: text",
// without the source line, as bpftrace), in JSON mode an errorf or warnf
// message in the output. warnf() is silent with --no-warnings.
func (p *printer) logf(b []byte, ev *codegen.EventDef, args []output.Arg, rec []byte) []byte {
	warning := ev.Kind == codegen.EventWarnf
	if !warning {
		p.errorfs++
	}
	if warning && p.noWarnings {
		return b
	}
	msg := output.AppendPrintf(nil, ev.Pieces, args, rec, p.res)
	msg = bytes.TrimSuffix(msg, []byte("\n"))
	if p.divert != nil {
		// A test's output: the message with the rest.
		return append(append(b, msg...), '\n')
	}
	src := p.l.Object.Source
	if p.json {
		return output.AppendJSONErrorf(b, warning, msg, sourceLoc(src, ev.Span))
	}
	if len(p.errBuf) == 0 {
		p.flushOut()
	}
	if src != nil {
		p.errBuf = append(p.errBuf, src.Location(ev.Span)...)
		p.errBuf = append(p.errBuf, ": "...)
	}
	if warning {
		p.errBuf = append(p.errBuf, "WARNING: "...)
	} else {
		p.errBuf = append(p.errBuf, "ERROR: "...)
	}
	p.errBuf = append(p.errBuf, msg...)
	p.errBuf = append(p.errBuf, '\n')
	if src != nil {
		// The macro calls it came from, as bpftrace names them.
		for _, site := range ev.MacroSites {
			d := &diag.Diagnostic{Span: site, Severity: diag.Error, Msg: "expanded from"}
			if warning {
				d.Severity = diag.Warning
			}
			p.errBuf = append(p.errBuf, src.Format(d)...)
		}
	}
	if len(p.errBuf) >= maxErrBuf {
		p.writeErrs()
	}
	return b
}

// maxErrBuf bounds the warnings held back: a ring buffer full of errors
// is written out in pieces of this size rather than all at once.
const maxErrBuf = 64 << 10

// sourceLoc is the location JSON messages give for span: the script name
// and the 1-based line and column where span starts (zero without a
// source).
func sourceLoc(src *diag.Source, span diag.Span) output.SourceLoc {
	if src == nil {
		return output.SourceLoc{}
	}
	f, off := src.Locate(span.Start)
	line, col := f.Position(off)
	return output.SourceLoc{Filename: f.Name, Line: uint64(line), Col: uint64(col)}
}

// writeErrs writes the pending runtime error warnings to stderr.
func (p *printer) writeErrs() {
	if len(p.errBuf) > 0 {
		os.Stderr.Write(p.errBuf)
		p.errBuf = p.errBuf[:0]
	}
}

// updateSite is the location of map-full reports for def: its first
// update site, or the script name alone when it has none.
func (p *printer) updateSite(def *codegen.MapDef) output.SourceLoc {
	src := p.l.Object.Source
	if def.UpdateSite.End == 0 {
		if src == nil {
			return output.SourceLoc{}
		}
		return output.SourceLoc{Filename: src.Name}
	}
	return sourceLoc(src, def.UpdateSite)
}
