//go:build linux

package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// TestRunEvents: a Run hands each record to Handle after carrying out
// its action (clear() empties @x before the maps are read), decodes it
// (the texts of printf and print, exit's code) and tells exit() through
// Exited; END's events come after Finish's Stop.
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// BEGIN alone fires nothing after start: Wait returns at once, and
	// Stop handles the records in flight.
	if err := run.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if errs := run.Finish(); len(errs) != 0 {
		t.Fatal(errs)
	}
	select {
	case <-run.Exited():
	default:
		t.Error("exit() not seen")
	}
	if n, err := run.Lost(); n != 0 || err != nil {
		t.Errorf("lost %d %v", n, err)
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

// TestRunWait: Wait ends with exit() from an attached probe, or with the
// context.
func TestRunWait(t *testing.T) {
	needRoot(t)
	s, err := Compile("wait.bt", `interval:ms:20 { @ticks = count(); if (@ticks == 3) { exit(); } }`, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := Trace(s, &RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := run.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	run.Finish()
	m, _ := run.Map("@ticks")
	if rows, _ := output.Rows(m, 0, nil); len(rows) != 1 || rows[0].Value.Num != 3 {
		t.Errorf("@ticks %+v, want 3", rows)
	}

	s, _ = Compile("forever.bt", `interval:s:1 { @n = count(); }`, &Options{})
	run2, _, err := Trace(s, &RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run2.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := run2.Wait(ctx2); err != context.DeadlineExceeded {
		t.Errorf("Wait of a run that never ends: %v, want the context's deadline", err)
	}
	run2.Finish()
}
