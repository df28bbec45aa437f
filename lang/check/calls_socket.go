package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.SocketCookie] = (*checker).checkSocketCookie
}

// socketStructs are the structs bpf_get_socket_cookie takes a pointer to
// (the kernel's socket types begin with a struct sock_common); a struct
// whose first member is one of them (struct tcp_sock → inet_connection_sock
// → inet_sock → sock) is one too.
var socketStructs = map[string]bool{"sock": true, "sock_common": true}

// isSocketStruct reports whether st is, or begins with, a socket struct.
func (c *checker) isSocketStruct(st *types.Struct) bool {
	for depth := 0; st != nil && depth < 8; depth++ {
		if st.Kind == "struct" && socketStructs[st.Name] {
			return true
		}
		if len(st.Fields) == 0 || st.Fields[0].Offset != 0 {
			return false
		}
		st, _ = st.Fields[0].Type.(*types.Struct)
	}
	return false
}

// checkSocketCookie: socket_cookie(sk) calls bpf_get_socket_cookie, which
// the kernel lets tracing programs call only with a socket pointer it
// types itself (PTR_TO_BTF_ID): the arguments of fentry and fexit probes.
func (c *checker) checkSocketCookie(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if k := c.attach.Kind; k != stdlib.ProbeInvalid && k != stdlib.Fentry && k != stdlib.Fexit {
		c.errorf(call, diag.CodeProbe, "socket_cookie() can only be used in fentry and fexit probes, whose socket arguments the kernel types from BTF (%s probes read kernel memory as plain addresses)", stdlib.Probes[k].Name)
		return nil
	}
	p, ok := t.(*types.Pointer)
	var st *types.Struct
	if ok {
		st, _ = c.completePointer(p).Elem.(*types.Struct)
	}
	if st == nil || !c.isSocketStruct(st) {
		c.errorf(call.Args[0], diag.CodeType, "socket_cookie() expects a struct sock * (%s provided)", t)
		return nil
	}
	return types.Uint64
}
