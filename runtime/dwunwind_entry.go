//go:build linux

package runtime

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

// Stopping the -c child at its entry point.
//
// dw_ustack's tables are read from the target's mappings, and a -c
// command has none of its own until it runs: its libraries are mapped by
// the dynamic loader after the exec. As bpftrace HEAD does, the command
// runs up to its entry point (where the loader hands over, every library
// of its link map present) and waits there while the tables are read.
// Instead of ptrace, a uprobe at the entry point, for the child only,
// runs a program that stops the process (bpf_send_signal(SIGSTOP)); the
// runtime sees the stop in /proc, reads the tables and sends SIGCONT.

// EntryStop is the stop set at the child's entry point.
type EntryStop struct {
	child *Child
	prog  *ebpf.Program
	link  link.Link
}

// entryStopTimeout bounds the wait for the child to reach its entry
// point (a command that never gets there, such as one whose loader
// fails, is traced without the tables).
const entryStopTimeout = 5 * time.Second

// StopAtEntry sets the stop: call it before Release.
func (c *Child) StopAtEntry() (*EntryStop, error) {
	path, err := programFile(c.path)
	if err != nil {
		return nil, fmt.Errorf("stopping %s at its entry point: %w", c.path, err)
	}
	off, err := entryOffset(path)
	if err != nil {
		return nil, fmt.Errorf("stopping %s at its entry point: %w", path, err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "entry_stop", Type: ebpf.Kprobe, License: "GPL",
		Instructions: asm.Instructions{
			asm.Mov.Imm(asm.R1, int32(syscall.SIGSTOP)),
			asm.FnSendSignal.Call(),
			asm.Mov.Imm(asm.R0, 0),
			asm.Return(),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("stopping %s at its entry point: loading the program: %w", path, err)
	}
	ex, err := link.OpenExecutable(path)
	if err == nil {
		var l link.Link
		l, err = ex.Uprobe("", prog, &link.UprobeOptions{Address: off, PID: c.Pid()})
		if err == nil {
			return &EntryStop{child: c, prog: prog, link: l}, nil
		}
	}
	prog.Close()
	return nil, fmt.Errorf("stopping %s at its entry point: %w", path, err)
}

// Wait waits until the child has stopped at its entry point; it fails
// when the child exits first or does not get there in time.
func (s *EntryStop) Wait() error {
	deadline := time.Now().Add(entryStopTimeout)
	for {
		stopped, err := processStopped(s.child.Pid())
		if err != nil {
			return fmt.Errorf("waiting for the command to reach its entry point: %w", err)
		}
		if stopped {
			return nil
		}
		select {
		case <-s.child.Done():
			return errors.New("the command exited before reaching its entry point")
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("the command did not reach its entry point in time")
		}
	}
}

// Continue detaches the stop and lets the child go on.
func (s *EntryStop) Continue() error {
	s.Close()
	if err := syscall.Kill(s.child.Pid(), syscall.SIGCONT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("continuing the command: %w", err)
	}
	return nil
}

// Close removes the stop.
func (s *EntryStop) Close() {
	if s.link != nil {
		s.link.Close()
		s.link = nil
	}
	if s.prog != nil {
		s.prog.Close()
		s.prog = nil
	}
}

// processStopped reports whether process pid is stopped (state T in
// /proc/PID/stat).
func processStopped(pid int) (bool, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return false, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return data[i+2] == 'T', nil
}

// programFile is the file the kernel runs for the command at path: its
// interpreter when it is a "#!" script.
func programFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if !strings.HasPrefix(line, "#!") {
		return path, nil
	}
	if err != nil && line == "" {
		return "", err
	}
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(fields) == 0 {
		return "", errors.New("a script without an interpreter")
	}
	return fields[0], nil
}

// entryOffset is the file offset of an ELF file's entry point.
func entryOffset(path string) (uint64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && f.Entry >= p.Vaddr && f.Entry < p.Vaddr+p.Filesz {
			if off := f.Entry - p.Vaddr + p.Off; off != 0 {
				return off, nil
			}
		}
	}
	return 0, fmt.Errorf("no executable segment holds its entry point %#x", f.Entry)
}
