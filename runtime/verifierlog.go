//go:build linux

package runtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// Older kernels (5.10 and 6.1 among them) report a script limit with
// EFAULT: when a path
// has more than 8,192 conditional jumps ("The sequence of N jumps is too
// complex."), the verifier's push_stack fails and its caller returns
// EFAULT, which cilium/ebpf takes for a verifier bug and returns without
// the log ("hit verifier bug, increase LogSizeStart …"). So that such a
// rejection is explained like any other (ExplainVerifierError), the
// program is loaded once more with a raw BPF_PROG_LOAD and the log at
// level 1, and the log is returned in an *ebpf.VerifierError. This costs
// nothing unless a load already failed with EFAULT.

// rejectionLogSize is the size of the log buffer of that second load.
// Kernels before 6.4 keep the start of a log that overflows and drop the
// rest, the message included, so it is large: the log of a
// 33k-instruction program rejected for its jumps is 1.8 MB.
const rejectionLogSize = 64 << 20

// progLoadAttr is the start of the BPF_PROG_LOAD attribute (union bpf_attr),
// as far as programs without an attach target need it.
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              uint64
	license            uint64
	logLevel           uint32
	logSize            uint32
	logBuf             uint64
	kernVersion        uint32
	progFlags          uint32
	progName           [16]byte
	progIfindex        uint32
	expectedAttachType uint32
}

// nativeOrder is the byte order of this machine, as asm.Instruction.Marshal
// wants it (binary.LittleEndian or binary.BigEndian, not NativeEndian).
func nativeOrder() binary.ByteOrder {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// withRejectionLog returns err, or for an EFAULT without a log the
// verifier's log of the same program in an *ebpf.VerifierError. Programs
// with an attach target (fentry, fexit, iterators) are left alone: their
// load needs BTF ids that only cilium/ebpf resolves.
func withRejectionLog(spec *ebpf.ProgramSpec, err error) error {
	var ve *ebpf.VerifierError
	if !errors.Is(err, unix.EFAULT) || errors.As(err, &ve) || spec.AttachTo != "" {
		return err
	}
	if hasSubprograms(spec.Instructions) {
		// The raw load has no BTF function info, which a program with
		// callbacks needs: its log would only say so.
		return fmt.Errorf("%w: the kernel gave no verifier log, which is how kernels before 6.4 refuse a program whose paths hold more than 8,192 pending branches (loops and string searches verified in their caller's path add theirs): split the probe", err)
	}
	var code bytes.Buffer
	if spec.Instructions.Marshal(&code, nativeOrder()) != nil {
		return err
	}
	license := []byte(spec.License + "\x00")
	logBuf := make([]byte, rejectionLogSize)
	attr := progLoadAttr{
		progType:           uint32(spec.Type),
		insnCnt:            uint32(code.Len() / 8),
		insns:              addr(code.Bytes()),
		license:            addr(license),
		logLevel:           1,
		logSize:            uint32(len(logBuf)),
		logBuf:             addr(logBuf),
		expectedAttachType: uint32(spec.AttachType),
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	goruntime.KeepAlive(code.Bytes())
	goruntime.KeepAlive(license)
	goruntime.KeepAlive(logBuf)
	if errno == 0 {
		unix.Close(int(fd)) // accepted the second time: keep the first error
		return err
	}
	if i := bytes.IndexByte(logBuf, 0); i >= 0 {
		logBuf = logBuf[:i]
	}
	text := strings.TrimSpace(string(logBuf))
	if text == "" {
		return err
	}
	// The cause stays the first load's EFAULT; the log explains it.
	return &ebpf.VerifierError{Cause: fmt.Errorf("load program: %w", unix.EFAULT), Log: strings.Split(text, "\n")}
}

// hasSubprograms reports whether insns call or reference functions of
// their own (loop callbacks, bpf-to-bpf calls).
func hasSubprograms(insns asm.Instructions) bool {
	for i := range insns {
		if insns[i].IsLoadOfFunctionPointer() || insns[i].IsFunctionCall() {
			return true
		}
	}
	return false
}
