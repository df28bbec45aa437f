package check

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestRawTracepointExpansion: raw tracepoints are named
// rawtracepoint:MODULE:EVENT, an event without a module is searched in
// every module, and args is typed per tracepoint from its prototype with
// argument i at offset 8*i of the context.
func TestRawTracepointExpansion(t *testing.T) {
	names := func(info *Info) string {
		var out []string
		for _, in := range info.Instances {
			out = append(out, in.Attach.Name+"/"+in.Attach.Module+"/"+in.Attach.Event)
		}
		return strings.Join(out, " ")
	}
	cases := []struct{ src, want string }{
		{`rt:sched_switch { }`, "rawtracepoint:vmlinux:sched_switch/vmlinux/sched_switch"},
		{`rawtracepoint:sys_* { }`, "rawtracepoint:vmlinux:sys_enter/vmlinux/sys_enter rawtracepoint:vmlinux:sys_exit/vmlinux/sys_exit"},
		{`rawtracepoint:nft_trace { }`, "rawtracepoint:nf_tables:nft_trace/nf_tables/nft_trace"},
		{`rawtracepoint:*:*_trace, rawtracepoint:vmlinux:tcp_probe { }`, "rawtracepoint:nf_tables:nft_trace/nf_tables/nft_trace rawtracepoint:vmlinux:tcp_probe/vmlinux/tcp_probe"},
	}
	for _, c := range cases {
		_, info := mustCheck(t, c.src, nil)
		if got := names(info); got != c.want {
			t.Errorf("%s: instances %q, want %q", c.src, got, c.want)
		}
	}

	_, info := mustCheck(t, `rawtracepoint:sys_* { @[args.regs] = count(); }`, nil)
	if len(info.Instances) != 2 || info.Instances[0].Tables == info.Instances[1].Tables {
		t.Fatalf("args in a wildcard: want 2 instances with their own tables, got %d", len(info.Instances))
	}
	for _, in := range info.Instances {
		a := in.Attach.Args
		if a == nil || len(a.Fields) != 2 || a.Bytes != 16 {
			t.Fatalf("%s: args %+v, want 2 fields in 16 bytes", in.Attach.Name, a)
		}
		if a.Fields[0].Name != "regs" || a.Fields[0].Offset != 0 || a.Fields[1].Offset != 8 {
			t.Errorf("%s: args fields %+v", in.Attach.Name, a.Fields)
		}
		if _, ok := a.Fields[0].Type.(*types.Pointer); !ok {
			t.Errorf("%s: args.regs is %s, want a pointer", in.Attach.Name, a.Fields[0].Type)
		}
	}
	if second := info.Instances[1].Attach.Args.Fields[1].Name; second != "ret" {
		t.Errorf("sys_exit's second argument is %q, want ret", second)
	}

	// Without args, the types are not looked up and the tables are shared.
	_, info = mustCheck(t, `rawtracepoint:sys_* { @[probe] = count(); }`, nil)
	if info.Instances[0].Attach.Args != nil || info.Instances[0].Tables != info.Instances[1].Tables {
		t.Errorf("a wildcard without args: args looked up or tables not shared")
	}
}
