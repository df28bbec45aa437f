//go:build linux

package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// TestRunEvents: a Run hands each record to Handle after carrying out
// its action (clear() empties @x before the maps are read), decodes it
// (the texts of printf, print and join, exit's code) and tells exit()
// through Exited; END's events come after Finish's Stop.
func TestRunEvents(t *testing.T) {
	needRoot(t)
	s, err := Compile("events.bt", `BEGIN { printf("hello %d\n", 42); print(7); @x = 1; clear(@x); @y = 2; exit(3); }
END { printf("end\n"); }`, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	var run *Run
	var texts []string
	code := -1
	run, _, err = Load(s, &RunOptions{Handle: func(rec []byte) {
		e, ok := run.Event(rec)
		if !ok {
			t.Errorf("undecodable record % x", rec)
			return
		}
		if text := e.AppendText(nil, nil); len(text) > 0 {
			texts = append(texts, string(text))
		}
		if e.Def.Kind == codegen.EventExit {
			code = e.ExitCode()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if errs := run.Begin(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if warns, errs := run.Start(); len(warns)+len(errs) != 0 {
		t.Fatal(warns, errs)
	}
	select {
	case <-run.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("exit() not seen")
	}
	if errs := run.Finish(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if got := strings.Join(texts, ""); got != "hello 42\n7\nend\n" {
		t.Errorf("texts %q", got)
	}
	if code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	for name, want := range map[string]int{"@x": 0, "@y": 1} {
		m, err := run.Map(name)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := output.Rows(m, 0, nil)
		if len(rows) != want {
			t.Errorf("%s: %d rows, want %d", name, len(rows), want)
		}
	}
}
