package main

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// rawFormScript has probes that do not read their record (raw
// tracepoints by default) and one that does (a perf event in any case).
const rawFormScript = `tracepoint:sched:sched_process_fork /pid == cpid/ { @fork[probe] = count(); }
tracepoint:sched:sched_process_exec /pid == cpid/ { printf("exec %s\n", comm); }
tracepoint:sched:sched_process_exec /pid == cpid/ { printf("file %s\n", str(args.filename)); }
tracepoint:sched:sched_process_exit /pid == cpid/ { printf("exit %s\n", comm); }`

// TestRawFormSameOutput: tracepoints attached as raw tracepoints print
// what their perf events print, in script order, and -v tells the forms.
func TestRawFormSameOutput(t *testing.T) {
	needRoot(t)
	cmd := "/bin/sh " + tempFile(t, "work.sh", "/bin/true\n/bin/true\nexec /bin/true\n")
	want := "exec sh\nfile /bin/sh\nexec true\nfile /bin/true\nexit true\n\n\n@fork[tracepoint:sched:sched_process_fork]: 2\n"
	for mode, forms := range map[string]string{
		"auto": "3 as raw tracepoints, 1 as perf events",
		"perf": "4 as perf events",
	} {
		r, out := gbtSplit(t, "-v", "--tracepoints", mode, "-e", rawFormScript, "-c", cmd)
		expectCode(t, r, 0)
		matchAll(t, "stderr", r.stderr, `(?m)^Tracepoints: `+forms+` \(`)
		if out != want {
			t.Errorf("--tracepoints %s: output\n%s\nwant\n%s", mode, out, want)
		}
	}
}

// TestRawFormDynamicEvent: a uprobe event named like a kernel tracepoint
// (gbtraw:sched_switch) is not attached as the kernel's sched_switch
// tracepoint (which would count context switches) but as the event, as
// with --tracepoints perf: where the kernel refuses a tracepoint program
// on a uprobe event (bpftrace's tracepoint probes are such programs too).
func TestRawFormDynamicEvent(t *testing.T) {
	needRoot(t)
	bin := compileC(t, `__attribute__((noinline)) void gbt_marker(void) { __asm__ volatile(""); }
int main(void) { gbt_marker(); return 0; }`, "-O1", "-rdynamic")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	off := symbolFileOffset(t, f, "gbt_marker")
	f.Close()
	dir, err := runtime.Tracefs()
	if err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, "uprobe_events")
	define := func(line string) error {
		fh, err := os.OpenFile(events, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		defer fh.Close()
		_, err = fh.WriteString(line + "\n")
		return err
	}
	if err := define(fmt.Sprintf("p:gbtraw/sched_switch %s:0x%x", bin, off)); err != nil {
		t.Fatalf("defining a uprobe event: %v", err)
	}
	t.Cleanup(func() {
		if err := define("-:gbtraw/sched_switch"); err != nil {
			t.Errorf("removing the uprobe event: %v", err)
		}
	})
	for _, mode := range []string{"auto", "perf"} {
		r, out := gbtSplit(t, "--tracepoints", mode, "-e", `tracepoint:gbtraw:sched_switch { @calls = count(); }`, "-c", bin)
		expectCode(t, r, 255)
		matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:1-31: ERROR: cannot attach tracepoint:gbtraw:sched_switch: setting perf event program: invalid argument$`)
		if out != "" {
			t.Errorf("--tracepoints %s: output %q, want none", mode, out)
		}
	}
}
