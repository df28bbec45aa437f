package hosttest

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// fixtureFile is a small struct file: f_flags and f_pos.
var fixtureFile = &types.Struct{Kind: "struct", Name: "file", Bytes: 64, Align_: 8, Fields: []types.Field{
	{Name: "f_flags", Type: types.Uint32, Offset: 8},
	{Name: "f_pos", Type: types.Int64, Offset: 16},
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
