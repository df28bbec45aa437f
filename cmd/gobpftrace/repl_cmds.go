package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// replCommand is one of the shell's ':' commands.
type replCommand struct {
	name   string
	abbrev string // short form, "" for none
	args   string // argument synopsis for :help
	help   string
	// complete returns completions of the argument prefix; nil for none.
	complete func(r *repl, prefix string) []string
	run      func(r *repl, arg string)
}

// replCommands is the command table: :help, dispatch and completion all
// read it.
var replCommands []*replCommand

func init() {
	replCommands = []*replCommand{
		{name: "help", abbrev: "h", help: "show this help", run: (*repl).cmdHelp},
		{name: "probes", abbrev: "p", help: "attached probes with their ids and hit counts", run: (*repl).cmdProbes},
		{name: "detach", abbrev: "d", args: "N|all", help: "detach probe N (or all); maps keep their contents", run: (*repl).cmdDetach, complete: completeProbeIDs},
		{name: "maps", abbrev: "m", help: "the session's maps with their types and sizes", run: (*repl).cmdMaps},
		{name: "print", abbrev: "", args: "[@map ...]", help: "print maps (all when none is named)", run: (*repl).cmdPrint, complete: completeMapNames},
		{name: "metrics", abbrev: "", args: "ADDR|off", help: "serve the session's maps to Prometheus at http://ADDR/metrics (as --metrics)", run: (*repl).cmdMetrics},
		{name: "list", abbrev: "l", args: "PATTERN", help: "available probes matching PATTERN (as -l)", run: (*repl).cmdList, complete: completeProbePattern},
		{name: "type", abbrev: "t", args: "'struct NAME'", help: "a kernel type's members from BTF (as -lv 'struct NAME')", run: (*repl).cmdType, complete: completeTypeNames},
		{name: "args", abbrev: "a", args: "PROBE", help: "a probe's arguments (as -lv PROBE)", run: (*repl).cmdArgs, complete: completeProbePattern},
		{name: "asm", abbrev: "", args: "N", help: "the BPF instructions generated for probe N", run: (*repl).cmdAsm, complete: completeProbeIDs},
		{name: "save", abbrev: "s", args: "FILE", help: "write the session's probes and map settings as a runnable script", run: (*repl).cmdSave, complete: completeFiles},
		{name: "load", abbrev: "", args: "FILE", help: "run a script's probes inside the session", run: (*repl).cmdLoad, complete: completeFiles},
		{name: "quit", abbrev: "q", help: "end the session: END probes run, maps are printed (also Ctrl-D)", run: (*repl).cmdQuit},
	}
}

// lookupCommand finds a command by name or abbreviation.
func lookupCommand(name string) *replCommand {
	for _, c := range replCommands {
		if c.name == name || (c.abbrev != "" && c.abbrev == name) {
			return c
		}
	}
	if name == "exit" {
		return lookupCommand("quit")
	}
	return nil
}

// command runs a ':' line.
func (r *repl) command(line string) {
	name, arg, _ := strings.Cut(strings.TrimPrefix(line, ":"), " ")
	c := lookupCommand(name)
	if c == nil {
		fmt.Fprintf(r.errw, "ERROR: unknown command :%s (:help lists them)\n", name)
		return
	}
	c.run(r, strings.TrimSpace(arg))
}

func (r *repl) cmdHelp(string) {
	var b strings.Builder
	b.WriteString("Input: a probe (tracepoint:sched:sched_switch { @[comm] = count(); }) attaches it;\n" +
		"statements (print(@m); @limit = 10) and expressions (1 + 2) run once;\n" +
		"let @m = hash(N); declares a map. Maps live for the whole session.\n" +
		"Ctrl-C cancels the input being typed, or interrupts the system() or cat() of the\n" +
		"input being run; Ctrl-D or :quit ends the session.\n\nCommands:\n")
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, c := range replCommands {
		name := ":" + c.name
		if c.abbrev != "" {
			name += ", :" + c.abbrev
		}
		fmt.Fprintf(tw, "  %s %s\t%s\n", name, c.args, c.help)
	}
	tw.Flush()
	r.out.Write([]byte(b.String()))
}

