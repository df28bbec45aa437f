// Command gen writes stdlib/uapi/table.go and syscalls.go, the tables of
// Linux macro values, from the system's C headers and from the kernel-internal headers
// of the pinned Debian package uapigen.KernelHeadersPackage. Run it
// through `go generate` in stdlib/uapi (see the //go:generate line in
// uapi.go); it needs the kernel UAPI and libc headers (Debian:
// linux-libc-dev, libc6-dev). The kernel headers are taken from -kernel,
// $GOBPFTRACE_KERNEL_HEADERS or /usr/src/<package>; failing those, the
// package is fetched with `apt-get download` and unpacked with dpkg-deb
// into a temporary directory.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gobpftrace/gobpftrace/stdlib/uapi/internal/uapigen"
)

func main() {
	root := flag.String("root", "/usr/include", "include directory to read headers from")
	kernel := flag.String("kernel", "", "headers directory of "+uapigen.KernelHeadersPackage+" (default: found or fetched)")
	out := flag.String("o", ".", "output directory (table.go and syscalls.go)")
	verbose := flag.Bool("v", false, "list matching names whose values could not be evaluated")
	flag.Parse()

	if *kernel == "" {
		dir, ok := uapigen.FindKernelHeaders()
		if !ok {
			tmp, err := os.MkdirTemp("", "uapigen")
			if err != nil {
				fail(err)
			}
			defer os.RemoveAll(tmp)
			if dir, err = fetch(tmp); err != nil {
				os.RemoveAll(tmp)
				fail(err)
			}
		}
		*kernel = dir
	}
	files, skipped, err := uapigen.Generate(*root, *kernel)
	if err != nil {
		fail(err)
	}
	if *verbose {
		for _, s := range skipped {
			fmt.Fprintln(os.Stderr, "uapi gen: skipped", s)
		}
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			fail(err)
		}
	}
}

// fetch downloads the kernel headers package into dir and unpacks it
// there, returning its headers directory.
func fetch(dir string) (string, error) {
	dl := exec.Command("apt-get", "download", uapigen.KernelHeadersPackage)
	dl.Dir, dl.Stderr = dir, os.Stderr
	if err := dl.Run(); err != nil {
		return "", fmt.Errorf("apt-get download %s: %w", uapigen.KernelHeadersPackage, err)
	}
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	if len(debs) != 1 {
		return "", fmt.Errorf("apt-get download %s: %d packages in %s", uapigen.KernelHeadersPackage, len(debs), dir)
	}
	x := exec.Command("dpkg-deb", "-x", debs[0], filepath.Join(dir, "root"))
	x.Stderr = os.Stderr
	if err := x.Run(); err != nil {
		return "", fmt.Errorf("dpkg-deb -x %s: %w", debs[0], err)
	}
	return filepath.Join(dir, "root", uapigen.KernelHeadersDir), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "uapi gen:", err)
	os.Exit(1)
}
