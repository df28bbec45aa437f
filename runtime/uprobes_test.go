//go:build linux

package runtime

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestResolveBinaryLibc(t *testing.T) {
	h := NewHost(nil)
	p, err := h.ResolveBinary("libc")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(p) || !strings.HasSuffix(p, "libc.so.6") {
		t.Errorf("ResolveBinary(libc) = %q, want an absolute path ending in libc.so.6", p)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("resolved libc does not exist: %v", err)
	}
	p2, err := h.ResolveBinary("libc.so.6")
	if err != nil || p2 != p {
		t.Errorf("ResolveBinary(libc.so.6) = %q, %v; want %q", p2, err, p)
	}
	// Cached: same answer again.
	if p3, err := h.ResolveBinary("libc"); err != nil || p3 != p {
		t.Errorf("second ResolveBinary(libc) = %q, %v", p3, err)
	}
}

func TestResolveBinaryPaths(t *testing.T) {
	h := NewHost(nil)
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("no /bin/bash")
	}
	p, err := h.ResolveBinary("/bin/bash")
	if err != nil || p != "/bin/bash" {
		t.Errorf("ResolveBinary(/bin/bash) = %q, %v", p, err)
	}
	p, err = h.ResolveBinary("bash")
	if err != nil || !filepath.IsAbs(p) || filepath.Base(p) != "bash" {
		t.Errorf("ResolveBinary(bash) = %q, %v", p, err)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prog"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	p, err = h.ResolveBinary("./prog")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Abs("prog")
	if p != want || !filepath.IsAbs(p) {
		t.Errorf("ResolveBinary(./prog) = %q, want %q", p, want)
	}
	if _, err := h.ResolveBinary("./missing"); err == nil {
		t.Error("ResolveBinary(./missing) succeeded")
	}
	if _, err := h.ResolveBinary("no-such-program-xyz"); err == nil {
		t.Error("ResolveBinary(no-such-program-xyz) succeeded")
	}
}

