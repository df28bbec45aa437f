package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
)

// usdtSource is a C program with USDT probes, written as sys/sdt.h writes
// them (the header need not be installed): gbt:tick at two places (its
// argument in a register), gbt:many with twelve constant arguments (0 to
// 11), gbt2:sem behind a semaphore (its argument is the semaphore's
// value; in initialized data, as sys/sdt.h puts semaphores: the kernel
// counts a semaphore in .bss when the loader maps it, before the loader
// zeroes the rest of that page), and a function gbt_func. It prints "ready" once started, then
// passes its probes every 10 ms.
const usdtSource = `#include <stdio.h>
#include <unistd.h>

#define GBT_PROBE(provider, name, sem, args, ...)                        \
  __asm__ __volatile__("990: nop\n"                                     \
                       ".pushsection .note.stapsdt,\"\",\"note\"\n"     \
                       ".balign 4\n"                                    \
                       ".4byte 992f-991f, 994f-993f, 3\n"               \
                       "991: .asciz \"stapsdt\"\n"                      \
                       "992: .balign 4\n"                               \
                       "993: .8byte 990b\n"                             \
                       ".8byte 0\n"                                     \
                       ".8byte " sem "\n"                               \
                       ".asciz \"" provider "\"\n"                      \
                       ".asciz \"" name "\"\n"                          \
                       ".asciz \"" args "\"\n"                          \
                       "994: .balign 4\n"                               \
                       ".popsection\n" ::__VA_ARGS__)

unsigned short gbt_sem __attribute__((section(".probes")));

int __attribute__((noinline)) gbt_func(int i) { return i + 1; }

int main(void)
{
  printf("ready\n");
  fflush(stdout);
  for (int i = 0;; i++) {
    GBT_PROBE("gbt", "tick", "0", "-4@%0", "r"(i));
    GBT_PROBE("gbt", "tick", "0", "-4@%0", "r"(gbt_func(i)));
    GBT_PROBE("gbt", "many", "0",
              "8@$0 8@$1 8@$2 8@$3 8@$4 8@$5 8@$6 8@$7 8@$8 8@$9 8@$10 8@$11");
    if (gbt_sem) {
      int v = gbt_sem;
      GBT_PROBE("gbt2", "sem", "gbt_sem", "-4@%0", "r"(v));
    }
    usleep(10000);
  }
}
`

// buildUSDTProgs compiles usdtSource twice, into usdt_a and usdt_b of a
// temporary directory, which it returns.
func buildUSDTProgs(t *testing.T) string {
	t.Helper()
	cc := needTool(t, "gcc")
	src := tempFile(t, "usdt.c", usdtSource)
	dir := t.TempDir()
	for _, name := range []string{"usdt_a", "usdt_b"} {
		if out, err := exec.Command(cc, "-O1", "-o", filepath.Join(dir, name), src).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
	}
	return dir
}

// startReady starts cmd, waits for its "ready" line and returns its pid;
// the process is killed when the test ends.
func startReady(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("%s: read %q, %v; want ready", cmd, line, err)
	}
	return strconv.Itoa(cmd.Process.Pid)
}

