//go:build linux

package engine_test

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/gobpftrace/gobpftrace/runtime/engine"
	"github.com/gobpftrace/gobpftrace/runtime/output"
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

// Trace a script from a Go program: compile it, run it, make it fire,
// read its map, stop it.
func ExampleTrace() {
	s, err := engine.Compile("count.bt", `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @calls = count(); }`,
		&engine.Options{Params: []string{strconv.Itoa(os.Getpid())}})
	if err != nil {
		fmt.Println(err)
		return
	}
	run, _, err := engine.Trace(s, &engine.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer run.Close()
	for range 3 {
		syscall.Getppid()
	}
	m, err := run.Map("@calls")
	if err != nil {
		fmt.Println(err)
		return
	}
	rows, _ := output.Rows(m, 0, nil)
	fmt.Println("@calls", rows[0].Value.Num)
	run.Finish()
	// Output:
	// @calls 3
}
