package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// kprobesMissing reports whether this kernel lacks kprobes (as the
// development VM does).
func kprobesMissing() bool {
	_, err := os.Stat("/sys/bus/event_source/devices/kprobe/type")
	return err != nil
}

// TestKprobeVerifyOnly: kprobe and kretprobe programs (argN, retval, func,
// wildcards) compile and pass the verifier even where kprobes cannot be
// attached.
func TestKprobeVerifyOnly(t *testing.T) {
	needRoot(t)
	r := gbt(t, "--verify-only", "-e", `kprobe:do_nanosleep { printf("%s %d\n", func, arg0); } kretprobe:vfs_read { @r = hist(retval); } kprobe:vfs_rea* { @[func] = count(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^\d+ programs loaded and verified \(--verify-only: nothing attached\)`)
}

// TestKprobeAttachUnavailable: on a kernel without kprobes, attaching
// fails with one clear error naming the facility and suggesting the
// tracepoint for the same event.
func TestKprobeAttachUnavailable(t *testing.T) {
	needRoot(t)
	if !kprobesMissing() {
		t.Skip("this kernel has kprobes; the unavailable path cannot be exercised")
	}
	r := gbt(t, "-e", "kprobe:tcp_set_state { @ = count(); }")
	expectCode(t, r, exitRuntime)
	matchAll(t, "stderr", r.stderr,
		`^stdin:1:1-21: ERROR: cannot attach kprobe:tcp_set_state: kprobes are not available on this kernel \(CONFIG_KPROBES is not set\)`,
		`(?m)^HINT: use tracepoint:sock:inet_sock_set_state instead$`)
	oneScreen(t, r)
	r = gbt(t, "-e", "kprobe:no_such_kernel_function { }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `ERROR: No matches for kprobe no_such_kernel_function\.`)
}

// TestListKernelType: -lv 'struct sock' lists the members of a kernel
// struct from BTF.
func TestListKernelType(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF")
	}
	r := gbt(t, "-lv", "struct sock")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `\Avmlinux: struct sock \{\n`, `(?m)^    struct sock_common __sk_common;  /\* offset 0, size \d+ \*/$`, `(?m)^\};  /\* size \d+ \*/$`)
	// Arrays are declared as in C; anonymous structs have no name.
	r = gbt(t, "-lv", "struct task_struct")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^    int8 comm\[16\];  /\* offset \d+, size 16 \*/$`, `(?m)^    struct \{\.\.\.\} [a-z_]+;  /\* offset `)
	r = gbt(t, "-lv", "struct no_such_struct_xyz")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^ERROR: .*no_such_struct_xyz`)
}

// TestListTypePattern: -l with a wildcard type lists every
// matching struct, union or enum by name (once, sorted); -lv prints each
// definition; a pattern nothing matches lists nothing.
func TestListTypePattern(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF")
	}
	r := gbt(t, "-l", "struct task_s*")
	expectCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !slices.Contains(lines, "struct task_struct") || !slices.IsSorted(lines) || len(slices.Compact(slices.Clone(lines))) != len(lines) {
		t.Errorf("want struct task_struct among sorted, distinct names:\n%s", r.stdout)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "struct task_s") {
			t.Errorf("%q does not match struct task_s*", l)
		}
	}
	r = gbt(t, "-lv", "enum bpf_map_typ?,union bpf_att*")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^vmlinux: enum bpf_map_type \{$`, `(?m)^    BPF_MAP_TYPE_HASH = 1,$`, `(?m)^vmlinux: union bpf_attr \{$`)
	r = gbt(t, "-l", "struct no_such_struct_xyz*")
	expectRun(t, r, 0, "", "")
}
