// Package engine drives a gobpftrace script from source text to the
// kernel and back: the stages a front end (the CLI, the interactive
// shell, an exporter, a Go program embedding gobpftrace) needs without
// any of their terminal concerns.
//
// # Why here
//
// The engine was package main's (cmd/gobpftrace): no Go program could
// embed it, and each new front end would have had to live in main too.
// It sits under runtime because running a script is kernel work (loading,
// attaching, reading maps), and it uses the pure layers below it (lang,
// codegen, runtime/output) without being used by them: lang and codegen
// stay free of syscalls, and runtime's own packages do not import it.
//
// # Stages
//
// A Script passes through Parse, Check (types, probes, maps; the running
// kernel's BTF, tracefs and symbols through a runtime.Host) and Generate
// (BPF programs and maps): Compile runs all three. Each stage either
// succeeds, leaving its warnings in Script.Diagnostics, or fails with an
// *Error carrying positioned diagnostics (or, for program option errors,
// a message and a hint) that front ends render as they like. Options
// hold what the CLI takes from its flags and environment; nothing here
// reads flags, prints, or exits.
//
// A generated script runs as a Run (run.go): Load, Begin, Attach, Start,
// then Stop and End, with its maps readable at any moment (Map) and its
// event records handed to the caller's Handle on the reader's goroutine;
// Trace and Finish bundle the phases. The processes of a run, the -c
// command and the -p process, are its Targets (targets.go). The CLI
// drives the phases itself (its signals, its announcements and test
// modes come between them). Units (units.go) are scripts sharing their
// maps, added and removed while the others run: the interactive shell's
// probe units.
//
// Events (events.go): the run carries out what records ask of user space
// (clear, zero, unwatch, exit) and hands them on; Event decodes one and
// gives the text the CLI prints for printf, print, time and join. The
// CLI's printer (cmd/gobpftrace) is a front end of this kind: it adds
// JSON, map printing, cat() and system(), diagnostics and the order of
// output around them.
package engine
