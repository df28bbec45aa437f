package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Helper errors. With -k (Options.HelperErrors), as bpftrace's
// --warnings, a memory read that fails (bpf_probe_read_* returns a
// negative error) and a map read of a key that is absent (the lookup
// returns NULL, reported with error code 0) send an EventRuntimeError
// record of kind RuntimeHelperError, which the runtime prints as a
// warning at the expression with the helper's name and error code. The
// program goes on as without -k: the failed read gives zero.
//
// The site is the innermost expression being compiled (gen.site, kept
// only with -k). Without -k nothing is emitted: the checks cost a
// compare-and-jump per read.

// helperNames are bpftrace's names of the helpers checked.
var helperNames = map[asm.BuiltinFunc]string{
	asm.FnProbeReadKernel:    "probe_read_kernel",
	asm.FnProbeReadUser:      "probe_read_user",
	asm.FnProbeReadKernelStr: "probe_read_kernel_str",
	asm.FnProbeReadUserStr:   "probe_read_user_str",
	asm.FnMapLookupElem:      "map_lookup_elem",
}

// readCall calls the memory-reading helper fn and, with -k, reports its
// failure.
func (g *gen) readCall(fn asm.BuiltinFunc) {
	g.e.call(fn)
	g.helperError(fn)
}

// at makes x the site of helper errors until the returned function
// restores the previous one (with -k only).
func (g *gen) at(x ast.Expr) func() {
	old := g.site
	g.site = x.Span()
	return func() { g.site = old }
}

// helperError reports, with -k, the failure of the helper fn just called:
// a negative return, or NULL from bpf_map_lookup_elem. R0 keeps the
// verdict: NULL after a lookup, a negative value (-1) after a read.
func (g *gen) helperError(fn asm.BuiltinFunc) {
	if !g.c.opts.HelperErrors || g.site == (diag.Span{}) {
		return
	}
	ok := g.e.newLabel("helperok")
	lookup := fn == asm.FnMapLookupElem
	if lookup {
		g.e.emit(asm.JNE.Imm(asm.R0, 0, ok))
	} else {
		g.e.emit(asm.JSGE.Imm32(asm.R0, 0, ok))
	}
	g.c.obj.Source = g.c.opts.Source
	id := g.c.addEvent(&EventDef{Kind: EventRuntimeError, Error: RuntimeHelperError, Helper: helperNames[fn], Size: HeaderSize, Span: g.site})
	m := g.e.mark()
	rec := g.e.slot(HeaderSize)
	g.e.emit(asm.StoreImm(rec.base, rec.off, int64(id), asm.Word))
	g.e.emit(asm.StoreMem(rec.base, rec.off+4, asm.R0, asm.Word))
	g.sendErrorRecord(rec)
	g.e.release(m)
	g.countUnsent()
	if lookup {
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
	} else {
		g.e.emit(asm.Mov.Imm(asm.R0, -1))
	}
	g.e.place(ok)
}
