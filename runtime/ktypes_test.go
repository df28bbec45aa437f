//go:build linux

package runtime

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestTracepointNamedTypes checks that the layout of a tracepoint record
// names the pointee of struct pointer fields and the enum of enum fields
// without defining them (the checker completes them from BTF on use).
func TestTracepointNamedTypes(t *testing.T) {
	fields := []formatField{
		{Name: "rqtp", Type: "struct __kernel_timespec *", Offset: 8, Size: 8, ArrayLen: -1},
		{Name: "reason", Type: "enum skb_drop_reason", Offset: 16, Size: 4, ArrayLen: -1},
		{Name: "reasons", Type: "enum skb_drop_reason *", Offset: 24, Size: 8, ArrayLen: -1},
	}
	s := tracepointStruct("x", "y", fields, 64)
	p, ok := s.Fields[0].Type.(*types.Pointer)
	if !ok || p.Elem.String() != "struct __kernel_timespec" || p.Elem.Size() != 0 {
		t.Errorf("rqtp = %v", s.Fields[0].Type)
	}
	if f := s.Fields[1]; f.Type.String() != "uint32" || f.Enum == nil || f.Enum.Name != "skb_drop_reason" || f.Enum.Names != nil {
		t.Errorf("reason = %+v (enum %+v)", f, f.Enum)
	}
	if f := s.Fields[2]; f.Enum != nil {
		t.Errorf("a pointer to an enum has enum %v", f.Enum)
	}
}

// TestLiveTracepointNamedTypes resolves, from the running kernel's BTF,
// the struct and enum names of every tracepoint field that has one: each
// must be found (with members) in BTF, as the checker will look them up.
func TestLiveTracepointNamedTypes(t *testing.T) {
	requireRoot(t)
	h := NewHost(nil)
	if _, err := h.kernelSpec(); err != nil {
		t.Skipf("no kernel BTF: %v", err)
	}
	for _, want := range []struct{ tp, field, pointee, member string }{
		{"syscalls:sys_enter_nanosleep", "rqtp", "struct __kernel_timespec", "tv_sec"},
		{"napi:napi_poll", "napi", "struct napi_struct", "dev"},
		{"syscalls:sys_enter_connect", "uservaddr", "struct sockaddr", "sa_family"},
	} {
		cat, ev, _ := strings.Cut(want.tp, ":")
		s, err := h.TracepointArgs(cat, ev)
		if err != nil {
			t.Errorf("%s: %v", want.tp, err)
			continue
		}
		f, _ := s.Field(want.field)
		p, ok := f.Type.(*types.Pointer)
		if !ok || p.Elem.String() != want.pointee {
			t.Errorf("%s: %s has type %v, want %s *", want.tp, want.field, f.Type, want.pointee)
			continue
		}
		kt, err := h.KernelType(want.pointee)
		if err != nil {
			t.Errorf("%s: %v", want.pointee, err)
			continue
		}
		if st, ok := kt.(*types.Struct); !ok || st.Bytes == 0 {
			t.Errorf("%s from BTF = %v", want.pointee, kt)
		} else if _, ok := st.Field(want.member); !ok {
			t.Errorf("%s has no member %s", want.pointee, want.member)
		}
	}
	s, err := h.TracepointArgs("skb", "kfree_skb")
	if err != nil {
		t.Skipf("skb:kfree_skb: %v", err)
	}
	f, ok := s.Field("reason")
	if !ok {
		t.Skip("skb:kfree_skb has no reason field on this kernel (Linux 5.17 added it)")
	}
	if f.Enum == nil {
		t.Fatalf("kfree_skb reason has no enum: %+v", f)
	}
	kt, err := h.KernelType("enum " + f.Enum.Name)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := kt.(*types.Enum); !ok || !strings.HasPrefix(e.Names[2], "SKB_DROP_REASON_") {
		t.Errorf("enum %s = %v", f.Enum.Name, kt)
	}
}
