package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/preproc"
)

// headerDirs are the system include directories, searched last, in order.
var headerDirs = []string{
	"/usr/local/include",
	"/usr/include/" + map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[goruntime.GOARCH] + "-linux-gnu",
	"/usr/include",
}

// Includer finds the headers named by a script's #include lines, for
// lang/preproc, the way a C compiler searches (and bpftrace, through clang):
//
//   - #include "name" is searched first in the directory of the file that
//     contains it (the script's directory; the current directory for -e
//     and stdin), then like <name>;
//   - #include <name> is searched in the -I directories, in order, then in
//     the system directories /usr/local/include, /usr/include/ARCH-linux-gnu
//     and /usr/include.
//
// Unlike a C compiler, a header must stay inside the search directories: a
// name that is absolute or climbs out with "..", or a file that a symbolic
// link resolves to outside every search directory, is an error, and so is
// a header that is not a regular file or is larger than MaxSourceSize. A
// header found in no directory is preproc.ErrNotFound: kernel headers are
// usually absent and BTF covers them.
type Includer struct {
	// ScriptDir is the script's directory; "" means the current directory.
	ScriptDir string
	// Dirs are the -I directories.
	Dirs []string
	// Files are the --include headers.
	Files []string

	once  sync.Once
	roots []string // every search directory, symbolic links resolved
}

// Preincludes returns the --include headers.
func (in *Includer) Preincludes() []string { return in.Files }

// Include finds and reads a header; dir is the including header's
// directory, "" for the script.
func (in *Includer) Include(name string, system bool, dir string) (preproc.Header, error) {
	if name == "" {
		return preproc.Header{}, errors.New("empty header name")
	}
	if filepath.IsAbs(name) {
		return preproc.Header{}, errors.New("absolute header paths are not searched: add the directory with -I and include the name")
	}
	clean := filepath.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return preproc.Header{}, errors.New("the name leaves the include search path")
	}
	var dirs []string
	if !system {
		switch {
		case dir != "":
			dirs = append(dirs, dir)
		case in.ScriptDir != "":
			dirs = append(dirs, in.ScriptDir)
		default:
			dirs = append(dirs, ".")
		}
	}
	dirs = append(dirs, in.Dirs...)
	dirs = append(dirs, headerDirs...)
	for _, d := range dirs {
		path := filepath.Join(d, clean)
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return preproc.Header{}, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		if !in.inside(real) {
			return preproc.Header{}, fmt.Errorf("%s resolves to %s, outside the include search path", path, real)
		}
		b, err := ReadSourceFile(real)
		if err != nil {
			return preproc.Header{}, err
		}
		return preproc.Header{Path: real, Text: string(b)}, nil
	}
	return preproc.Header{}, preproc.ErrNotFound
}

// inside reports whether path lies in one of the search directories.
func (in *Includer) inside(path string) bool {
	in.once.Do(func() {
		dirs := append([]string{in.ScriptDir}, in.Dirs...)
		for _, d := range append(dirs, headerDirs...) {
			if d == "" {
				d = "."
			}
			if abs, err := filepath.Abs(d); err == nil {
				if real, err := filepath.EvalSymlinks(abs); err == nil {
					in.roots = append(in.roots, real)
				}
			}
		}
	})
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, root := range in.roots {
		if root == "/" || abs == root || strings.HasPrefix(abs, root+"/") {
			return true
		}
	}
	return false
}
