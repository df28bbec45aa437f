package runtime

import (
	"os"
	"path/filepath"
	goruntime "runtime"
)

// headerDirs are searched for #include <…> headers, in order.
var headerDirs = []string{
	"/usr/local/include",
	"/usr/include/" + map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[goruntime.GOARCH] + "-linux-gnu",
	"/usr/include",
}

// ReadHeader returns the text of a header named by #include and whether it
// exists: <name> is searched in the system include directories, "name"
// first in the current directory. Kernel headers are usually absent; the
// preprocessor then relies on BTF and its UAPI table.
func ReadHeader(name string, system bool) (string, bool) {
	dirs := headerDirs
	if !system {
		dirs = append([]string{"."}, dirs...)
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join(d, name)); err == nil {
			return string(b), true
		}
	}
	return "", false
}
