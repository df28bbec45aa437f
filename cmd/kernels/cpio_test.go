package main

import (
	"bytes"
	"strconv"
	"testing"
)

// readCpio parses a newc archive independently of the writer: names,
// modes, device numbers and contents, up to the trailer.
func readCpio(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	off := 0
	field := func(i int) uint32 {
		v, err := strconv.ParseUint(string(b[off+6+8*i:off+14+8*i]), 16, 32)
		if err != nil {
			t.Fatalf("header field %d at %d: %v", i, off, err)
		}
		return uint32(v)
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	for {
		if string(b[off:off+6]) != "070701" {
			t.Fatalf("bad magic at %d: %q", off, b[off:off+6])
		}
		mode, size, rmaj, rmin, nsize := field(1), int(field(6)), field(9), field(10), int(field(11))
		name := string(b[off+110 : off+110+nsize-1])
		if b[off+110+nsize-1] != 0 {
			t.Fatalf("name %q not NUL-terminated", name)
		}
		data := align(off + 110 + nsize)
		if name == "TRAILER!!!" {
			if len(b) != align(data) {
				t.Fatalf("%d bytes after the trailer", len(b)-data)
			}
			return out
		}
		out = append(out, cpioEntry{Name: name, Mode: mode, Data: b[data : data+size], Major: rmaj, Minor: rmin})
		off = align(data + size)
	}
}

func TestWriteCpio(t *testing.T) {
	var buf bytes.Buffer
	err := writeCpio(&buf, []cpioEntry{
		{Name: "init", Mode: modeReg | 0o755, Data: []byte("#!/bin/sh\n")},
		{Name: "dev/console", Mode: modeChar | 0o600, Major: 5, Minor: 1},
		{Name: "dev", Mode: modeDir | 0o755},
		{Name: "modules/01-virtio.ko", Mode: modeReg | 0o644, Data: []byte{1, 2, 3}},
		{Name: "modules", Mode: modeDir | 0o755},
	})
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", buf.Len())
	}
	got := readCpio(t, buf.Bytes())
	want := []struct {
		name       string
		mode       uint32
		data       string
		maj, minor uint32
	}{
		{"dev", modeDir | 0o755, "", 0, 0},
		{"dev/console", modeChar | 0o600, "", 5, 1},
		{"init", modeReg | 0o755, "#!/bin/sh\n", 0, 0},
		{"modules", modeDir | 0o755, "", 0, 0},
		{"modules/01-virtio.ko", modeReg | 0o644, "\x01\x02\x03", 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Mode != w.mode || string(g.Data) != w.data || g.Major != w.maj || g.Minor != w.minor {
			t.Errorf("entry %d = %q mode %o data %q dev %d:%d, want %+v", i, g.Name, g.Mode, g.Data, g.Major, g.Minor, w)
		}
	}
	if err := writeCpio(&buf, []cpioEntry{{Name: "/abs"}}); err == nil {
		t.Error("an absolute name must be rejected")
	}
}
