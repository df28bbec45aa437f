// Package uapi holds the values of common Linux UAPI macros (AF_*,
// IPPROTO_*, O_*, S_IF*, SIG*, E*, PROT_*, MAP_* …) that scripts use but
// that BTF cannot provide, because they are preprocessor macros rather
// than enumerators. It lets scripts written for bpftrace, which get them
// from kernel headers through clang, run without headers or clang.
//
// The values are those of x86-64 Linux (the same on arm64 except where
// noted in the table).
package uapi

// Lookup returns the value of a UAPI macro.
func Lookup(name string) (int64, bool) {
	v, ok := constants[name]
	return v, ok
}

// Names returns every macro name in the table (for completion and hints).
func Names() []string {
	out := make([]string, 0, len(constants))
	for n := range constants {
		out = append(out, n)
	}
	return out
}

var constants = map[string]int64{
	// <linux/socket.h> address families
	"AF_UNSPEC": 0, "AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_AX25": 3, "AF_IPX": 4,
	"AF_APPLETALK": 5, "AF_NETROM": 6, "AF_BRIDGE": 7, "AF_ATMPVC": 8, "AF_X25": 9, "AF_INET6": 10,
	"AF_ROSE": 11, "AF_DECnet": 12, "AF_NETBEUI": 13, "AF_SECURITY": 14, "AF_KEY": 15, "AF_NETLINK": 16,
	"AF_ROUTE": 16, "AF_PACKET": 17, "AF_ASH": 18, "AF_ECONET": 19, "AF_ATMSVC": 20, "AF_RDS": 21,
	"AF_SNA": 22, "AF_IRDA": 23, "AF_PPPOX": 24, "AF_WANPIPE": 25, "AF_LLC": 26, "AF_IB": 27,
	"AF_MPLS": 28, "AF_CAN": 29, "AF_TIPC": 30, "AF_BLUETOOTH": 31, "AF_IUCV": 32, "AF_RXRPC": 33,
	"AF_ISDN": 34, "AF_PHONET": 35, "AF_IEEE802154": 36, "AF_CAIF": 37, "AF_ALG": 38, "AF_NFC": 39,
	"AF_VSOCK": 40, "AF_KCM": 41, "AF_QIPCRTR": 42, "AF_SMC": 43, "AF_XDP": 44, "AF_MCTP": 45,
	"PF_INET": 2, "PF_INET6": 10, "PF_UNIX": 1, "PF_PACKET": 17, "PF_NETLINK": 16,
	// <linux/in.h> IP protocols
	"IPPROTO_IP": 0, "IPPROTO_ICMP": 1, "IPPROTO_IGMP": 2, "IPPROTO_IPIP": 4, "IPPROTO_TCP": 6,
	"IPPROTO_EGP": 8, "IPPROTO_PUP": 12, "IPPROTO_UDP": 17, "IPPROTO_IDP": 22, "IPPROTO_TP": 29,
	"IPPROTO_DCCP": 33, "IPPROTO_IPV6": 41, "IPPROTO_RSVP": 46, "IPPROTO_GRE": 47, "IPPROTO_ESP": 50,
	"IPPROTO_AH": 51, "IPPROTO_ICMPV6": 58, "IPPROTO_MTP": 92, "IPPROTO_BEETPH": 94, "IPPROTO_ENCAP": 98,
	"IPPROTO_PIM": 103, "IPPROTO_COMP": 108, "IPPROTO_L2TP": 115, "IPPROTO_SCTP": 132,
	"IPPROTO_UDPLITE": 136, "IPPROTO_MPLS": 137, "IPPROTO_ETHERNET": 143, "IPPROTO_RAW": 255,
	"IPPROTO_MPTCP": 262,
	// socket types
	"SOCK_STREAM": 1, "SOCK_DGRAM": 2, "SOCK_RAW": 3, "SOCK_RDM": 4, "SOCK_SEQPACKET": 5,
	"SOCK_DCCP": 6, "SOCK_PACKET": 10, "SOCK_NONBLOCK": 0o4000, "SOCK_CLOEXEC": 0o2000000,
	// <asm-generic/fcntl.h> open flags
	"O_RDONLY": 0, "O_WRONLY": 1, "O_RDWR": 2, "O_ACCMODE": 3, "O_CREAT": 0o100, "O_EXCL": 0o200,
	"O_NOCTTY": 0o400, "O_TRUNC": 0o1000, "O_APPEND": 0o2000, "O_NONBLOCK": 0o4000, "O_DSYNC": 0o10000,
	"FASYNC": 0o20000, "O_DIRECT": 0o40000, "O_LARGEFILE": 0o100000, "O_DIRECTORY": 0o200000,
	"O_NOFOLLOW": 0o400000, "O_NOATIME": 0o1000000, "O_CLOEXEC": 0o2000000, "O_SYNC": 0o4010000,
	"O_PATH": 0o10000000, "O_TMPFILE": 0o20200000, "O_NDELAY": 0o4000,
	"AT_FDCWD": -100, "AT_SYMLINK_NOFOLLOW": 0x100, "AT_REMOVEDIR": 0x200, "AT_SYMLINK_FOLLOW": 0x400,
	"AT_EMPTY_PATH": 0x1000,
	// <linux/stat.h> file types and modes
	"S_IFMT": 0o170000, "S_IFSOCK": 0o140000, "S_IFLNK": 0o120000, "S_IFREG": 0o100000,
	"S_IFBLK": 0o60000, "S_IFDIR": 0o40000, "S_IFCHR": 0o20000, "S_IFIFO": 0o10000,
	"S_ISUID": 0o4000, "S_ISGID": 0o2000, "S_ISVTX": 0o1000, "S_IRWXU": 0o700, "S_IRUSR": 0o400,
	"S_IWUSR": 0o200, "S_IXUSR": 0o100, "S_IRWXG": 0o70, "S_IRGRP": 0o40, "S_IWGRP": 0o20,
	"S_IXGRP": 0o10, "S_IRWXO": 0o7, "S_IROTH": 0o4, "S_IWOTH": 0o2, "S_IXOTH": 0o1,
	// <asm/signal.h>
	"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGIOT": 6,
	"SIGBUS": 7, "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12,
	"SIGPIPE": 13, "SIGALRM": 14, "SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCONT": 18,
	"SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGXCPU": 24,
	"SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27, "SIGWINCH": 28, "SIGIO": 29, "SIGPOLL": 29,
	"SIGPWR": 30, "SIGSYS": 31, "SIGRTMIN": 32,
	// <asm-generic/errno-base.h>, <asm-generic/errno.h>
	"EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EIO": 5, "ENXIO": 6, "E2BIG": 7,
	"ENOEXEC": 8, "EBADF": 9, "ECHILD": 10, "EAGAIN": 11, "EWOULDBLOCK": 11, "ENOMEM": 12,
	"EACCES": 13, "EFAULT": 14, "ENOTBLK": 15, "EBUSY": 16, "EEXIST": 17, "EXDEV": 18,
	"ENODEV": 19, "ENOTDIR": 20, "EISDIR": 21, "EINVAL": 22, "ENFILE": 23, "EMFILE": 24,
	"ENOTTY": 25, "ETXTBSY": 26, "EFBIG": 27, "ENOSPC": 28, "ESPIPE": 29, "EROFS": 30,
	"EMLINK": 31, "EPIPE": 32, "EDOM": 33, "ERANGE": 34, "EDEADLK": 35, "ENAMETOOLONG": 36,
	"ENOLCK": 37, "ENOSYS": 38, "ENOTEMPTY": 39, "ELOOP": 40, "ENOMSG": 42, "EIDRM": 43,
	"ENODATA": 61, "ETIME": 62, "EOVERFLOW": 75, "EILSEQ": 84, "ENOTSOCK": 88,
	"EDESTADDRREQ": 89, "EMSGSIZE": 90, "EPROTOTYPE": 91, "ENOPROTOOPT": 92,
	"EPROTONOSUPPORT": 93, "EOPNOTSUPP": 95, "ENOTSUP": 95, "EAFNOSUPPORT": 97,
	"EADDRINUSE": 98, "EADDRNOTAVAIL": 99, "ENETDOWN": 100, "ENETUNREACH": 101,
	"ECONNABORTED": 103, "ECONNRESET": 104, "ENOBUFS": 105, "EISCONN": 106, "ENOTCONN": 107,
	"ETIMEDOUT": 110, "ECONNREFUSED": 111, "EHOSTDOWN": 112, "EHOSTUNREACH": 113,
	"EALREADY": 114, "EINPROGRESS": 115, "ESTALE": 116, "EDQUOT": 122, "ECANCELED": 125,
	// <asm-generic/mman-common.h>
	"PROT_NONE": 0, "PROT_READ": 1, "PROT_WRITE": 2, "PROT_EXEC": 4, "MAP_SHARED": 1,
	"MAP_PRIVATE": 2, "MAP_FIXED": 0x10, "MAP_ANONYMOUS": 0x20, "MAP_ANON": 0x20,
	"MAP_GROWSDOWN": 0x100, "MAP_DENYWRITE": 0x800, "MAP_EXECUTABLE": 0x1000, "MAP_LOCKED": 0x2000,
	"MAP_NORESERVE": 0x4000, "MAP_POPULATE": 0x8000, "MAP_NONBLOCK": 0x10000, "MAP_STACK": 0x20000,
	"MAP_HUGETLB": 0x40000,
	// <linux/sched.h> clone flags
	"CLONE_VM": 0x100, "CLONE_FS": 0x200, "CLONE_FILES": 0x400, "CLONE_SIGHAND": 0x800,
	"CLONE_PIDFD": 0x1000, "CLONE_PTRACE": 0x2000, "CLONE_VFORK": 0x4000, "CLONE_PARENT": 0x8000,
	"CLONE_THREAD": 0x10000, "CLONE_NEWNS": 0x20000,
	// <net/tcp_states.h> is an enum in BTF too (TCP_ESTABLISHED …); listed
	// here so scripts work even without BTF.
	"TCP_ESTABLISHED": 1, "TCP_SYN_SENT": 2, "TCP_SYN_RECV": 3, "TCP_FIN_WAIT1": 4,
	"TCP_FIN_WAIT2": 5, "TCP_TIME_WAIT": 6, "TCP_CLOSE": 7, "TCP_CLOSE_WAIT": 8, "TCP_LAST_ACK": 9,
	"TCP_LISTEN": 10, "TCP_CLOSING": 11, "TCP_NEW_SYN_RECV": 12,
}
