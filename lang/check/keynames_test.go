package check

import (
	"slices"
	"testing"
)

func TestKeyNames(t *testing.T) {
	tests := []struct {
		src  string
		m    string
		want []string // nil: scalar map
	}{
		{`kprobe:vfs_read { @c[comm] = count(); }`, "@c", []string{"comm"}},
		{`kprobe:vfs_read { @[pid, tid, cpu, uid] = count(); }`, "@", []string{"pid", "tid", "cpu", "uid"}},
		{`kprobe:vfs_read { @[probe, func] = count(); }`, "@", []string{"probe", "func"}},
		{`kprobe:vfs_read { @x = count(); }`, "@x", nil},
		// Fields in both dialects, through a variable too.
		{`tracepoint:syscalls:sys_exit_read { @[args.ret] = count(); }`, "@", []string{"ret"}},
		{`tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }`, "@", []string{"filename"}},
		{`kprobe:vfs_read { $t = curtask; @[$t->pid] = count(); }`, "@", []string{"pid"}},
		// Variables, calls, str() of a name and of something else.
		{`kprobe:vfs_read { $x = 1; @[$x] = 1; }`, "@", []string{"x"}},
		{`kprobe:vfs_read { @[ustack(3), kstack] = count(); }`, "@", []string{"ustack", "kstack"}},
		{`kprobe:vfs_read { @[usym(reg("ip")), ksym(reg("ip"))] = count(); }`, "@", []string{"usym", "ksym"}},
		{`kprobe:vfs_read { $s = "a"; @[str($s)] = 1; @b[str(comm)] = 1; }`, "@", []string{"s"}},
		{`kprobe:vfs_read { @[str(arg0)] = 1; }`, "@", []string{"arg0"}},
		{`kprobe:vfs_read { @[str(arg0 + 1)] = 1; }`, "@", []string{"str"}},
		// Anything else is keyN by position.
		{`kprobe:vfs_read { @[1, "a", pid + 1] = 1; }`, "@", []string{"key0", "key1", "key2"}},
		{`kprobe:vfs_read { @[comm, 5] = 1; }`, "@", []string{"comm", "key1"}},
		// Duplicates are numbered, skipping names that exist.
		{`kprobe:vfs_read { @[pid, pid, pid] = 1; }`, "@", []string{"pid", "pid_1", "pid_2"}},
		{`kprobe:vfs_read { $pid_1 = 1; @[pid, pid, $pid_1] = 1; }`, "@", []string{"pid", "pid_2", "pid_1"}},
		{`kprobe:vfs_read { $t = curtask; @[$t->pid, pid] = 1; }`, "@", []string{"pid", "pid_1"}},
		// A tuple given as one key: its literal's elements, or NAME_i.
		{`kprobe:vfs_read { @[(comm, pid)] = 1; }`, "@", []string{"comm", "pid"}},
		{`kprobe:vfs_read { $t = (1, "a"); @[$t] = 1; }`, "@", []string{"t_0", "t_1"}},
		{`kprobe:vfs_read { @[(1, "a")] = 1; }`, "@", []string{"key0", "key1"}},
		// The first keyed use in source order names the map, whatever
		// probe defines it.
		{`kprobe:vfs_read { @m[tid] = 1; } kprobe:vfs_write { @m[pid] = 2; }`, "@m", []string{"tid"}},
		{`kprobe:vfs_read { if (has_key(@m, cpu)) { print(1); } } kprobe:vfs_write { @m[pid] = 2; }`, "@m", []string{"cpu"}},
		{`kprobe:vfs_read { print(@m[cpu]); } kprobe:vfs_write { @m[pid] = 2; }`, "@m", []string{"cpu"}},
		{`kprobe:vfs_read { delete(@m, cpu); } kprobe:vfs_write { @m[pid] = 2; }`, "@m", []string{"cpu"}},
		// Names are made valid label names.
		{`kprobe:vfs_read { $__x = 1; @[$__x] = 1; }`, "@", []string{"_x"}},
	}
	for _, tt := range tests {
		_, info := mustCheck(t, tt.src, &Config{Unsafe: true})
		sym := info.Maps[tt.m]
		if sym == nil {
			t.Errorf("%s: no map %s", tt.src, tt.m)
			continue
		}
		if !slices.Equal(sym.KeyNames, tt.want) {
			t.Errorf("%s: %s KeyNames = %q, want %q", tt.src, tt.m, sym.KeyNames, tt.want)
		}
	}
}

func TestKeyNamesFixedMaps(t *testing.T) {
	// A map of an interactive session keeps the names it was created
	// with, even if a later input uses it earlier in its source.
	_, first := mustCheck(t, `kprobe:vfs_read { @m[comm] = count(); }`, nil)
	_, next := mustCheck(t, `kprobe:vfs_write { $c = comm; @m[$c] = count(); }`, &Config{Maps: first.Maps})
	if got := next.Maps["@m"].KeyNames; !slices.Equal(got, []string{"comm"}) {
		t.Errorf("KeyNames = %q, want [comm]", got)
	}
}

func TestLabelName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pid", "pid"},
		{"a-b.c", "a_b_c"},
		{"1x", "_1x"},
		{"__x", "_x"},
		{"___", "_"},
		{"_x", "_x"},
		{"", ""},
		{"héllo", "h__llo"},
	}
	for _, tt := range tests {
		if got := labelName(tt.in); got != tt.want {
			t.Errorf("labelName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
