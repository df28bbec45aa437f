package check

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callCheckers[stdlib.Uaddr] = (*checker).checkUaddr
}

// UserAddr is a resolved uaddr(): where a symbol of the probe's binary is
// in the traced process.
type UserAddr struct {
	// Addr is the symbol's address: absolute for a fixed-address
	// executable, else relative to the file's lowest mapping.
	Addr uint64
	// Relocate is set for position-independent files: the program finds
	// the current task's lowest mapping of the file (by Inode) and adds
	// its start to Addr.
	Relocate bool
	Inode    uint64
	// VMA holds the kernel field offsets the mapping walk reads.
	VMA VMALayout
}

// VMALayout are the offsets, from kernel BTF, of the fields that lead
// from a memory mapping to the inode number of its file.
type VMALayout struct {
	VMStart, VMFile int // struct vm_area_struct
	FileInode       int // struct file: f_inode
	InodeIno        int // struct inode: i_ino
}

// checkUaddr: uaddr("sym") is a pointer to a symbol of the probe's binary
// (uprobe, uretprobe and usdt probes only), resolved when the script is
// compiled. The pointee is an unsigned integer of the symbol's size (1, 2,
// 4 or 8 bytes; 8 otherwise), read from user memory. In position-independent
// executables and libraries the symbol moves with the file's load address,
// which the program looks up in the current task's mappings at run time.
func (c *checker) checkUaddr(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	name, ok := c.literalArg(call, "uaddr")
	if !ok {
		return nil
	}
	k := c.attach.Kind
	if k == stdlib.ProbeInvalid {
		return nil
	}
	if !stdlib.Probes[k].UserSpace {
		c.errorf(call, diag.CodeProbe, "uaddr can not be used with \"%s\" probes", stdlib.Probes[k].Name)
		return nil
	}
	if c.cfg.Host == nil {
		c.errorf(call, diag.CodeUnsupported, "uaddr() needs the probe's binary, which is not available")
		return nil
	}
	c.tab.PerAttach = true
	sym, err := c.cfg.Host.UserSymbol(c.attach.Binary, name)
	if err != nil {
		c.errorf(arg, diag.CodeUnknown, "Could not resolve symbol: %s:%s: %v", c.attach.Binary, name, err)
		return nil
	}
	ua := UserAddr{Addr: sym.Addr}
	if sym.Relocatable {
		vma, err := c.vmaLayout()
		if err != nil {
			c.errorf(call, diag.CodeUnsupported, "uaddr() of a position-independent binary (%s) reads the task's mappings, which needs kernel BTF: %v", c.attach.Binary, err)
			return nil
		}
		ua.Relocate, ua.Inode, ua.VMA = true, sym.Inode, vma
	}
	if c.tab.UserAddrs == nil {
		c.tab.UserAddrs = map[*ast.Call]UserAddr{}
	}
	c.tab.UserAddrs[call] = ua
	elem := types.Uint64
	switch sym.Size {
	case 1:
		elem = types.Uint8
	case 2:
		elem = types.Uint16
	case 4:
		elem = types.Uint32
	}
	return &types.Pointer{Elem: elem, Space: types.User}
}

// vmaLayout resolves the kernel fields of the mapping walk.
func (c *checker) vmaLayout() (VMALayout, error) {
	var l VMALayout
	for _, f := range []struct {
		typ, field string
		dst        *int
	}{
		{"struct vm_area_struct", "vm_start", &l.VMStart},
		{"struct vm_area_struct", "vm_file", &l.VMFile},
		{"struct file", "f_inode", &l.FileInode},
		{"struct inode", "i_ino", &l.InodeIno},
	} {
		t, err := c.cfg.Host.KernelType(f.typ)
		if err != nil {
			return l, err
		}
		s, ok := t.(*types.Struct)
		if !ok {
			return l, fmt.Errorf("%s is not a struct", f.typ)
		}
		fd, ok := s.Field(f.field)
		if !ok || fd.Type.Size() != 8 || fd.BitSize != 0 {
			return l, fmt.Errorf("%s has no 8-byte field %s", f.typ, f.field)
		}
		*f.dst = fd.Offset
	}
	return l, nil
}
