package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Ahead-of-time executables (--aot FILE).
//
// bpftrace's --aot writes a program that runs the script's compiled
// bytecode without bpftrace. gobpftrace compiles a script in milliseconds
// and is one static binary, so its AOT executable is a copy of itself
// with the script appended: the file runs anywhere gobpftrace would,
// needs nothing installed, and compiles the script for the kernel it
// runs on (BTF, helpers, kprobe or fentry availability), which a
// precompiled program could not. Its command line is gobpftrace's
// without the program: options, positional parameters, and after `--`
// the script's named options (`./tool.btaot -q 5 -- --verbose`).
//
// The appended trailer is the script's name, a NUL, its text, then the
// length of those two as 8 bytes little-endian and the 8-byte aotMagic.
// Every start reads the last 16 bytes of its own executable to look for
// it (one open and one read).

// aotMagic ends an AOT executable.
var aotMagic = []byte("GBTAOT\x00\x01")

// aotTrailerSize is the size of the fixed end of the trailer.
const aotTrailerSize = 16

// aotScript is a script embedded in an AOT executable.
type aotScript struct {
	name, text string
}

// embeddedScript returns the script appended to the executable exe, or
// nil when there is none.
func embeddedScript(exe string) (*aotScript, error) {
	f, err := os.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < aotTrailerSize {
		return nil, nil
	}
	var end [aotTrailerSize]byte
	if _, err := f.ReadAt(end[:], st.Size()-aotTrailerSize); err != nil {
		return nil, err
	}
	if !bytes.Equal(end[8:], aotMagic) {
		return nil, nil
	}
	n := binary.LittleEndian.Uint64(end[:8])
	if n > uint64(st.Size()-aotTrailerSize) || n > maxAOTScript {
		return nil, errors.New("its embedded script is damaged")
	}
	payload := make([]byte, n)
	if _, err := f.ReadAt(payload, st.Size()-aotTrailerSize-int64(n)); err != nil {
		return nil, err
	}
	name, text, ok := bytes.Cut(payload, []byte{0})
	if !ok {
		return nil, errors.New("its embedded script is damaged")
	}
	return &aotScript{name: string(name), text: string(text)}, nil
}

// maxAOTScript bounds the embedded script (the size of a script file).
const maxAOTScript = 16 << 20

// writeAOT writes the AOT executable out: the running executable exe
// with the script appended. The file is written next to out and renamed
// into place, so a failure leaves nothing half written.
func writeAOT(out, exe, name, text string) (err error) {
	self, err := os.Open(exe)
	if err != nil {
		return fmt.Errorf("reading gobpftrace's own executable: %w", err)
	}
	defer self.Close()
	if st, err := self.Stat(); err == nil && st.Size() >= aotTrailerSize {
		// An AOT executable making another: copy only the gobpftrace part.
		if s, _ := embeddedScript(exe); s != nil {
			size := st.Size() - aotTrailerSize - int64(len(s.name)+1+len(s.text))
			return writeAOTFrom(out, io.LimitReader(self, size), name, text)
		}
	}
	return writeAOTFrom(out, self, name, text)
}

func writeAOTFrom(out string, self io.Reader, name, text string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".gobpftrace-aot-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, self); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	payload := append(append([]byte(name), 0), text...)
	var end [aotTrailerSize]byte
	binary.LittleEndian.PutUint64(end[:8], uint64(len(payload)))
	copy(end[8:], aotMagic)
	if _, err := tmp.Write(append(payload, end[:]...)); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Chmod(0o755); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}

// WriteAOT checks and compiles the script (so that its errors show now,
// not on the machines the executable is copied to) and writes the AOT
// executable out.
func (s *Session) WriteAOT(out, name, text string) int {
	if s.compile(name, text) == nil {
		return exitScript
	}
	exe, err := os.Executable()
	if err == nil {
		err = writeAOT(out, exe, name, text)
	}
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: --aot: %v\n", err)
		return exitRuntime
	}
	return exitOK
}