// TestUSDTTargetsByFile: usdt and uprobe targets written as paths keep
// their spelling in listings and in the probe builtin; wildcards in the
// path match files; a probe used at two places is one probe; arg10 and
// arg11 of a probe with twelve arguments; a semaphore is set (also in a
// process started before the tracer, with --usdt-file-activation).
func TestUSDTTargetsByFile(t *testing.T) {
	needRoot(t)
	dir := buildUSDTProgs(t)
	bin := filepath.Join(dir, "usdt_a")
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, bin)
	if err != nil {
		t.Fatal(err)
	}
	rel = "./" + rel

	r := gbt(t, "-l", "usdt:"+rel+":*")
	expectRun(t, r, 0, "usdt:"+rel+":gbt:many\nusdt:"+rel+":gbt:tick\nusdt:"+rel+":gbt2:sem\n", "")
	r = gbt(t, "-l", "usdt:"+dir+"/usdt_*:gbt:t*")
	expectRun(t, r, 0, "usdt:"+dir+"/usdt_a:gbt:tick\nusdt:"+dir+"/usdt_b:gbt:tick\n", "")
	r = gbt(t, "-l", "uprobe:"+dir+"/usdt_?:gbt_func")
	expectRun(t, r, 0, "uprobe:"+dir+"/usdt_a:gbt_func\nuprobe:"+dir+"/usdt_b:gbt_func\n", "")
	r = gbt(t, "-l", "usdt:"+dir+"/nothing*:*")
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: usdt target file '`+regexp.QuoteMeta(dir)+`/nothing\*' does not exist or is not executable`)
	// A wildcard provider lists the user-space probes of an existing file.
	r = gbt(t, "-l", "*:"+rel+":*")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^usdt:`+regexp.QuoteMeta(rel)+`:gbt:tick$`, `(?m)^uprobe:`+regexp.QuoteMeta(rel)+`:gbt_func$`)

	// gbt:tick in two files, at two places in each: two probes.
	r = gbt(t, "-e", `usdt:`+dir+`/usdt_*:gbt:tick { printf("%s %d\n", probe, arg0 >= 0); exit(); }`, "-c", bin)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^Attached 2 probes$`)
	matchAll(t, "stdout", r.stdout, `^usdt:`+regexp.QuoteMeta(dir)+`/usdt_a:gbt:tick 1$`)
	r = gbt(t, "-q", "-e", `usdt:`+rel+`:gbt:many { printf("%s %d %d %d\n", probe, arg0, arg10, arg11); exit(); }`, "-c", bin)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^usdt:`+regexp.QuoteMeta(rel)+`:gbt:many 0 10 11$`)
	r = gbt(t, "-e", `usdt:`+rel+`:gbt:many { print(arg12); }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: usdt probe gbt:many has 12 arguments \(arg12 used\)`)

	r = gbt(t, "-q", "-e", `usdt:`+bin+`:gbt2:sem { printf("sem %d\n", arg0); exit(); }`, "-c", bin)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^sem 1$`)
	startReady(t, exec.Command(bin))
	r = gbt(t, "-q", "--usdt-file-activation", "-e", `usdt:`+bin+`:gbt2:sem { printf("sem %d\n", arg0); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^sem 1$`)
}

// TestUSDTTargetsByPid: with -p, usdt probes without a target, or with
// "*", are those of the files the process maps (its program and
// libraries), for listing and for tracing; -l -p lists its uprobes and
// usdt probes.
func TestUSDTTargetsByPid(t *testing.T) {
	needRoot(t)
	dir := buildUSDTProgs(t)
	bin := filepath.Join(dir, "usdt_a")
	pid := startReady(t, exec.Command(bin))
	q := regexp.QuoteMeta(bin)

	r := gbt(t, "-l", "-p", pid)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^usdt:`+q+`:gbt:tick$`, `(?m)^uprobe:`+q+`:gbt_func$`, `(?m)^uprobe:/\S*libc\.so\.6:malloc$`)
	r = gbt(t, "-l", "usdt:*", "-p", pid)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^usdt:`+q+`:gbt:many$`, `(?m)^usdt:`+q+`:gbt2:sem$`)
	r = gbt(t, "-l", "usdt:*:gbt2:*", "-p", pid)
	expectRun(t, r, 0, "usdt:"+bin+":gbt2:sem\n", "")

	r = gbt(t, "-p", pid, "-e", `usdt::gbt:tick { printf("%s\n", probe); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^Attached 1 probe$`)
	matchAll(t, "stdout", r.stdout, `^usdt:`+q+`:gbt:tick$`)
	r = gbt(t, "-q", "-p", pid, "-e", `usdt:*:gbt2:sem { printf("sem %d\n", arg0); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^sem 1$`)
	r = gbt(t, "-e", `usdt::gbt:tick { }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: usdt probe must specify at least path or pid to probe`)
}

// TestUSDTTargetsMountNS: a process in another mount namespace (a
// container) runs a program at a path that exists only there (a bind
// mount on an empty directory of ours); with -p its files are listed
// through /proc/PID/root, and targets written as the process sees them
// attach to them.
func TestUSDTTargetsMountNS(t *testing.T) {
	needRoot(t)
	dir := buildUSDTProgs(t)
	mnt := t.TempDir() // empty here; the process mounts dir on it
	cmd := exec.Command("sh", "-c", `mount --bind "$1" "$2" && exec "$2/usdt_a"`, "sh", dir, mnt)
	// Go makes the new namespace's mounts private, so ours never sees the
	// bind mount, which goes with the namespace when the process ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	pid := startReady(t, cmd)
	if _, err := os.Stat(filepath.Join(mnt, "usdt_a")); err == nil {
		t.Fatalf("%s/usdt_a is visible outside the process's mount namespace", mnt)
	}
	seen := regexp.QuoteMeta("/proc/" + pid + "/root" + mnt + "/usdt_a")

	r := gbt(t, "-l", "usdt:*", "-p", pid)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^usdt:`+seen+`:gbt:tick$`)
	r = gbt(t, "-l", "-p", pid)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^uprobe:`+seen+`:gbt_func$`)
	r = gbt(t, "-l", "-p", pid, "usdt:"+mnt+"/usdt_*:gbt:tick")
	expectRun(t, r, 0, "usdt:"+mnt+"/usdt_a:gbt:tick\nusdt:"+mnt+"/usdt_b:gbt:tick\n", "")

	r = gbt(t, "-q", "-p", pid, "-e", `usdt:`+mnt+`/usdt_a:gbt:tick { printf("%s\n", probe); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^usdt:`+regexp.QuoteMeta(mnt)+`/usdt_a:gbt:tick$`)
	r = gbt(t, "-q", "-p", pid, "-e", `uprobe:`+mnt+`/usdt_a:gbt_func { printf("%s %d\n", probe, arg0 >= 0); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^uprobe:`+regexp.QuoteMeta(mnt)+`/usdt_a:gbt_func 1$`)
	// Without -p the path is ours, where it does not exist.
	r = gbt(t, "-e", `uprobe:`+mnt+`/usdt_a:gbt_func { }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: uprobe target '`+regexp.QuoteMeta(mnt)+`/usdt_a' not found`)
}
