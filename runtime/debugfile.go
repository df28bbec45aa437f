package runtime

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Separate debug files: a program stripped of its DWARF (objcopy
// --only-keep-debug, --strip-debug) is described by another ELF file,
// found as elfutils' standard search (dwfl_standard_find_debuginfo, which
// bpftrace uses) finds it, in the directories of the search path: the
// user's (--debuginfo DIR[:DIR]) followed by the default ":.debug:/usr/lib/debug".
//
//   - By build id: DIR/.build-id/xx/rest.debug, for each absolute DIR.
//   - By name: the name in the program's .gnu_debuglink section, or the
//     program's name plus ".debug" when it has none, in each DIR: an empty
//     DIR is the program's own directory, a relative DIR a subdirectory of
//     it, an absolute DIR the program's directory below DIR
//     (/usr/lib/debug/usr/bin/ls.debug), then its shorter tails.
//
// A candidate is accepted when its build id is the program's (a program
// without one: when its CRC is the one .gnu_debuglink records) and it
// has DWARF.

// defaultDebugPaths follow the user's directories (bpftrace's
// DEFAULT_DEBUG_INFO_PATHS).
var defaultDebugPaths = []string{"", ".debug", "/usr/lib/debug"}

// debugSearchPath splits the user's directories (each may list several,
// separated by ':') and appends the default ones.
func debugSearchPath(user []string) []string {
	var out []string
	for _, u := range user {
		out = append(out, strings.Split(u, ":")...)
	}
	return append(out, defaultDebugPaths...)
}

// openDebugFile finds and opens the separate debug file of the program at
// path (ef); it returns the file and its path.
func openDebugFile(path string, ef *elf.File, search []string) (*elf.File, string, error) {
	dirs := debugSearchPath(search)
	id := buildID(ef)
	link, crc, hasLink := debugLink(ef)
	accept := func(cand string) *elf.File {
		df, err := elf.Open(cand)
		if err != nil {
			return nil
		}
		ok := hasDWARF(df)
		switch {
		case !ok:
		case id != nil:
			ok = bytes.Equal(buildID(df), id)
		case hasLink:
			ok = fileCRC(cand) == crc
		}
		if !ok {
			df.Close()
			return nil
		}
		return df
	}
	if id != nil && len(id) > 1 {
		name := filepath.Join(".build-id", hex.EncodeToString(id[:1]), hex.EncodeToString(id[1:])+".debug")
		for _, d := range dirs {
			if filepath.IsAbs(d) {
				if df := accept(filepath.Join(d, name)); df != nil {
					return df, filepath.Join(d, name), nil
				}
			}
		}
	}
	if !hasLink {
		link = filepath.Base(path) + ".debug"
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	for _, cand := range debugLinkCandidates(filepath.Dir(abs), link, dirs) {
		if cand == abs {
			continue
		}
		if df := accept(cand); df != nil {
			return df, cand, nil
		}
	}
	return nil, "", errNoDWARF
}

// debugLinkCandidates are the paths a debug file named link is looked for
// at, for a program in directory dir.
func debugLinkCandidates(dir, link string, search []string) []string {
	var out []string
	for _, d := range search {
		// A leading '+' or '-' turns elfutils' CRC check on or off;
		// candidates are always checked here.
		d = strings.TrimLeft(d, "+-")
		switch {
		case d == "":
			out = append(out, filepath.Join(dir, link))
		case filepath.IsAbs(d):
			// The program's directory below d, then its tails:
			// d/usr/bin/x.debug, d/bin/x.debug.
			for sub := strings.TrimPrefix(dir, "/"); sub != ""; {
				out = append(out, filepath.Join(d, sub, link))
				i := strings.IndexByte(sub, '/')
				if i < 0 {
					break
				}
				sub = sub[i+1:]
			}
		default:
			out = append(out, filepath.Join(dir, d, link))
		}
	}
	return out
}

// buildID is the GNU build id of an ELF file (nil: none).
func buildID(ef *elf.File) []byte {
	const ntGNUBuildID = 3
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		var id []byte
		_ = forEachNote(data, ef.ByteOrder, func(name string, typ uint32, desc []byte) error {
			if name == "GNU" && typ == ntGNUBuildID && id == nil {
				id = append([]byte(nil), desc...)
			}
			return nil
		})
		if id != nil {
			return id
		}
	}
	return nil
}

// debugLink reads the .gnu_debuglink section: the debug file's name and
// the CRC-32 of its contents.
func debugLink(ef *elf.File) (name string, crc uint32, ok bool) {
	s := ef.Section(".gnu_debuglink")
	if s == nil {
		return "", 0, false
	}
	data, err := s.Data()
	if err != nil {
		return "", 0, false
	}
	end := bytes.IndexByte(data, 0)
	if end <= 0 {
		return "", 0, false
	}
	off := (end + 4) &^ 3
	if off+4 > len(data) {
		return "", 0, false
	}
	// Only a name: a path would leave the search directories.
	return filepath.Base(string(data[:end])), ef.ByteOrder.Uint32(data[off:]), true
}

// fileCRC is the CRC-32 (IEEE, as .gnu_debuglink records it) of a file's
// contents; 0 when it cannot be read.
func fileCRC(path string) uint32 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, f); err != nil {
		return 0
	}
	return h.Sum32()
}

// errTruncatedNote is the error of a note that runs past its section.
var errTruncatedNote = errors.New("truncated note")

// forEachNote calls fn with every note of an ELF note section (or
// segment): its name (NUL removed), type and descriptor, and stops at
// fn's first error.
func forEachNote(data []byte, bo binary.ByteOrder, fn func(name string, typ uint32, desc []byte) error) error {
	align4 := func(n uint32) uint64 { return (uint64(n) + 3) &^ 3 }
	for len(data) >= 12 {
		namesz, descsz, typ := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
		data = data[12:]
		if align4(namesz)+align4(descsz) > uint64(len(data)) {
			return errTruncatedNote
		}
		name := string(bytes.TrimRight(data[:namesz], "\x00"))
		desc := data[align4(namesz) : align4(namesz)+uint64(descsz)]
		data = data[align4(namesz)+align4(descsz):]
		if err := fn(name, typ, desc); err != nil {
			return err
		}
	}
	return nil
}
