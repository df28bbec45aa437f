//go:build linux && amd64

package runtime

// The -c child starts as a tiny static executable (the stub) instead of a
// copy of gobpftrace: a re-executed Go binary starts a runtime whose threads
// keep making system calls (futex, nanosleep, tgkill, getpid …) until the
// exec, and a script filtering on `pid == cpid` would count them as the
// command's. The stub makes exactly three system calls of its own:
//
//	fcntl(3, F_SETFD, FD_CLOEXEC)   mark the gate close-on-exec
//	read(3, &b, 1)                  wait for the tracer
//	execve(argv[0], &argv[1], envp) become the command (b == 'g')
//
// and exits with status 126 when the read returns anything but 'g' (the
// tracer closed the gate or died), or 127 after printing
// "gobpftrace: cannot execute PATH" when the execve fails. The tracer waits
// (waitStubBlocked) until the stub sleeps in the read before it attaches
// anything, so a probe sees at most the read's return and the execve.
//
// The executable is built here (an ELF header, one PT_LOAD segment, the
// code), written once into a sealed memfd and run as /proc/self/fd/N.

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// stubCode is the stub's x86-64 machine code. It runs with the initial
// stack: [rsp] = argc, [rsp+8] = argv[0] (the command's path), [rsp+16] =
// the command's argv, then envp after argv's NULL. The one-byte read buffer
// is the red zone at [rsp-8].
var stubCode = []byte{
	0xb8, 0x48, 0x00, 0x00, 0x00, // 00 mov eax, 72 (fcntl)
	0xbf, 0x03, 0x00, 0x00, 0x00, // 05 mov edi, 3 (the gate)
	0xbe, 0x02, 0x00, 0x00, 0x00, // 0a mov esi, 2 (F_SETFD)
	0xba, 0x01, 0x00, 0x00, 0x00, // 0f mov edx, 1 (FD_CLOEXEC)
	0x0f, 0x05, //                   14 syscall
	0x31, 0xc0, //                   16 read: xor eax, eax (read)
	0xbf, 0x03, 0x00, 0x00, 0x00, // 18 mov edi, 3
	0x48, 0x8d, 0x74, 0x24, 0xf8, // 1d lea rsi, [rsp-8]
	0xba, 0x01, 0x00, 0x00, 0x00, // 22 mov edx, 1
	0x0f, 0x05, //                   27 syscall
	0x48, 0x83, 0xf8, 0xfc, //       29 cmp rax, -EINTR
	0x74, 0xe7, //                   2d je read
	0x48, 0x83, 0xf8, 0x01, //       2f cmp rax, 1
	0x75, 0x76, //                   33 jne abort
	0x80, 0x7c, 0x24, 0xf8, 0x67, // 35 cmp byte [rsp-8], 'g'
	0x75, 0x6f, //                   3a jne abort
	0x48, 0x8b, 0x7c, 0x24, 0x08, // 3c mov rdi, [rsp+8] (path)
	0x48, 0x8d, 0x74, 0x24, 0x10, // 41 lea rsi, [rsp+16] (argv)
	0x48, 0x8b, 0x0c, 0x24, //       46 mov rcx, [rsp] (argc)
	0x48, 0x8d, 0x54, 0xcc, 0x10, // 4a lea rdx, [rsp+rcx*8+16] (envp)
	0xb8, 0x3b, 0x00, 0x00, 0x00, // 4f mov eax, 59 (execve)
	0x0f, 0x05, //                   54 syscall
	0xb8, 0x01, 0x00, 0x00, 0x00, // 56 mov eax, 1 (write)
	0xbf, 0x02, 0x00, 0x00, 0x00, // 5b mov edi, 2
	0x48, 0x8d, 0x35, 0x50, 0x00, 0x00, 0x00, // 60 lea rsi, [rip+msg]
	0xba, 0x1b, 0x00, 0x00, 0x00, // 67 mov edx, len(msg)
	0x0f, 0x05, //                   6c syscall
	0x48, 0x8b, 0x74, 0x24, 0x08, // 6e mov rsi, [rsp+8] (path)
	0x31, 0xd2, //                   73 xor edx, edx
	0x80, 0x3c, 0x16, 0x00, //       75 strlen: cmp byte [rsi+rdx], 0
	0x74, 0x05, //                   79 je found
	0x48, 0xff, 0xc2, //             7b inc rdx
	0xeb, 0xf5, //                   7e jmp strlen
	0xb8, 0x01, 0x00, 0x00, 0x00, // 80 found: mov eax, 1 (write)
	0xbf, 0x02, 0x00, 0x00, 0x00, // 85 mov edi, 2
	0x0f, 0x05, //                   8a syscall
	0xb8, 0x01, 0x00, 0x00, 0x00, // 8c mov eax, 1 (write)
	0xbf, 0x02, 0x00, 0x00, 0x00, // 91 mov edi, 2
	0x48, 0x8d, 0x35, 0x35, 0x00, 0x00, 0x00, // 96 lea rsi, [rip+nl]
	0xba, 0x01, 0x00, 0x00, 0x00, // 9d mov edx, 1
	0x0f, 0x05, //                   a2 syscall
	0xbf, 0x7f, 0x00, 0x00, 0x00, // a4 mov edi, 127
	0xeb, 0x05, //                   a9 jmp exit
	0xbf, 0x7e, 0x00, 0x00, 0x00, // ab abort: mov edi, 126
	0xb8, 0xe7, 0x00, 0x00, 0x00, // b0 exit: mov eax, 231 (exit_group)
	0x0f, 0x05, //                   b5 syscall
	// b7 msg, d2 nl
	'g', 'o', 'b', 'p', 'f', 't', 'r', 'a', 'c', 'e', ':', ' ',
	'c', 'a', 'n', 'n', 'o', 't', ' ', 'e', 'x', 'e', 'c', 'u', 't', 'e', ' ',
	'\n',
}

