package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestGuestModuleTypes: a type that only a kernel module's BTF has (the
// guests' 9p client, which carries their working tree, is a module) works
// in casts and is listed by -lv, after the module whose BTF has it (9p's
// and 9pnet's both do: modules' BTF is deduplicated against vmlinux's
// only). Linux 5.10 has no module BTF (5.11
// added it): the test skips there.
func TestGuestModuleTypes(t *testing.T) {
	needKprobes(t)
	if _, err := os.Stat("/sys/kernel/btf/9pnet"); err != nil {
		t.Skipf("no BTF of the 9pnet module (%v): kernels before 5.11 have no module BTF", err)
	}
	r, out := gbtSplit(t, "-e", `kprobe:p9_client_read { $f = (struct p9_fid *)arg0; printf("msize %u\n", $f->clnt->msize); exit(); }`,
		"-c", "/bin/dd if=gobpftrace.8 of=/dev/null status=none")
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^msize (\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no msize line:\n%s\n%v", out, r)
	}
	if n, _ := strconv.Atoi(m[1]); n < 4096 {
		t.Errorf("msize %d: not a 9p message size", n)
	}
	r = gbt(t, "-lv", "struct p9_client")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^9p(net)?: struct p9_client \{$`, `^\s+uint32 msize;  /\* offset \d+, size 4 \*/$`)
}
