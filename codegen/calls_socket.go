package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.SocketCookie] = callGen{scalar: genSocketCookie}
}

// genSocketCookie calls bpf_get_socket_cookie with the socket pointer,
// which must reach the helper as the kernel typed it (an fentry/fexit
// argument loaded from the context, or a variable holding one: the
// verifier keeps a pointer's type through 8-byte stack slots).
func genSocketCookie(g *gen, call *ast.Call) {
	g.intExpr(call.Args[0])
	g.e.emit(asm.Mov.Reg(asm.R1, asm.R0))
	g.e.call(asm.FnGetSocketCookie)
}