// stubGateFD is the descriptor the stub reads (the first of ExtraFiles).
const stubGateFD = 3

// stubBase is the address the stub is loaded at.
const stubBase = 0x400000

// buildStub returns the stub executable: a 64-bit little-endian ELF header,
// one read+execute PT_LOAD segment mapping the whole file, and the code.
func buildStub(machine elf.Machine, code []byte) []byte {
	const ehSize, phSize = 64, 56
	var b bytes.Buffer
	le := binary.LittleEndian
	ident := [elf.EI_NIDENT]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)}
	total := uint64(ehSize + phSize + len(code))
	binary.Write(&b, le, elf.Header64{
		Ident:     ident,
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(machine),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     stubBase + ehSize + phSize,
		Phoff:     ehSize,
		Ehsize:    ehSize,
		Phentsize: phSize,
		Phnum:     1,
	})
	binary.Write(&b, le, elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Vaddr:  stubBase,
		Paddr:  stubBase,
		Filesz: total,
		Memsz:  total,
		Align:  0x1000,
	})
	b.Write(code)
	return b.Bytes()
}

var stubOnce struct {
	sync.Once
	path string
	err  error
}

// stubPath returns the path of the stub executable, creating it on first
// use: a sealed memfd that lives as long as this process.
func stubPath() (string, error) {
	stubOnce.Do(func() {
		stubOnce.path, stubOnce.err = createStub(buildStub(elf.EM_X86_64, stubCode))
	})
	return stubOnce.path, stubOnce.err
}

func createStub(image []byte) (string, error) {
	const name = "gobpftrace-child"
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	// MFD_EXEC (Linux 6.3) keeps the memfd executable when
	// vm.memfd_noexec asks for non-executable memfds by default; older
	// kernels reject the flag and make every memfd executable.
	fd, err := unix.MemfdCreate(name, flags|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate(name, flags)
	}
	if err != nil {
		return "", fmt.Errorf("creating the -c stub: %w", err)
	}
	if _, err := unix.Write(fd, image); err != nil {
		unix.Close(fd)
		return "", fmt.Errorf("writing the -c stub: %w", err)
	}
	// Sealed: nothing can change the code between runs.
	unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	return "/proc/self/fd/" + strconv.Itoa(fd), nil
}

// stubCommand returns the command that runs the stopped child: the stub
// with the command's path and argv as its arguments and gate as fd 3.
func stubCommand(path string, argv, env []string, gate *os.File) (*exec.Cmd, error) {
	stub, err := stubPath()
	if err != nil {
		return nil, err
	}
	return &exec.Cmd{
		Path:       stub,
		Args:       append([]string{path}, argv...),
		Env:        env,
		ExtraFiles: []*os.File{gate},
	}, nil
}

// MaybeRunChildShim does nothing on amd64, where the -c child starts as
// the machine-code stub rather than as a re-executed gobpftrace. It exists
// so main can call it on every architecture.
func MaybeRunChildShim() {}
