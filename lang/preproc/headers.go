package preproc

import "strings"

// A script's #include of a header that exists in no search directory is
// skipped only when the header is one that BTF and the UAPI table stand
// in for: a kernel header (its first directory is one of the kernel's
// include roots) or a header of the C library. Any other name — a typo, a
// project header that is not in the -I path — is an error at the #include,
// as a C compiler would report it ("'lol/no.h' file not found"), instead of
// a silent skip that leaves the script failing later on a missing macro.
// Headers included by headers are not checked: a header that exists may
// include anything its own build environment provides.

// kernelIncludeRoots are the first directories of the kernel's include
// trees (include/, include/uapi/, arch/*/include/): <linux/sched.h>,
// <net/sock.h>, <uapi/linux/bpf.h>, <asm/ptrace.h> …
var kernelIncludeRoots = setOf(
	"acpi", "asm", "asm-generic", "clocksource", "crypto", "drm", "dt-bindings",
	"generated", "keys", "kunit", "kvm", "linux", "math-emu", "media", "misc",
	"mtd", "net", "pcmcia", "ras", "rdma", "scsi", "soc", "sound", "target",
	"trace", "uapi", "vdso", "video", "xen",
)

// libcIncludeRoots are the C library's header directories (<sys/socket.h>,
// <netinet/in.h> …).
var libcIncludeRoots = setOf("arpa", "bits", "gnu", "net", "netinet", "netpacket", "rpc", "scsi", "sys")

// libcHeaders are the C library's top-level headers (ISO C, POSIX and the
// GNU additions scripts include for their constants, such as <errno.h>
// and <syscall.h>).
var libcHeaders = setOf(
	"aio.h", "alloca.h", "assert.h", "byteswap.h", "complex.h", "ctype.h",
	"dirent.h", "dlfcn.h", "elf.h", "endian.h", "err.h", "errno.h", "error.h",
	"fcntl.h", "features.h", "fenv.h", "float.h", "fnmatch.h", "ftw.h",
	"getopt.h", "glob.h", "grp.h", "iconv.h", "ifaddrs.h", "inttypes.h",
	"iso646.h", "langinfo.h", "libgen.h", "limits.h", "link.h", "locale.h",
	"malloc.h", "math.h", "memory.h", "mntent.h", "mqueue.h", "netdb.h",
	"nl_types.h", "poll.h", "pthread.h", "pty.h", "pwd.h", "regex.h",
	"sched.h", "search.h", "semaphore.h", "setjmp.h", "shadow.h", "signal.h",
	"spawn.h", "stdalign.h", "stdarg.h", "stdatomic.h", "stdbool.h",
	"stddef.h", "stdint.h", "stdio.h", "stdlib.h", "stdnoreturn.h",
	"string.h", "strings.h", "syscall.h", "sysexits.h", "syslog.h",
	"tar.h", "termios.h", "tgmath.h", "threads.h", "time.h", "uchar.h",
	"ucontext.h", "ulimit.h", "unistd.h", "utime.h", "utmp.h", "utmpx.h",
	"values.h", "wait.h", "wchar.h", "wctype.h", "wordexp.h",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// standInHeader reports whether a header that exists nowhere may be
// skipped: BTF and the UAPI table provide what a kernel or C library
// header would.
func standInHeader(name string) bool {
	root, _, nested := strings.Cut(name, "/")
	if !nested {
		return libcHeaders[name]
	}
	return kernelIncludeRoots[root] || libcIncludeRoots[root]
}
