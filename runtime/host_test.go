//go:build linux

package runtime

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

var _ check.Host = (*Host)(nil)

func fixtureHost(t *testing.T) *Host {
	t.Helper()
	return NewHost(&HostOptions{Tracefs: os.DirFS("testdata/tracefs")})
}

func TestTracepointsFixture(t *testing.T) {
	h := fixtureHost(t)
	tests := []struct {
		pattern string
		want    []string
	}{
		{"syscalls:sys_enter_openat", []string{"syscalls:sys_enter_openat"}},
		{"syscalls:nope", nil},
		{"nope:nope", nil},
		{"syscalls:sys_enter_*", []string{"syscalls:sys_enter_execve", "syscalls:sys_enter_openat"}},
		{"sys*:*", []string{"syscalls:sys_enter_execve", "syscalls:sys_enter_openat", "syscalls:sys_exit_read"}},
		{"*:sys_enter", []string{"raw_syscalls:sys_enter"}},
		{"*:sys_enter?", nil},
		{"*sched_*", []string{"sched:sched_switch"}},
		{"*:mark_victi?", []string{"oom:mark_victim"}},
	}
	for _, tt := range tests {
		got, err := h.Tracepoints(tt.pattern)
		if err != nil {
			t.Errorf("Tracepoints(%q): %v", tt.pattern, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tracepoints(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
	if _, err := h.Tracepoints("a:[b"); err == nil {
		t.Error("bad pattern: no error")
	}
}

func TestTracepointsAvailableEvents(t *testing.T) {
	fsys := fstest.MapFS{
		"available_events": {Data: []byte("sched:sched_switch\nsched:sched_wakeup\nirq:irq_handler_entry\n")},
	}
	h := NewHost(&HostOptions{Tracefs: fsys})
	got, err := h.Tracepoints("sched:*")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sched:sched_switch", "sched:sched_wakeup"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func field(t *testing.T, s *types.Struct, name string) types.Field {
	t.Helper()
	f, ok := s.Field(name)
	if !ok {
		t.Fatalf("%s has no field %s", s.Name, name)
	}
	return f
}

func TestTracepointArgsOpenat(t *testing.T) {
	s, err := fixtureHost(t).TracepointArgs("syscalls", "sys_enter_openat")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "_tracepoint_syscalls_sys_enter_openat" || s.Kind != "struct" || s.Bytes != 48 {
		t.Errorf("struct = %s %s, %d bytes", s.Kind, s.Name, s.Bytes)
	}
	want := []types.Field{
		{Name: "common_type", Type: types.Uint16, Offset: 0},
		{Name: "common_flags", Type: types.Uint8, Offset: 2},
		{Name: "common_preempt_count", Type: types.Uint8, Offset: 3},
		{Name: "common_pid", Type: types.Int32, Offset: 4},
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		// Syscall arguments are 8 bytes whatever their C type; int stays
		// signed (dfd is AT_FDCWD = -100) despite "signed:0".
		{Name: "dfd", Type: types.Int64, Offset: 16},
		{Name: "filename", Type: &types.Pointer{Elem: types.Int8, Space: types.User}, Offset: 24},
		{Name: "flags", Type: types.Int64, Offset: 32},
		{Name: "mode", Type: types.Uint64, Offset: 40}, // umode_t: typedef, signed:0
	}
	if !reflect.DeepEqual(s.Fields, want) {
		t.Errorf("fields:\n got %+v\nwant %+v", s.Fields, want)
	}
}

func TestTracepointArgsKinds(t *testing.T) {
	h := NewHost(&HostOptions{Tracefs: os.DirFS("testdata/tracefs"), StrLen: 80})

	sw, err := h.TracepointArgs("sched", "sched_switch")
	if err != nil {
		t.Fatal(err)
	}
	if f := field(t, sw, "prev_comm"); !reflect.DeepEqual(f.Type, &types.String{Cap: 16}) || f.Offset != 8 {
		t.Errorf("prev_comm = %+v", f)
	}
	if f := field(t, sw, "prev_pid"); !reflect.DeepEqual(f.Type, types.Int32) || f.Offset != 24 {
		t.Errorf("prev_pid = %+v", f)
	}
	if f := field(t, sw, "prev_state"); !reflect.DeepEqual(f.Type, types.Int64) {
		t.Errorf("prev_state = %+v", f)
	}

	mv, err := h.TracepointArgs("oom", "mark_victim")
	if err != nil {
		t.Fatal(err)
	}
	if f := field(t, mv, "comm"); !f.DataLoc || !reflect.DeepEqual(f.Type, &types.String{Cap: 80}) || f.Offset != 12 {
		t.Errorf("comm = %+v", f)
	}
	if f := field(t, mv, "uid"); !reflect.DeepEqual(f.Type, types.Uint32) {
		t.Errorf("uid = %+v", f)
	}
	if f := field(t, mv, "oom_score_adj"); !reflect.DeepEqual(f.Type, types.Int16) {
		t.Errorf("oom_score_adj = %+v", f)
	}
	if mv.Bytes != 66 {
		t.Errorf("mark_victim bytes = %d", mv.Bytes)
	}

	raw, err := h.TracepointArgs("raw_syscalls", "sys_enter")
	if err != nil {
		t.Fatal(err)
	}
	if f := field(t, raw, "args"); !reflect.DeepEqual(f.Type, &types.Array{Elem: types.Uint64, Len: 6}) {
		t.Errorf("args = %+v", f)
	}
	if f := field(t, raw, "id"); !reflect.DeepEqual(f.Type, types.Int64) {
		t.Errorf("id = %+v", f)
	}

	ex, err := h.TracepointArgs("syscalls", "sys_enter_execve")
	if err != nil {
		t.Fatal(err)
	}
	argv := &types.Pointer{Elem: &types.Pointer{Elem: types.Int8, Space: types.User}, Space: types.User}
	if f := field(t, ex, "argv"); !reflect.DeepEqual(f.Type, argv) {
		t.Errorf("argv = %+v", f)
	}

	tcp, err := h.TracepointArgs("tcp", "tcp_retransmit_skb")
	if err != nil {
		t.Fatal(err)
	}
	if f := field(t, tcp, "skaddr"); !reflect.DeepEqual(f.Type, &types.Pointer{Elem: &types.Void{}, Space: types.Kernel}) {
		t.Errorf("skaddr = %+v", f)
	}
	if f := field(t, tcp, "saddr_v6"); !reflect.DeepEqual(f.Type, &types.Array{Elem: types.Uint8, Len: 16}) || f.Offset != 42 {
		t.Errorf("saddr_v6 = %+v", f)
	}
	if f := field(t, tcp, "sport"); !reflect.DeepEqual(f.Type, types.Uint16) {
		t.Errorf("sport = %+v", f)
	}

	if _, err := h.TracepointArgs("syscalls", "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing tracepoint: err = %v, want fs.ErrNotExist", err)
	}
	if _, err := h.TracepointArgs("..", "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("bad category: err = %v, want fs.ErrNotExist", err)
	}
}

func TestFieldTypeEdgeCases(t *testing.T) {
	tests := []struct {
		line string
		want types.Type
	}{
		{"field:bool flag;	offset:8;	size:1;	signed:0;", types.Uint8},
		{"field:u8 addr[sizeof(struct in6_addr)];	offset:8;	size:16;	signed:0;", &types.Array{Elem: types.Uint8, Len: 16}},
		{"field:gfp_t gfp;	offset:8;	size:4;	signed:0;", types.Uint32},
		{"field:s64 delta;	offset:8;	size:8;	signed:1;", types.Int64},
		{"field:unsigned int __syscall_nr;	offset:8;	size:4;	signed:0;", types.Uint32},
		{"field:char name[TASK_COMM_LEN];	offset:8;	size:16;	signed:0;", &types.String{Cap: 16}},
		{"field:__data_loc u8[] buf;	offset:8;	size:4;	signed:0;", types.Uint32},
		{"field:struct foo blob;	offset:8;	size:24;	signed:0;", &types.Array{Elem: types.Uint8, Len: 24}},
		{"field:const unsigned long * ip;	offset:8;	size:8;	signed:0;", &types.Pointer{Elem: types.Uint64}},
		{"field:u32 ids[3];	offset:8;	size:12;	signed:0;", &types.Array{Elem: types.Uint32, Len: 3}},
		{"field:struct __kernel_timespec * rqtp;	offset:8;	size:8;	signed:0;",
			&types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "__kernel_timespec"}}},
		{"field:const union bpf_attr * attr;	offset:8;	size:8;	signed:0;",
			&types.Pointer{Elem: &types.Struct{Kind: "union", Name: "bpf_attr"}}},
		{"field:struct sockaddr __user * __user * addr;	offset:8;	size:8;	signed:0;",
			&types.Pointer{Elem: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "sockaddr"}}}},
		{"field:enum skb_drop_reason reason;	offset:8;	size:4;	signed:0;", types.Uint32},
	}
	for _, tt := range tests {
		f, err := parseFieldLine(tt.line)
		if err != nil {
			t.Errorf("%s: %v", tt.line, err)
			continue
		}
		got, _ := fieldType(f, types.Kernel, 64)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.line, got, tt.want)
		}
	}
	for _, bad := range []string{"field:;", "field:int x; offset:z; size:4;", "field:int; offset:0; size:4;", "field:int x;"} {
		if _, err := parseFieldLine(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestListTracepointsVerbose(t *testing.T) {
	got, err := fixtureHost(t).ListTracepoints("syscalls:sys_enter_openat", true)
	if err != nil {
		t.Fatal(err)
	}
	want := []TracepointListing{{
		Name:   "syscalls:sys_enter_openat",
		Fields: []string{"int __syscall_nr", "int dfd", "const char * filename", "int flags", "umode_t mode"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got, err = fixtureHost(t).ListTracepoints("oom:*", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(strings.Join(got[0].Fields, "\n"), "__data_loc char[] comm") {
		t.Errorf("oom listing = %q", got)
	}
	got, err = fixtureHost(t).ListTracepoints("*", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || got[0].Fields != nil {
		t.Errorf("listing = %q", got)
	}
}

// TestHostLiveFormats parses every format file of the running kernel.
func TestHostLiveFormats(t *testing.T) {
	requireRoot(t)
	h := NewHost(nil)
	names, err := h.Tracepoints("*:*")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 100 {
		t.Fatalf("only %d tracepoints", len(names))
	}
	for _, name := range names {
		cat, event, _ := strings.Cut(name, ":")
		s, err := h.TracepointArgs(cat, event)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, ok := s.Field("common_pid"); !ok {
			t.Errorf("%s: no common_pid", name)
		}
	}
	got, err := h.Tracepoints("syscalls:sys_enter_getpid")
	if err != nil || len(got) != 1 {
		t.Errorf("exact lookup = %q, %v", got, err)
	}
}
