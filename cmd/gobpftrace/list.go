package main

import (
	"fmt"
	"strings"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// List prints the probes matching pattern (-l), with their arguments when
// -lv was given. Only tracepoints can be listed so far; BEGIN, END,
// interval and profile need no listing.
func (s *Session) List(pattern string) int {
	if err := runtime.CheckPrivileges(); err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	tpPattern := "*:*"
	if pattern != "" {
		provider, rest, found := strings.Cut(pattern, ":")
		switch {
		case !found:
			tpPattern = "*:" + pattern
		case provider == "tracepoint" || provider == "t":
			tpPattern = rest
		case strings.ContainsAny(provider, "*?"):
			tpPattern = rest
		default:
			fmt.Fprintf(s.Stderr, "ERROR: listing %s probes is not supported yet\n", provider)
			return exitUsage
		}
		if !strings.Contains(tpPattern, ":") {
			tpPattern += ":*"
		}
	}
	list, err := s.Host().ListTracepoints(tpPattern, s.opts.listVerbose)
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitRuntime
	}
	var b strings.Builder
	for _, tp := range list {
		b.WriteString("tracepoint:")
		b.WriteString(tp.Name)
		b.WriteByte('\n')
		for _, f := range tp.Fields {
			b.WriteString("    ")
			b.WriteString(f)
			b.WriteByte('\n')
		}
	}
	fmt.Fprint(s.Stdout, b.String())
	return exitOK
}
