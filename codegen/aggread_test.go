//go:build linux

package codegen_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Reading aggregation maps in a probe: the per-CPU slots are combined in
// the kernel (codegen/aggread.go).

// percpuWant is the error of a per-CPU read on a kernel without
// bpf_map_lookup_percpu_elem.
const percpuWant = "ERROR: reading the value of aggregation map %s in a probe needs the helper bpf_map_lookup_percpu_elem, which this kernel lacks (Linux 5.19 or later has it)"

// percpuReads reports whether this kernel lets a probe read per-CPU
// aggregations (bpf_map_lookup_percpu_elem, Linux 5.19). On a kernel
// without it, it checks that script compiles to one error at the first
// read (see checkPercpuError), which names the helper and the version.
func percpuReads(t *testing.T, script, read, at string) bool {
	t.Helper()
	requireRoot(t)
	if runtime.HavePercpuLookup() {
		return true
	}
	_, src, gd := compileLiveDiags(t, script)
	checkPercpuError(t, src, gd, read, at)
	return false
}

// checkPercpuError checks that gd is the one error of a per-CPU read: the
// map expression read, at the start of the first occurrence of at.
func checkPercpuError(t *testing.T, src *diag.Source, gd *diag.List, read, at string) {
	t.Helper()
	errs := gd.Errors()
	if len(errs) != 1 {
		t.Fatalf("%d errors, want 1:\n%s", len(errs), src.Render(gd))
	}
	start := strings.Index(src.Text, at)
	if d := errs[0]; d.Span.Start != start || d.Span.End != start+len(read) || d.Code != diag.CodeUnsupported {
		t.Errorf("error at %d-%d (%s), want %d-%d (%q, unsupported)", d.Span.Start, d.Span.End, d.Code, start, start+len(read), read)
	}
	name, _, _ := strings.Cut(read, "[")
	if got, want := src.Render(gd), fmt.Sprintf(percpuWant, name); !strings.Contains(got, want) {
		t.Errorf("error:\n%s\nwant it to contain %q", got, want)
	}
}

func TestSelfAggRead(t *testing.T) {
	if !percpuReads(t, `begin { @a = count(); printf("%d\n", (uint64)@a); }`, "@a", "@a)") {
		return
	}
	// bpftrace's runtime tests.
	expectRun(t, `begin { @a = count(); @b = sum(10); printf("%d-%d\n", (uint64)@a, (int64)@b); exit(); }`,
		"1-10\n\n\n@a: 1\n@b: 10\n")
	expectRun(t, `begin { @ = count(); @ = count(); if (@ > 1) { printf("yes\n"); } exit(); }`,
		"yes\n\n\n@: 2\n")
	expectRun(t, `begin { @c[1] = count(); @m = max(5); @m = max(9); @mn = min(-3); @av = avg(10); @av = avg(20); printf("%d %d %d %d\n", @c[1], @m, @mn, @av); exit(); }`,
		"1 9 -3 15\n\n\n@av: 15\n@c[1]: 1\n@m: 9\n@mn: -3\n")
	// Absent keys read as 0; reads in tuples, as keys and as values.
	expectRun(t, `BEGIN { printf("%d %d %d %d\n", @c[5], @mm[2], @q, @s); @c[1] = count(); @mm[1] = min(1); @q = avg(1); @s = sum(3); @a = count(); @a = count(); @x = (@a, 1); @y[@a] = @s; @z = @a + @s; }`,
		"0 0 0 0\n\n\n@a: 2\n@c[1]: 1\n@mm[1]: 1\n@q: 1\n@s: 3\n@x: (2, 1)\n@y[2]: 3\n@z: 5\n")
	// Signed and unsigned extremes, sums and averages (C division).
	expectRun(t, `BEGIN { @n = max(-5); @n = max(-7); @u = max((uint64)-1); @u = max((uint64)3); @lo = min((uint64)-1); @mi = min(5); @mi = min(-9); @mi = min(3); @s = sum(-3); @s = sum(1); @av = avg(-7); @av = avg(2); @ua = avg((uint64)7); @ua = avg((uint64)2); printf("%ld %lu %lu %ld %ld %ld %lu\n", @n, @u, @lo, @mi, @s, @av, @ua); clear(@n); clear(@u); clear(@lo); clear(@mi); clear(@s); clear(@av); clear(@ua); }`,
		"-5 18446744073709551615 18446744073709551615 -9 -2 -2 4\n\n\n")
	// A read in the key of a read, in a loop, and in a condition.
	expectRun(t, `BEGIN { @a = count(); @v[1] = sum(7); $i = 0; $t = 0; while ($i < 3) { @w = count(); $t += @w; $i++; } if (@w == 3 && @v[@a] > 6) { printf("%d %d\n", @v[@a], $t); } clear(@a); clear(@v); clear(@w); }`,
		"7 6\n\n\n")
	// An aggregation in a map declared with a shared kind has one slot.
	expectRun(t, `let @a = lruhash(10); BEGIN { @a[1] = count(); @a[1] = count(); printf("%d %d\n", @a[1], @a[2]); }`,
		"2 0\n\n\n@a[1]: 2\n")
	// Reads are verified one after the other: many in one program stay
	// within the verifier's limits.
	expectRun(t, `BEGIN { @c = count(); @m = max(4); @a = avg(2); printf("%d %d %d %d %d %d %d %d %d\n", @c, @m, @a, @c + 1, @m + 1, @a + 1, @c * 2, @m * 2, @a * 2); exit(); }`,
		"1 4 2 2 5 3 2 8 4\n\n\n@a: 2\n@c: 1\n@m: 4\n")
}

