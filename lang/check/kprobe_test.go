package check

import (
	"strings"
	"testing"
)

// TestKprobeAttachFields: offsets, addresses and modules reach the
// attach point as the runtime needs them (function, offset) and name the
// probe as bpftrace does (offset in decimal, address in decimal).
func TestKprobeAttachFields(t *testing.T) {
	cases := []struct {
		src, name, fn string
		off           uint64
	}{
		{"kprobe:vfs_read+0 {}", "kprobe:vfs_read", "vfs_read", 0},
		{"kprobe:vfs_read+0x10 {}", "kprobe:vfs_read+16", "vfs_read", 16},
		{"k:vfs_read+7 {}", "kprobe:vfs_read+7", "vfs_read", 7},
		{"kprobe:0xffffffff816bab74 {}", "kprobe:18446744071585901428", "vfs_read", 4},
		{"kprobe:nf_tables:nf_tables_newtable {}", "kprobe:nf_tables:nf_tables_newtable", "nf_tables_newtable", 0},
		{"kretprobe:vfs_caches_init {}", "kretprobe:vfs_caches_init", "vfs_caches_init", 0},
	}
	for _, c := range cases {
		_, info, diags, src := checkText(c.src, &Config{Unsafe: true})
		if diags.HasErrors() {
			t.Errorf("%s: %s", c.src, src.Render(diags))
			continue
		}
		a := info.Instances[0].Attach
		if a.Name != c.name || a.Func != c.fn || a.Offset != c.off {
			t.Errorf("%s: name %q func %q offset %d; want %q %q %d", c.src, a.Name, a.Func, a.Offset, c.name, c.fn, c.off)
		}
	}
}

// TestKprobeAddressNeedsUnsafe: an address is passed to the kernel
// unchecked, so it needs --unsafe, as in bpftrace.
func TestKprobeAddressNeedsUnsafe(t *testing.T) {
	_, _, diags, src := checkText("kprobe:0xffffffff816bab74 {}", &Config{})
	if got := src.Render(diags); !strings.Contains(got, "ERROR: Probing by address requires --unsafe") {
		t.Errorf("got %q", got)
	}
}

// TestKprobeMissingModes: missing_probes decides what a missing function
// is: an error, a warning ending in "Skipping.", or nothing at all (no
// "not traceable" warning either).
func TestKprobeMissingModes(t *testing.T) {
	for mode, want := range map[string][]string{
		"warn":   {"WARNING: nonsense is not traceable", "WARNING: No matches for kprobe nonsense. Skipping.", "WARNING: Probe has no valid attach points."},
		"ignore": nil,
		"error":  {"WARNING: nonsense is not traceable", "ERROR: No matches for kprobe nonsense."},
	} {
		_, _, diags, src := checkText(`config = { missing_probes = "`+mode+`" } kprobe:nonsense {} BEGIN {}`, &Config{})
		got := src.Render(diags)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: missing %q in:\n%s", mode, w, got)
			}
		}
		if n := strings.Count(got, ": WARNING: ") + strings.Count(got, ": ERROR: "); n != len(want) {
			t.Errorf("%s: %d diagnostics, want %d:\n%s", mode, n, len(want), got)
		}
	}
}

// TestBPFProgsLimit: a script may generate at most max_bpf_progs
// programs; the attach point that passes the limit is the error, with
// bpftrace's hint. A kprobe wildcard whose body does not depend on the
// function is one program; with probe it is one per function.
func TestBPFProgsLimit(t *testing.T) {
	const wild = "kprobe:vfs_* { @[probe] = count(); }"
	_, _, diags, src := checkText("BEGIN {} "+wild, &Config{MaxBPFProgs: 2})
	got := src.Render(diags)
	want := "stdin:1:10-22: ERROR: Your program is trying to generate more than 3 BPF programs, which exceeds the current limit of 2\n" +
		"BEGIN {} " + wild + "\n         ~~~~~~~~~~~~\n" +
		"HINT: You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable.\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// The config block sets the limit when the environment does not.
	if _, _, diags, src := checkText("config = { max_bpf_progs = 1 } "+wild, &Config{}); !strings.Contains(src.Render(diags), "limit of 1\n") {
		t.Errorf("config block: %s", src.Render(diags))
	}
	if _, _, diags, src := checkText("config = { max_bpf_progs = 1 } "+wild, &Config{MaxBPFProgs: 2}); diags.HasErrors() {
		t.Errorf("the environment's limit wins: %s", src.Render(diags))
	}
	// One shared program, within a limit of 2 with BEGIN.
	if _, _, diags, src := checkText("BEGIN {} kprobe:vfs_* { @ = count(); }", &Config{MaxBPFProgs: 2}); diags.HasErrors() {
		t.Errorf("shared program: %s", src.Render(diags))
	}
}

// TestProbeWithoutAttachPoints: with missing_probes = warn, a probe none of
// whose attach points exists is removed with bpftrace's warning, after the
// warnings of its attach points.
func TestProbeWithoutAttachPoints(t *testing.T) {
	_, info, diags, src := checkText(`config = { missing_probes = "warn" } kprobe:vfs_read { } kprobe:nonsense, tracepoint:syscalls:nonsense { }`, &Config{})
	got := src.Render(diags)
	want := "stdin:1:58-103: WARNING: Probe has no valid attach points. It is being removed which may cause issues with program behavior."
	if !strings.Contains(got, want) || strings.Count(got, "no valid attach points") != 1 {
		t.Errorf("got:\n%s\nwant a line %q", got, want)
	}
	if len(info.Instances) != 1 {
		t.Errorf("%d instances, want 1", len(info.Instances))
	}
}
