package parser

import (
	"fmt"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

func TestScratch(t *testing.T) {
	for _, s := range []string{
		`BEGIN { if (1) printf("x\n"); }`,
		`t:syscalls:sys_enter_openat /pid == 1/ { @[comm] = count(); }`,
		"#!/usr/bin/bpftrace\n#define FOO 1\nstruct Foo { int x; } BEGIN { $x = (struct Foo *)0; print($x->x); }",
		`BEGIN { for ($i : 0..10) { print($i); } for $kv : @m { print($kv.0.1); } }`,
		`kprobe:f / pid / 2 > 0 / { x }`,
	} {
		src := diag.NewSource("stdin", s)
		p, d := Parse(src)
		fmt.Println(ast.Dump(p))
		fmt.Print(src.Render(d))
	}
}
