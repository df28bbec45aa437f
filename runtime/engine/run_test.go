//go:build linux

package engine

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/internal/kerneltest"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// TestRunEvents: a Run hands each record to Handle after carrying out
// its action (clear() empties @x before the maps are read), decodes it
// (the texts of printf and print, exit's code) and tells exit() through
// Exited; END's events come after Finish's Stop.
func TestRunEvents(t *testing.T) {
	kerneltest.RequireRoot(t)
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
	kerneltest.RequireRoot(t)
	run := traced(t, `interval:ms:20 { @ticks = count(); if (@ticks == 3) { exit(); } }`)
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

	run2 := traced(t, `interval:s:1 { @n = count(); }`)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := run2.Wait(ctx2); err != context.DeadlineExceeded {
		t.Errorf("Wait of a run that never ends: %v, want the context's deadline", err)
	}
	run2.Finish()
}

// TestRunQuiesce: Stop stops the probes at once but leaves the slow part
// of detaching (closing perf events) to Close.
func TestRunQuiesce(t *testing.T) {
	kerneltest.RequireRoot(t)
	run := traced(t, `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @calls = count(); }`, strconv.Itoa(os.Getpid()))
	calls := func() uint64 {
		t.Helper()
		m, err := run.Map("@calls")
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := output.Rows(m, 0, nil)
		if len(rows) == 0 {
			return 0
		}
		return rows[0].Value.Num
	}
	for range 3 {
		syscall.Getppid()
	}
	if n := calls(); n != 3 {
		t.Fatalf("@calls %d before Stop, want 3", n)
	}
	attached := run.Loaded.Attached()
	if err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		syscall.Getppid()
	}
	if n := calls(); n != 3 {
		t.Errorf("@calls %d after Stop, want 3: the probe still fires", n)
	}
	if n := run.Loaded.Attached(); n != attached || n == 0 {
		t.Errorf("%d attachments after Stop, want the %d perf events still open (closed by Close)", n, attached)
	}
	run.End()
	if err := run.Loaded.Detach(); err != nil || run.Loaded.Attached() != 0 {
		t.Errorf("Detach: %v, %d left", err, run.Loaded.Attached())
	}
}

// traced compiles text with params and runs it (Trace), closing the run
// when the test ends.
func traced(t *testing.T, text string, params ...string) *Run {
	t.Helper()
	s, err := Compile("test.bt", text, &Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := Trace(s, &RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	return run
}
