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
package engine
