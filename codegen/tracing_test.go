package codegen

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// tracingGoldenCases are the BPF tracing probes' golden programs: fentry
// argument reads from the u64 context array, fexit's retval after the
// arguments, and iterators' end-of-iteration and NULL-object checks; and
// raw tracepoints' args, read from their u64 context array alike.
var tracingGoldenCases = []GoldenCase{
	{"path", `fentry:security_file_open { printf("%s\n", path(args.file->f_path)); @[path(args.file.f_path, 32)] = count(); }`},
	{"fentry_args", `fentry:vfs_read { printf("%d %d\n", args.count, args.file->f_flags); }`},
	{"fexit_retval", `kretfunc:vmlinux:do_nanosleep { @[args.mode] = sum(retval); }`},
	{"iter_task", `iter:task { printf("%s %d\n", ctx.task.comm, ctx.task.pid); }`},
	{"iter_task_file", `iter:task_file { printf("%d %d\n", ctx.fd, ctx.file->f_flags); }`},
	{"socket_cookie", `fentry:tcp_set_state { @[socket_cookie(args.sk)] = count(); }`},
	{"rawtp_args", `rawtracepoint:sched_switch /args.preempt/ { @[args.next->comm] = count(); printf("%d\n", args.prev->pid); }`},
	{"rawtp_module", `rt:nf_tables:nft_trace { print(args.skb); }`},
}

// TestGoldenTracing compares the tracing programs with
// testdata/tracing/NAME.golden (go test -update rewrites them), with each
// program's attach type and target.
func TestGoldenTracing(t *testing.T) {
	for _, c := range tracingGoldenCases {
		t.Run(c.Name, func(t *testing.T) {
			obj, gd, src := CompileScript(t, c.Src, nil)
			if len(gd.Items) > 0 {
				t.Fatalf("compile:\n%s", src.Render(gd))
			}
			got := "// " + c.Src + "\n"
			for _, p := range obj.Programs {
				got += fmt.Sprintf("// %s: attach type %s to %q\n", p.Name, p.AttachType, p.AttachTo)
			}
			got += DumpObject(obj)
			compareGolden(t, filepath.Join("testdata", "tracing", c.Name+".golden"), got)
		})
	}
}

// compareGolden compares got with the golden file, or rewrites the file
// under -update.
func compareGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./codegen -run TestGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if intended):\n%s", file, lineDiff(string(want), got))
	}
}

// TestFuncPerAttachPoint: `func` in a wildcard probe is each expanded
// function's own name (the first function's name was compiled into every
// program when the instances shared their tables).
func TestFuncPerAttachPoint(t *testing.T) {
	for _, src := range []string{`kprobe:vfs_* { @[func] = count(); }`, `fentry:vfs_* { @[func] = count(); }`} {
		obj, gd, s := CompileScript(t, src, nil)
		if len(gd.Items) > 0 {
			t.Fatalf("compile:\n%s", s.Render(gd))
		}
		if len(obj.Programs) < 2 {
			t.Fatalf("%s: want a program per function, got %d", src, len(obj.Programs))
		}
		for _, p := range obj.Programs {
			var want [8]byte
			copy(want[:], p.Target.Func)
			found := false
			for _, ins := range p.Insns {
				if ins.OpCode.IsDWordLoad() && uint64(ins.Constant) == binary.LittleEndian.Uint64(want[:]) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: program for %s does not load its name:\n%v", src, p.Target.Func, p.Insns)
			}
		}
	}
}

// TestKprobeWildcardSharesProgram: the expansions of a kprobe wildcard
// whose body does not name its function share one program (attached with
// a kprobe-multi link or per function by the runtime); with func or probe
// in the body each function has its own.
func TestKprobeWildcardSharesProgram(t *testing.T) {
	for _, c := range []struct {
		src   string
		progs int
	}{
		{`kprobe:vfs_* { @ = count(); }`, 1},
		{`kretprobe:vfs_* { @[retval] = count(); } kprobe:vfs_* { @n = count(); }`, 2},
		{`kprobe:vfs_* { @[func] = count(); }`, 2},
		{`kprobe:vfs_* { @[probe] = count(); }`, 2},
		{`fentry:vfs_* { @ = count(); }`, 2},
	} {
		obj, gd, s := CompileScript(t, c.src, nil)
		if len(gd.Items) > 0 {
			t.Fatalf("compile:\n%s", s.Render(gd))
		}
		if len(obj.Programs) != c.progs {
			t.Errorf("%s: %d programs, want %d", c.src, len(obj.Programs), c.progs)
			continue
		}
		if p := obj.Programs[0]; c.progs == 1 && (p.Target.Func != "vfs_read" || fmt.Sprint(p.MoreFuncs) != "[vfs_write]" || p.Probe != "kprobe:vfs_*") {
			t.Errorf("%s: shared program for %s + %v named %s", c.src, p.Target.Func, p.MoreFuncs, p.Probe)
		}
	}
}
