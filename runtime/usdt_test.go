package runtime

import (
	"os"
	"testing"
)

func TestUSDTProbesPython(t *testing.T) {
	const python = "/usr/bin/python3.11"
	fi, err := os.Stat(python)
	if err != nil {
		t.Skipf("%s not installed: %v", python, err)
	}
	h := &Host{}
	probes, err := h.USDTProbes(python, "python", "gc__start")
	if err != nil {
		t.Fatal(err)
	}
	if len(probes) == 0 {
		t.Fatal("python:gc__start not found")
	}
	for _, p := range probes {
		if p.Provider != "python" || p.Name != "gc__start" || len(p.Args) != 1 {
			t.Errorf("got %+v, want python:gc__start with 1 argument", p)
		}
		if p.Offset == 0 || p.Offset >= uint64(fi.Size()) {
			t.Errorf("probe offset %#x outside the file (%d bytes)", p.Offset, fi.Size())
		}
		if p.RefCtrOffset >= uint64(fi.Size()) {
			t.Errorf("semaphore offset %#x outside the file (%d bytes)", p.RefCtrOffset, fi.Size())
		}
	}
	all, err := h.USDTProbes(python, "", "*")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 5 {
		t.Errorf("only %d probes in %s", len(all), python)
	}
	gc, err := h.USDTProbes(python, "*", "gc__*")
	if err != nil || len(gc) != 2 {
		t.Errorf("gc__* = %+v, %v; want gc__done and gc__start", gc, err)
	} else if gc[0].Name != "gc__done" || gc[1].Name != "gc__start" {
		t.Errorf("gc__* not sorted: %+v", gc)
	}
}

func TestParseStapsdtNotesEmpty(t *testing.T) {
	n, err := parseStapsdtNotes(nil, nil)
	if err != nil || len(n) != 0 {
		t.Errorf("got %v, %v", n, err)
	}
}
