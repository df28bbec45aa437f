//go:build linux

package engine_test

import (
	"errors"
	"fmt"

	"github.com/gobpftrace/gobpftrace/runtime/engine"
)

// Compile a script for the running kernel: its programs and maps.
func ExampleCompile() {
	s, err := engine.Compile("example.bt", `BEGIN { @start = nsecs; } tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }`, &engine.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range s.Object.Programs {
		fmt.Println("program", p.Probe)
	}
	for _, name := range s.Info.MapNames {
		fmt.Println("map", name, s.Info.Maps[name].Value)
	}
	// Output:
	// program begin
	// program tracepoint:syscalls:sys_enter_openat
	// map @opens count
	// map @start uint64
}

// A script with an error fails its stage with an *engine.Error, whose
// diagnostics point into the script.
func ExampleError() {
	_, err := engine.Compile("bad.bt", `BEGIN { printf("%d\n", "text"); }`, &engine.Options{})
	var e *engine.Error
	if errors.As(err, &e) {
		for _, d := range e.Diagnostics.Items {
			line, col := e.Source.Position(d.Span.Start)
			fmt.Printf("%s:%d:%d: %s\n", e.Source.Name, line, col, d.Msg)
		}
	}
	// Output:
	// bad.bt:1:9: printf: %d specifier expects a value of type integer (string supplied)
}
