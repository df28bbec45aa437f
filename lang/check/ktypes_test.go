package check

import "testing"

// TestKernelTypesOnUse checks the types the script names none for: the
// pointee of a tracepoint pointer field and the enum of a tracepoint enum
// field, completed from the (fixture) BTF when used, script enums in
// casts, and enumerators as sizeof operands.
func TestKernelTypesOnUse(t *testing.T) {
	nano := `tracepoint:syscalls:sys_enter_nanosleep`
	cases := []struct{ src, expr, typ string }{
		{nano + ` { print(args.rqtp); }`, `args.rqtp`, "struct __kernel_timespec *"},
		{nano + ` { print(args.rqtp->tv_sec); }`, `args.rqtp->tv_sec`, "int64"},
		{nano + ` { print(args.rqtp.tv_nsec); }`, `args.rqtp.tv_nsec`, "int64"},
		{nano + ` { print((*args.rmtp).tv_nsec); }`, `*args.rmtp`, "struct __kernel_timespec"},
		{nano + ` { @[tid] = args.rqtp; $t = @[tid]; print($t.tv_sec); }`, `$t.tv_sec`, "int64"},
		{`tracepoint:skb:kfree_skb { print(args.reason); }`, `args.reason`, "enum skb_drop_reason"},
		{`tracepoint:skb:kfree_skb { print(args.protocol); }`, `args.protocol`, "uint16"},
		{`enum Foo { ONE = 1 }; BEGIN { print((enum Foo)1); }`, `(enum Foo)1`, "enum Foo"},
		{`BEGIN { print(sizeof(TASK_COMM_LEN)); }`, `sizeof(TASK_COMM_LEN)`, "uint64"},
		{`BEGIN { let $a: typeof(pid_t) = 1; print(($a, 1)); }`, `($a, 1)`, "(int32,int8)"},
		{`BEGIN { $p = (typeof(curtask))0; print(($p, 1)); }`, `($p, 1)`, "(struct task_struct *,int8)"},
		{`BEGIN { print((typeof(pid_t) *)0); }`, `(typeof(pid_t) *)0`, "int32 *"},
		{`BEGIN { $d = (int8)1; let $f: typeof($d) = 3; print(($f, 1)); }`, `($f, 1)`, "(int8,int8)"},
		{`BEGIN { print((typeof(curtask->pid))-1); }`, `(typeof(curtask->pid))-1`, "int32"},
		{`enum Col { RED }; struct S { enum Col c, *p; enum skb_drop_reason r; }; BEGIN { print(((struct S *)0)->c); }`,
			`((struct S *)0)->c`, "enum Col"},
		{`enum Col { RED }; struct S { enum Col c, *p; enum skb_drop_reason r; }; BEGIN { print(((struct S *)0)->p); }`,
			`((struct S *)0)->p`, "int32 *"},
		{`enum Col { RED }; struct S { enum Col c, *p; enum skb_drop_reason r; }; BEGIN { print(((struct S *)0)->r); }`,
			`((struct S *)0)->r`, "enum skb_drop_reason"},
	}
	for _, c := range cases {
		prog, info := mustCheck(t, c.src, nil)
		e := findExpr(t, prog, c.src, c.expr)
		got := info.Instances[0].Types[e]
		if got == nil || got.String() != c.typ {
			t.Errorf("%s: type of %s is %v, want %s", c.src, c.expr, got, c.typ)
		}
	}
	consts := []struct {
		src, expr string
		want      int64
	}{
		{`BEGIN { print(sizeof(TASK_COMM_LEN)); }`, `sizeof(TASK_COMM_LEN)`, 8},
		{`enum { A = 3 }; BEGIN { print(sizeof(A)); }`, `sizeof(A)`, 8},
		{"#define N 5\nBEGIN { print(sizeof(N)); }", `sizeof(N)`, 1},
		{`BEGIN { print(sizeof(pid_t)); }`, `sizeof(pid_t)`, 4},
		{`tracepoint:skb:kfree_skb { print(sizeof(args.reason)); }`, `sizeof(args.reason)`, 4},
		{`struct S { struct __kernel_timespec *p; }; BEGIN { print(sizeof(*((struct S *)0)->p)); }`,
			`sizeof(*((struct S *)0)->p)`, 16},
	}
	for _, c := range consts {
		prog, info := mustCheck(t, c.src, nil)
		e := findExpr(t, prog, c.src, c.expr)
		if got, ok := info.Instances[0].Consts[e]; !ok || got != c.want {
			t.Errorf("%s = %d (constant: %v), want %d", c.expr, got, ok, c.want)
		}
	}
}
