//go:build linux

package runtime

import (
	"errors"
	goruntime "runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The map syscalls below work on raw bytes, whatever the key and value
// layout: cilium/ebpf's typed batch API needs a Go slice type per key
// size, and maps are printed straight from bytes anyway. Attribute layouts
// are the kernel's union bpf_attr members (include/uapi/linux/bpf.h).

// bpf(2) commands used here.
const (
	bpfMapLookupElem  = unix.BPF_MAP_LOOKUP_ELEM
	bpfMapUpdateElem  = unix.BPF_MAP_UPDATE_ELEM
	bpfMapDeleteElem  = unix.BPF_MAP_DELETE_ELEM
	bpfMapGetNextKey  = unix.BPF_MAP_GET_NEXT_KEY
	bpfMapLookupBatch = unix.BPF_MAP_LOOKUP_BATCH
	bpfMapUpdateBatch = unix.BPF_MAP_UPDATE_BATCH
	bpfMapDeleteBatch = unix.BPF_MAP_DELETE_BATCH
)

// mapElemAttr is the BPF_MAP_*_ELEM and BPF_MAP_GET_NEXT_KEY attribute.
type mapElemAttr struct {
	mapFD uint32
	_     uint32
	key   uint64
	value uint64 // value, or next_key for BPF_MAP_GET_NEXT_KEY
	flags uint64
}

// mapBatchAttr is the BPF_MAP_*_BATCH attribute.
type mapBatchAttr struct {
	inBatch   uint64
	outBatch  uint64
	keys      uint64
	values    uint64
	count     uint32
	mapFD     uint32
	elemFlags uint64
	flags     uint64
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) error {
	_, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return errno
	}
	return nil
}

// addr is the address of b's first byte as the kernel's __aligned_u64, or 0
// for an empty slice. Callers keep b alive across the syscall.
func addr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

// mapBatch runs one BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}_BATCH
// command and returns the number of elements processed, which the kernel
// reports even when it also returns an error (ENOENT at the end of a
// lookup).
func mapBatch(cmd uintptr, fd int, in, out, keys, values []byte, count int, elemFlags uint64) (int, error) {
	attr := mapBatchAttr{
		inBatch:   addr(in),
		outBatch:  addr(out),
		keys:      addr(keys),
		values:    addr(values),
		count:     uint32(count),
		mapFD:     uint32(fd),
		elemFlags: elemFlags,
	}
	err := bpf(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	goruntime.KeepAlive(in)
	goruntime.KeepAlive(out)
	goruntime.KeepAlive(keys)
	goruntime.KeepAlive(values)
	return int(attr.count), err
}

// mapElem runs one element command: lookup (value out), update (value in,
// flags), delete (no value) or get-next-key (value is the next key out; a
// nil key asks for the first key).
func mapElem(cmd uintptr, fd int, key, value []byte, flags uint64) error {
	attr := mapElemAttr{mapFD: uint32(fd), key: addr(key), value: addr(value), flags: flags}
	err := bpf(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	goruntime.KeepAlive(key)
	goruntime.KeepAlive(value)
	return err
}

// errnoENOTSUPP is the kernel-internal ENOTSUPP (524) that leaks out of
// some bpf commands; x/sys/unix does not define it.
const errnoENOTSUPP = unix.Errno(524)

// batchUnsupported reports whether err means the kernel or this map type
// has no batch operations, so the element-by-element fallback applies:
// ENOTSUPP when the map type lacks the operation (per-CPU arrays before
// Linux 5.13), EINVAL from kernels before 5.6, which do not know the
// command. In all these cases the kernel returns before processing any
// element.
func batchUnsupported(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, errnoENOTSUPP) ||
		errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS)
}
