//go:build linux

package engine

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime/internal/kerneltest"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// TestUnits: units share their maps: a later unit adds to the value an
// earlier one stored (its integer type widened, so any integer fits), a
// unit that does not name the map is loaded without it, and the map
// outlives the units.
func TestUnits(t *testing.T) {
	kerneltest.RequireRoot(t)
	units, err := NewUnits()
	if err != nil {
		t.Fatal(err)
	}
	defer units.Close()
	run := func(text string) *Run {
		t.Helper()
		s, err := Parse("unit", text)
		if err == nil {
			err = units.Check(s, &Options{})
		}
		if err == nil {
			err = s.Generate(&Options{})
		}
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		r, _, err := units.Load(s, &RunOptions{})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if errs := r.Begin(); len(errs) != 0 {
			t.Fatal(errs)
		}
		return r
	}
	first := run(`BEGIN { @shared = 5; }`)
	first.Close()
	second := run(`BEGIN { @shared += 1000000000000; @own = 1; }`)
	defer second.Close()
	m, err := second.Map("@shared")
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := output.Rows(m, 0, nil); len(rows) != 1 || rows[0].Value.Num != 1000000000005 {
		t.Errorf("@shared %+v, want 1000000000005", rows)
	}
	third := run(`BEGIN { @own = 2; }`)
	defer third.Close()
	if third.Loaded.Map("@shared") != nil {
		t.Error("a unit that does not name @shared was loaded with it")
	}
	view, err := units.Pool().View(0)
	if err != nil {
		t.Fatal(err)
	}
	defer view.Close()
	m, err = view.OutputMap("@own")
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := output.Rows(m, 0, nil); len(rows) != 1 || rows[0].Value.Num != 2 {
		t.Errorf("@own %+v, want 2", rows)
	}
}
