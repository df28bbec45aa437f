package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// cpioEntry is one file of an initramfs: a regular file (Data), a
// directory or a character device.
type cpioEntry struct {
	Name  string // path without a leading slash
	Mode  uint32 // file type bits and permissions (S_IFREG|0755 …)
	Data  []byte // contents of a regular file
	Major uint32 // device numbers of a character device
	Minor uint32
}

// Mode bits of the entries we write.
const (
	modeDir  = 0o040000
	modeReg  = 0o100000
	modeChar = 0o020000
)

// writeCpio writes entries as a "newc" cpio archive, the format the kernel
// unpacks into the initial root file system, in name order (so that
// directories come before their contents) and ends it with the trailer.
func writeCpio(w io.Writer, entries []cpioEntry) error {
	sorted := append([]cpioEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	cw := &cpioWriter{w: w}
	for i, e := range sorted {
		if e.Name == "" || strings.HasPrefix(e.Name, "/") {
			return fmt.Errorf("cpio entry %q: name must be relative and non-empty", e.Name)
		}
		nlink := uint32(1)
		if e.Mode&0o170000 == modeDir {
			nlink = 2
		}
		cw.entry(uint32(i+1), e.Mode, nlink, e.Major, e.Minor, e.Name, e.Data)
	}
	cw.entry(0, 0, 1, 0, 0, "TRAILER!!!", nil)
	return cw.err
}

// cpioWriter writes newc headers and 4-byte padding, keeping the first
// error.
type cpioWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *cpioWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	var n int
	n, c.err = c.w.Write(b)
	c.n += int64(n)
}

func (c *cpioWriter) pad() {
	if r := c.n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

func (c *cpioWriter) entry(ino, mode, nlink, major, minor uint32, name string, data []byte) {
	// magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	// devminor, rdevmajor, rdevminor, namesize, check.
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, mode, 0, 0, nlink, 0, len(data), 0, 0, major, minor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write(append([]byte(name), 0))
	c.pad()
	c.write(data)
	c.pad()
}
