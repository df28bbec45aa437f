package hosttest

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// fixturePath is struct path: the mount and the dentry.
var fixturePath = &types.Struct{Kind: "struct", Name: "path", Bytes: 16, Align_: 8, Fields: []types.Field{
	{Name: "mnt", Type: &types.Pointer{Elem: types.Uint8}, Offset: 0},
	{Name: "dentry", Type: &types.Pointer{Elem: types.Uint8}, Offset: 8},
}}

// fixtureFile is a small struct file: f_flags, f_pos and f_path.
var fixtureFile = &types.Struct{Kind: "struct", Name: "file", Bytes: 64, Align_: 8, Fields: []types.Field{
	{Name: "f_flags", Type: types.Uint32, Offset: 8},
	{Name: "f_pos", Type: types.Int64, Offset: 16},
	{Name: "f_path", Type: fixturePath, Offset: 24},
}}

// fixtureProtos are the kernel function prototypes (fentry/fexit targets)
// of the fixture, shaped like the 6.x kernels' BTF.
var fixtureProtos = []host.FuncProto{
	{Module: "vmlinux", Name: "do_nanosleep", Params: []host.FuncParam{
		{Name: "t", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "hrtimer_sleeper", Bytes: 96, Align_: 8}}, Decl: "struct hrtimer_sleeper *"},
		{Name: "mode", Type: types.Uint32, Decl: "enum hrtimer_mode"},
	}, Ret: types.Int32, RetDecl: "int"},
	{Module: "vmlinux", Name: "vfs_read", Params: []host.FuncParam{
		{Name: "file", Type: &types.Pointer{Elem: fixtureFile}, Decl: "struct file *"},
		{Name: "buf", Type: &types.Pointer{Elem: types.Int8}, Decl: "char *"},
		{Name: "count", Type: types.Uint64, Decl: "size_t"},
		{Name: "pos", Type: &types.Pointer{Elem: types.Int64}, Decl: "loff_t *"},
	}, Ret: types.Int64, RetDecl: "ssize_t"},
	{Module: "vmlinux", Name: "vfs_write", Params: []host.FuncParam{
		{Name: "file", Type: &types.Pointer{Elem: fixtureFile}, Decl: "struct file *"},
		{Name: "buf", Type: &types.Pointer{Elem: types.Int8}, Decl: "const char *"},
		{Name: "count", Type: types.Uint64, Decl: "size_t"},
		{Name: "pos", Type: &types.Pointer{Elem: types.Int64}, Decl: "loff_t *"},
	}, Ret: types.Int64, RetDecl: "ssize_t"},
	{Module: "vmlinux", Name: "security_file_open", Params: []host.FuncParam{
		{Name: "file", Type: &types.Pointer{Elem: fixtureFile}, Decl: "struct file *"},
	}, Ret: types.Int32, RetDecl: "int"},
	{Module: "vmlinux", Name: "tcp_set_state", Params: []host.FuncParam{
		{Name: "sk", Type: &types.Pointer{Elem: fixtureSock}, Decl: "struct sock *"},
		{Name: "state", Type: types.Int32, Decl: "int"},
	}},
}

