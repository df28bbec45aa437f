package main

import (
	"strings"
	"testing"
)

// A full map is reported, not silently truncated, and sizes come from the
// environment, the config block and map declarations.
func TestMapFullReported(t *testing.T) {
	needRoot(t)
	for _, c := range []struct {
		name string
		env  []string
		prog string
		keys int
	}{
		{"env", []string{"BPFTRACE_MAX_MAP_KEYS=10"}, `BEGIN { $i = 0; while ($i < 50) { @m[$i] = 1; $i++; } exit(); }`, 10},
		{"config", nil, `config = { max_map_keys = 5 } BEGIN { $i = 0; while ($i < 20) { @m[$i] = count(); $i++; } exit(); }`, 5},
		{"let", nil, `let @m = hash(3); BEGIN { $i = 0; while ($i < 9) { @m[$i] = $i; $i++; } exit(); }`, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-q", "-e", c.prog}, env: c.env})
			expectCode(t, r, 0)
			matchAll(t, "stderr", r.stderr, `(?m)^WARNING: Map full; can't update element: @m dropped \d+ updates \(capacity `)
			if n := countLines(r.stdout, "@m["); n != c.keys {
				t.Errorf("printed %d keys, want %d:\n%s", n, c.keys, r.stdout)
			}
		})
	}
}

func countLines(text, prefix string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}