// TestSelfAggReadCPUs fills every possible CPU's slot from user space and
// checks that a probe combines them like the printer does: count and sum
// add up, min/max skip slots whose "set" flag is 0, avg divides the summed
// totals by the summed counts.
func TestSelfAggReadCPUs(t *testing.T) {
	script := `BEGIN { printf("%lu %ld %ld %ld %ld %lu %lu\n", @c, @s, @mn, @mx, @av, @um, @none); }
END { @c = count(); @s = sum(-1); @mn = min(-1); @mx = max(-1); @av = avg(-1); @um = max((uint64)1); @none = max((uint64)1); }`
	if !percpuReads(t, script, "@c", "@c,") {
		return
	}
	obj := compileLive(t, script)
	l := load(t, obj)
	n := l.NumCPU()
	if n > 1024 {
		t.Skipf("%d possible CPUs: reads combine the first 1024", n)
	}
	key := make([]byte, 8)
	slots := func(size int, fill func(cpu int, slot []byte)) [][]byte {
		vs := make([][]byte, n)
		for cpu := range vs {
			vs[cpu] = make([]byte, size)
			fill(cpu, vs[cpu])
		}
		return vs
	}
	put := func(name string, vs [][]byte) {
		t.Helper()
		k := key
		if lm, ok := l.LoadedMap(name); ok && lm.Array {
			k = key[:4] // scalar aggregations are per-CPU arrays
		}
		if err := l.Map(name).Put(k, vs); err != nil {
			t.Fatalf("filling %s: %v", name, err)
		}
	}
	le := binary.LittleEndian
	var wantS, wantTotal, wantCount int64
	wantMin, wantMax := int64(1000), int64(-1000)
	put("@c", slots(8, func(cpu int, b []byte) { le.PutUint64(b, uint64(cpu+1)) }))
	put("@s", slots(8, func(cpu int, b []byte) {
		v := int64(cpu*3 - 5)
		wantS += v
		le.PutUint64(b, uint64(v))
	}))
	// Odd CPUs hold values beyond every set one, with the flag clear.
	put("@mn", slots(16, func(cpu int, b []byte) {
		v, set := int64(100-7*cpu), cpu%2 == 0
		if !set {
			v = -1 << 40
		} else {
			wantMin = min(wantMin, v)
		}
		le.PutUint64(b, uint64(v))
		if set {
			le.PutUint64(b[8:], 1)
		}
	}))
	put("@mx", slots(16, func(cpu int, b []byte) {
		v, set := int64(-100+7*cpu), cpu%2 == 0
		if !set {
			v = 1 << 40
		} else {
			wantMax = max(wantMax, v)
		}
		le.PutUint64(b, uint64(v))
		if set {
			le.PutUint64(b[8:], 1)
		}
	}))
	put("@av", slots(16, func(cpu int, b []byte) {
		total, count := int64(-10*(cpu+1)), int64(cpu%3)
		wantTotal += total
		wantCount += count
		le.PutUint64(b, uint64(total))
		le.PutUint64(b[8:], uint64(count))
	}))
	// Unsigned max: the last CPU holds the top bit, which is the largest.
	put("@um", slots(16, func(cpu int, b []byte) {
		v := uint64(cpu)
		if cpu == n-1 {
			v = 1 << 63
		}
		le.PutUint64(b, v)
		le.PutUint64(b[8:], 1)
	}))
	// A key present on every CPU but set on none reads as 0.
	put("@none", slots(16, func(int, []byte) {}))
	wantAvg := int64(0)
	if wantCount != 0 {
		wantAvg = wantTotal / wantCount
	}
	wantUm := uint64(1 << 63)
	want := fmt.Sprintf("%d %d %d %d %d %d 0\n", n*(n+1)/2, wantS, wantMin, wantMax, wantAvg, wantUm)
	got := runBeginOnly(t, obj, l)
	expect(t, script, got, want)
}

// runBeginOnly runs the BEGIN programs of a loaded object and returns
// their printf output.
func runBeginOnly(t *testing.T, obj *codegen.Object, l *runtime.Loaded) string {
	t.Helper()
	res := testResolver{obj}
	var out strings.Builder
	rd, err := l.NewEventReader(func(rec []byte) {
		out.Write(printfText(t, obj, res, rec))
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for _, p := range l.Programs {
		if p.Kind == stdlib.Begin {
			if err := l.RunOnce(p); err != nil {
				t.Fatalf("running %s: %v", p.Probe, err)
			}
		}
	}
	if err := rd.Drain(); err != nil {
		t.Fatalf("drain: %v", err)
	}
	rd.Stop()
	return out.String()
}
