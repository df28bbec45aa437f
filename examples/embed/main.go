//go:build linux

// Command embed is a Go program that embeds gobpftrace's engine
// (runtime/engine): it counts the system calls of every process for a
// while with a tracepoint script, reads the map, prints the busiest
// processes and stops the script. Run it as root:
//
//	go run ./examples/embed -for 2s -top 5
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/gobpftrace/gobpftrace/runtime/engine"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// script counts system calls per process name.
const script = `tracepoint:raw_syscalls:sys_enter { @calls[comm] = count(); }`

func main() {
	d := flag.Duration("for", 2*time.Second, "how long to count")
	top := flag.Int("top", 5, "how many processes to print")
	flag.Parse()
	if err := run(os.Stdout, *d, *top); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run traces for d and writes the top processes by system calls to w.
func run(w io.Writer, d time.Duration, top int) error {
	s, err := engine.Compile("embed.bt", script, &engine.Options{})
	if err != nil {
		return err
	}
	r, warns, err := engine.Trace(s, &engine.RunOptions{})
	if err != nil {
		return err
	}
	defer r.Close()
	for _, w := range warns {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	time.Sleep(d)
	m, err := r.Map("@calls")
	if err != nil {
		return err
	}
	rows, _ := output.Rows(m, 0, nil)
	sort.Slice(rows, func(i, j int) bool { return rows[i].Value.Num > rows[j].Value.Num })
	for i, row := range rows {
		if i == top {
			break
		}
		fmt.Fprintf(w, "%-16s %d\n", row.Key[0], row.Value.Num)
	}
	for _, err := range r.Finish() {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	return nil
}
