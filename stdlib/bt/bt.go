// Package bt embeds the standard library written in the language: the
// *.bt files of this directory define macros (assert, container_of,
// signal_name, …) that lang/macro expands where a script uses them, as
// bpftrace HEAD ships src/stdlib/*.bt.
package bt

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.bt
var files embed.FS

// File is one standard library file.
type File struct {
	// Name is the name diagnostics give the file ("stdlib/base.bt").
	Name string
	Text string
}

// Files returns the standard library files sorted by name.
func Files() []File {
	names, err := fs.Glob(files, "*.bt")
	if err != nil {
		panic(err) // the pattern is valid
	}
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, n := range names {
		data, err := files.ReadFile(n)
		if err != nil {
			panic(err) // embedded
		}
		out = append(out, File{Name: "stdlib/" + n, Text: string(data)})
	}
	return out
}
