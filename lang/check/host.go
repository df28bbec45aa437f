package check

import "github.com/gobpftrace/gobpftrace/lang/host"

// Host answers the checker's questions about the machine the script will
// run on (see package host).
type Host = host.Host

// USDTProbe is one USDT (SystemTap SDT) probe of an ELF file.
type USDTProbe = host.USDTProbe

// UserSym is a symbol of an ELF file (uaddr()).
type UserSym = host.UserSym

// UprobeSym is a function or object symbol of an ELF file a uprobe
// attaches in.
type UprobeSym = host.UprobeSym