// KernelFuncProtos implements host.Host with the fixture's prototypes.
func (h *Fixture) KernelFuncProtos(module, pattern string) ([]host.FuncProto, error) {
	var out []host.FuncProto
	for _, p := range fixtureProtos {
		if ok, _ := filepath.Match(pattern, p.Name); !ok {
			continue
		}
		if ok, _ := filepath.Match(module, p.Module); module != "" && !ok {
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 && module != "" && module != "vmlinux" && !strings.ContainsAny(module, "*?[") {
		return nil, fmt.Errorf("load BTF of module %s: not found", module)
	}
	return out, nil
}

// fixtureIters are the iterator context structs (struct bpf_iter__NAME).
var fixtureIters = map[string]*types.Struct{
	"struct bpf_iter__task": {Kind: "struct", Name: "bpf_iter__task", Bytes: 16, Align_: 8, Fields: []types.Field{
		{Name: "meta", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "bpf_iter_meta", Bytes: 24, Align_: 8}}, Offset: 0},
		{Name: "task", Type: &types.Pointer{Elem: fixtureTask}, Offset: 8},
	}},
	"struct bpf_iter__task_file": {Kind: "struct", Name: "bpf_iter__task_file", Bytes: 32, Align_: 8, Fields: []types.Field{
		{Name: "meta", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "bpf_iter_meta", Bytes: 24, Align_: 8}}, Offset: 0},
		{Name: "task", Type: &types.Pointer{Elem: fixtureTask}, Offset: 8},
		{Name: "fd", Type: types.Uint32, Offset: 16},
		{Name: "file", Type: &types.Pointer{Elem: fixtureFile}, Offset: 24},
	}},
}

// fixtureRawTracepoints are the raw tracepoints of the fixture, with
// their arguments (without the private data pointer the BTF prototypes
// start with).
var fixtureRawTracepoints = []host.FuncProto{
	{Module: "nf_tables", Name: "nft_trace", Params: []host.FuncParam{
		{Name: "skb", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "sk_buff", Bytes: 232, Align_: 8}}, Decl: "struct sk_buff *"},
	}},
	{Module: "vmlinux", Name: "sched_switch", Params: []host.FuncParam{
		{Name: "preempt", Type: &types.Bool{}, Decl: "bool"},
		{Name: "prev", Type: &types.Pointer{Elem: fixtureTask}, Decl: "struct task_struct *"},
		{Name: "next", Type: &types.Pointer{Elem: fixtureTask}, Decl: "struct task_struct *"},
	}},
	{Module: "vmlinux", Name: "sys_enter", Params: []host.FuncParam{
		{Name: "regs", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "pt_regs", Bytes: 168, Align_: 8}}, Decl: "struct pt_regs *"},
		{Name: "id", Type: types.Int64, Decl: "long"},
	}},
	{Module: "vmlinux", Name: "sys_exit", Params: []host.FuncParam{
		{Name: "regs", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "pt_regs", Bytes: 168, Align_: 8}}, Decl: "struct pt_regs *"},
		{Name: "ret", Type: types.Int64, Decl: "long"},
	}},
	{Module: "vmlinux", Name: "tcp_probe", Params: []host.FuncParam{
		{Name: "sk", Type: &types.Pointer{Elem: fixtureSock}, Decl: "struct sock *"},
		{Name: "skb", Type: &types.Pointer{Elem: &types.Struct{Kind: "struct", Name: "sk_buff", Bytes: 232, Align_: 8}}, Decl: "struct sk_buff *"},
	}},
}

// RawTracepoints implements host.Host with the fixture's raw tracepoints;
// a module other than vmlinux and nf_tables has no BTF.
func (h *Fixture) RawTracepoints(module, pattern string) ([]host.RawTracepoint, error) {
	if module != "" && module != "vmlinux" && module != "nf_tables" && !strings.ContainsAny(module, "*?[") {
		return nil, fmt.Errorf("load BTF of module %s: not found", module)
	}
	var out []host.RawTracepoint
	for _, p := range fixtureRawTracepoints {
		if ok, _ := filepath.Match(pattern, p.Name); !ok {
			continue
		}
		if ok, _ := filepath.Match(module, p.Module); module != "" && !ok {
			continue
		}
		out = append(out, host.RawTracepoint{Module: p.Module, Name: p.Name})
	}
	return out, nil
}

// RawTracepointProto implements host.Host with the fixture's raw
// tracepoints.
func (h *Fixture) RawTracepointProto(module, name string) (*host.FuncProto, error) {
	for i, p := range fixtureRawTracepoints {
		if p.Module == module && p.Name == name {
			return &fixtureRawTracepoints[i], nil
		}
	}
	return nil, fmt.Errorf("raw tracepoint %s: no BTF prototype in %s", name, module)
}
