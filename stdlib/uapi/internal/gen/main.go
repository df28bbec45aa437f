// Command gen writes stdlib/uapi/table.go, the table of Linux UAPI macro
// values, from the system's C headers. Run it through `go generate` in
// stdlib/uapi (see the //go:generate line in uapi.go); it needs the
// kernel UAPI and libc headers (Debian: linux-libc-dev, libc6-dev).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gobpftrace/gobpftrace/stdlib/uapi/internal/uapigen"
)

func main() {
	root := flag.String("root", "/usr/include", "include directory to read headers from")
	out := flag.String("o", "table.go", "output file")
	verbose := flag.Bool("v", false, "list matching names whose values could not be evaluated")
	flag.Parse()

	src, skipped, err := uapigen.Generate(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uapi gen:", err)
		os.Exit(1)
	}
	if *verbose {
		for _, s := range skipped {
			fmt.Fprintln(os.Stderr, "uapi gen: skipped", s)
		}
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "uapi gen:", err)
		os.Exit(1)
	}
}