func TestResolveBinaryMissingLibrary(t *testing.T) {
	_, err := NewHost(nil).ResolveBinary("libnosuchlib")
	want := "uprobe target 'libnosuchlib' not found: no such library in /etc/ld.so.cache or the library directories"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestFuncSymbolsLibc(t *testing.T) {
	h := NewHost(nil)
	libc, err := h.ResolveBinary("libc")
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.FuncSymbols(libc, "getpid")
	if err != nil || !reflect.DeepEqual(got, []string{"getpid"}) {
		t.Errorf("FuncSymbols(libc, getpid) = %q, %v", got, err)
	}
	got, err = h.FuncSymbols(libc, "getpi*")
	if err != nil || !slices.Contains(got, "getpid") {
		t.Errorf("FuncSymbols(libc, getpi*) = %q, %v", got, err)
	}
	if !slices.IsSorted(got) {
		t.Errorf("not sorted: %q", got)
	}
	for _, n := range got {
		if strings.Contains(n, "@") {
			t.Errorf("version suffix kept: %q", n)
		}
	}
	if got, err := h.FuncSymbols(libc, "no_such_function_xyz"); err != nil || len(got) != 0 {
		t.Errorf("missing function = %q, %v; want empty, nil", got, err)
	}
	if got, err := h.FuncSymbols(libc, "no_such_*_xyz"); err != nil || len(got) != 0 {
		t.Errorf("unmatched wildcard = %q, %v; want empty, nil", got, err)
	}
	if _, err := h.FuncSymbols(libc, "[bad"); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestFuncSymbolsBash(t *testing.T) {
	h := NewHost(nil)
	bash, err := h.ResolveBinary("bash")
	if err != nil {
		t.Skip("no bash:", err)
	}
	got, err := h.FuncSymbols(bash, "read_*")
	if err != nil || len(got) == 0 {
		t.Errorf("FuncSymbols(bash, read_*) = %q, %v", got, err)
	}
	if _, err := h.FuncSymbols("/no/such/file", "x"); err == nil {
		t.Error("missing file accepted")
	}
	notELF := filepath.Join(t.TempDir(), "script")
	os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755)
	if _, err := h.FuncSymbols(notELF, "*"); err == nil {
		t.Error("non-ELF file accepted")
	}
}

// ldFixtureEntry is one entry written by buildLdSoCache.
type ldFixtureEntry struct {
	flags      int32
	key, value string
	hwcap      uint64
}

// buildLdSoCache writes a cache in the "glibc-ld.so.cache1.1" format,
// preceded by an "ld.so-1.7.0" part when old is set (as old glibc's
// ldconfig -c compat wrote it).
func buildLdSoCache(entries []ldFixtureEntry, old bool) []byte {
	le := binary.LittleEndian
	// The new part: header, entries, then strings (offsets from its start).
	strOff := uint32(48 + 24*len(entries))
	var strs bytes.Buffer
	add := func(s string) uint32 {
		off := strOff + uint32(strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		return off
	}
	var nw bytes.Buffer
	nw.WriteString("glibc-ld.so.cache1.1")
	binary.Write(&nw, le, uint32(len(entries)))
	lenStrings := nw.Len() // patched below
	binary.Write(&nw, le, uint32(0))
	nw.Write([]byte{2, 0, 0, 0})       // flags: little endian; padding
	binary.Write(&nw, le, uint32(0))   // extension offset
	binary.Write(&nw, le, [3]uint32{}) // unused
	for _, e := range entries {
		binary.Write(&nw, le, e.flags)
		binary.Write(&nw, le, add(e.key))
		binary.Write(&nw, le, add(e.value))
		binary.Write(&nw, le, uint32(0)) // osversion
		binary.Write(&nw, le, e.hwcap)
	}
	nw.Write(strs.Bytes())
	out := nw.Bytes()
	le.PutUint32(out[lenStrings:], uint32(strs.Len()))
	if !old {
		return out
	}
	// The old part: junk entries (their strings are never read) padded to
	// the 8-byte alignment of the new header.
	var od bytes.Buffer
	od.WriteString("ld.so-1.7.0\x00")
	binary.Write(&od, le, uint32(3))
	for i := 0; i < 3; i++ {
		binary.Write(&od, le, [3]uint32{3, 0xdead, 0xbeef})
	}
	for od.Len()%8 != 0 {
		od.WriteByte(0)
	}
	od.Write(out)
	return od.Bytes()
}

func TestLdSoCacheParse(t *testing.T) {
	entries := []ldFixtureEntry{
		{0x0303, "libssl.so.3", "/x/lib64/libssl.so.3", 0},
		{0x0303, "libssl.so", "/x/lib64/libssl.so", 0},
		{0x0303, "libfoo.so.1.10", "/x/lib64/libfoo.so.1.10", 0},
		{0x0303, "libfoo.so.1.9", "/x/lib64/libfoo.so.1.9", 0},
		{0x0003, "libc.so.6", "/x/lib32/libc.so.6", 0},
		{0x0303, "libc.so.6", "/x/lib64/libc.so.6", 1 << 62},
		{0x0303, "libcrypt.so.1", "/x/lib64/libcrypt.so.1", 0},
		{0x0003, "libonly32.so.2", "/x/lib32/libonly32.so.2", 0},
	}
	for _, old := range []bool{false, true} {
		data := buildLdSoCache(entries, old)
		got, err := parseLdSoCache(data)
		if err != nil {
			t.Fatalf("old=%v: %v", old, err)
		}
		if len(got) != len(entries) {
			t.Fatalf("old=%v: %d entries, want %d", old, len(got), len(entries))
		}
		for i, e := range entries {
			g := got[i]
			if g.Flags != e.flags || g.Key != e.key || g.Value != e.value || g.HWCap != e.hwcap {
				t.Errorf("old=%v: entry %d = %+v, want %+v", old, i, g, e)
			}
		}
	}

	parsed, _ := parseLdSoCache(buildLdSoCache(entries, false))
	tests := []struct {
		name string
		want string // first choice; "" for none
	}{
		{"libc", "/x/lib64/libc.so.6"},      // arch entry beats the 32-bit one
		{"libc.so.6", "/x/lib64/libc.so.6"}, // exact soname
		{"libssl", "/x/lib64/libssl.so.3"},  // runtime library beats libssl.so
		{"libssl.so", "/x/lib64/libssl.so"}, // exact beats versioned
		{"libfoo", "/x/lib64/libfoo.so.1.10"},
		{"libonly32", "/x/lib32/libonly32.so.2"}, // other arch as a fallback
		{"libcr", ""},
		{"libnosuch", ""},
	}
	for _, tt := range tests {
		got := pickLibrary(parsed, tt.name, 0x0303)
		first := ""
		if len(got) > 0 {
			first = got[0]
		}
		if first != tt.want {
			t.Errorf("pickLibrary(%q) = %q, want first %q", tt.name, got, tt.want)
		}
	}
	if got := pickLibrary(parsed, "libc", 0x0303); len(got) != 2 {
		t.Errorf("pickLibrary(libc) = %q, want both libc entries", got)
	}
}

func TestLdSoCacheErrors(t *testing.T) {
	good := buildLdSoCache([]ldFixtureEntry{{0x0303, "libc.so.6", "/lib/libc.so.6", 0}}, false)
	for name, data := range map[string][]byte{
		"empty":         nil,
		"bad magic":     []byte("not a cache at all, no no no no no no no no no no"),
		"short header":  good[:30],
		"short entries": good[:60],
		"bad version":   append([]byte("glibc-ld.so.cache9.9"), good[20:]...),
		"bad offset": func() []byte {
			d := bytes.Clone(good)
			binary.LittleEndian.PutUint32(d[48+4:], 1<<20)
			return d
		}(),
		"old truncated": []byte("ld.so-1.7.0\x00\x05\x00\x00\x00"),
	} {
		if _, err := parseLdSoCache(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLdSoCacheOldOnly(t *testing.T) {
	// Old format alone: strings are relative to the end of the entries.
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("ld.so-1.7.0\x00")
	binary.Write(&b, le, uint32(1))
	binary.Write(&b, le, [3]uint32{0x0303, 0, 10})
	b.WriteString("libz.so.1\x00/lib/libz.so.1\x00")
	got, err := parseLdSoCache(b.Bytes())
	want := []ldCacheEntry{{Flags: 0x0303, Key: "libz.so.1", Value: "/lib/libz.so.1"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

func TestLdSoCacheMachine(t *testing.T) {
	data, err := os.ReadFile(ldSoCachePath)
	if err != nil {
		t.Skip(err)
	}
	entries, err := parseLdSoCache(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no entries")
	}
	for _, e := range entries {
		if e.Key == "" || !strings.HasPrefix(e.Value, "/") {
			t.Errorf("odd entry %+v", e)
		}
	}
}

func TestUprobeLibraryDirsSearch(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"libbar.so", "libbar.so.2", "libbar.so.10", "libbarx.so.1"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	got := searchLibraryDirs([]string{"/no/such/dir", dir}, "libbar")
	want := []string{
		filepath.Join(dir, "libbar.so.10"),
		filepath.Join(dir, "libbar.so.2"),
		filepath.Join(dir, "libbar.so"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