func (r *repl) cmdProbes(string) {
	units := r.sortedUnits()
	if len(units) == 0 {
		r.out.Write([]byte("no probes attached\n"))
		return
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHITS\tPROBES")
	for _, u := range units {
		hits := "-"
		if n, ok := u.hits(); ok && r.stats != nil {
			hits = strconv.FormatUint(n, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", u.id, hits, strings.Join(u.probeNames(), ", "))
	}
	tw.Flush()
	r.out.Write([]byte(b.String()))
}

func (r *repl) cmdDetach(arg string) {
	if arg == "all" {
		for _, u := range r.sortedUnits() {
			r.detach(u.id)
		}
		fmt.Fprintln(r.errw, "detached all probes")
		return
	}
	id, err := strconv.Atoi(arg)
	if err != nil {
		fmt.Fprintln(r.errw, "ERROR: usage: :detach N|all")
		return
	}
	if !r.detach(id) {
		fmt.Fprintf(r.errw, "ERROR: no probe %d (:probes lists them)\n", id)
		return
	}
	fmt.Fprintf(r.errw, "[%d] detached\n", id)
}

func (r *repl) cmdMaps(string) {
	names := r.pool.Names()
	if len(names) == 0 {
		r.out.Write([]byte("no maps\n"))
		return
	}
	view, err := r.pool.View(strLen())
	if err != nil {
		fmt.Fprintf(r.errw, "ERROR: %v\n", err)
		return
	}
	defer view.Close()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "MAP\tKEY\tVALUE\tENTRIES")
	for _, def := range view.Object.Maps {
		key := "-"
		if def.Key != nil {
			key = def.Key.String()
		}
		n := "?"
		if entries, err := view.ReadMap(def.Name); err == nil {
			n = strconv.Itoa(len(entries))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", def.Name, key, def.Value, n)
	}
	tw.Flush()
	r.out.Write([]byte(b.String()))
}

func (r *repl) cmdPrint(arg string) {
	r.printMaps(strings.Fields(arg))
}

// withListing runs a listing (which writes to the session's writers, the
// shell's) with -lv's verbosity or -l's.
func (r *repl) withListing(verbose bool, f func()) {
	v := r.s.opts.listVerbose
	r.s.opts.listVerbose = verbose
	defer func() { r.s.opts.listVerbose = v }()
	f()
}

func (r *repl) cmdList(arg string) {
	r.withListing(false, func() { r.s.List(unquote(arg)) })
}

func (r *repl) cmdType(arg string) {
	name := unquote(arg)
	if name == "" {
		fmt.Fprintln(r.errw, "ERROR: usage: :type 'struct NAME'")
		return
	}
	r.withListing(true, func() { r.s.List(name) })
}

func (r *repl) cmdArgs(arg string) {
	if arg == "" {
		fmt.Fprintln(r.errw, "ERROR: usage: :args PROBE")
		return
	}
	r.withListing(true, func() { r.s.List(unquote(arg)) })
}

// unquote strips one pair of surrounding quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func (r *repl) cmdAsm(arg string) {
	id, err := strconv.Atoi(arg)
	if err == nil {
		for _, u := range r.sortedUnits() {
			if u.id == id {
				var b strings.Builder
				dumpAsm(&b, u.c.Object)
				r.out.Write([]byte(b.String()))
				return
			}
		}
	}
	fmt.Fprintln(r.errw, "ERROR: usage: :asm N (:probes lists the ids)")
}

// script is the session as a runnable script: the map declarations, the
// inputs that set maps (in a BEGIN block), then the attached probes, in
// order.
func (r *repl) script() string {
	var b strings.Builder
	b.WriteString("#!/usr/bin/env gobpftrace\n// Saved from a gobpftrace interactive session.\n\n")
	for _, d := range r.decls {
		b.WriteString(strings.TrimSuffix(d, ";"))
		b.WriteString(";\n")
	}
	if len(r.decls) > 0 {
		b.WriteString("\n")
	}
	if len(r.saved) > 0 {
		b.WriteString("BEGIN {\n")
		for _, s := range r.saved {
			s = strings.TrimSuffix(s, ";")
			fmt.Fprintf(&b, "\t%s;\n", strings.ReplaceAll(s, "\n", "\n\t"))
		}
		b.WriteString("}\n\n")
	}
	for _, u := range r.sortedUnits() {
		b.WriteString(strings.TrimSpace(u.text))
		b.WriteString("\n\n")
	}
	return b.String()
}

func (r *repl) cmdSave(arg string) {
	if arg == "" {
		fmt.Fprintln(r.errw, "ERROR: usage: :save FILE")
		return
	}
	if err := saveFile(arg, r.script()); err != nil {
		fmt.Fprintf(r.errw, "ERROR: %v\n", err)
		return
	}
	fmt.Fprintf(r.errw, "saved %d probe%s to %s\n", len(r.sortedUnits()), plural(len(r.sortedUnits())), arg)
}

// saveFile writes text to path as os.WriteFile does, except that a FIFO
// without a reader is an error instead of a session that hangs.
func saveFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (r *repl) cmdLoad(arg string) {
	// The script must be a regular file within runtime.MaxSourceSize.
	b, err := runtime.ReadSourceFile(arg)
	if err != nil {
		fmt.Fprintf(r.errw, "ERROR: %v\n", err)
		return
	}
	r.Exec(string(b))
}

func (r *repl) cmdQuit(string) { r.quit = true }

// Completers of command arguments.

func completeProbeIDs(r *repl, prefix string) []string {
	var out []string
	for _, u := range r.sortedUnits() {
		if id := strconv.Itoa(u.id); strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	if strings.HasPrefix("all", prefix) {
		out = append(out, "all")
	}
	return out
}

func completeMapNames(r *repl, prefix string) []string {
	var out []string
	for _, n := range r.pool.Names() {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

func completeProbePattern(r *repl, prefix string) []string {
	return r.completeAttach(prefix)
}

func completeTypeNames(_ *repl, prefix string) []string {
	var out []string
	for _, kw := range []string{"'struct ", "'union ", "'enum "} {
		if strings.HasPrefix(kw, prefix) {
			out = append(out, kw)
		}
	}
	return out
}

func completeFiles(_ *repl, prefix string) []string {
	dir, base := ".", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir, base = prefix[:i+1], prefix[i+1:]
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base) {
			continue
		}
		p := e.Name()
		if dir != "." {
			p = dir + p
		}
		if e.IsDir() {
			p += "/"
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
