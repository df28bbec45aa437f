// Command kernels runs gobpftrace's tests and any command of this machine
// on real kernels under QEMU: Debian's Linux 5.10 (bullseye), 6.1 and 6.12
// (bookworm), the kernels users run and this machine's kernel (without
// kprobes or BPF tracing programs) cannot stand in for.
//
//	make vm KERNEL=6.1 CMD='uname -r'   one command in one guest
//	make kernels                        the test matrix and its table
//
// # Kernels
//
// The newest image package of each series is fetched with `apt-get
// download` through a private apt configuration (sources, lists and
// package cache under the cache directory; the machine's own sources are
// left alone), so apt verifies it against Debian's signed index; the
// versions used are printed. dpkg-deb unpacks it into the cache. The
// packages are Debian's generic -amd64 images: the -cloud-amd64 ones are
// built without 9p (CONFIG_NET_9P is not set in 5.10, 6.1 or 6.12), which
// the guests need to see the host's files.
//
// Debian's bpftrace package (bookworm's 0.17) is fetched the same way for
// its /usr/sbin/*.bt: bpftrace's own tools, as users copy them, which the
// guest e2e test TestGuestUpstreamTools runs (GOBPFTRACE_UPSTREAM_TOOLS
// names the folder). Each guest also sees its kernel's build
// configuration (GOBPFTRACE_KERNEL_CONFIG, the package's
// /boot/config-RELEASE), so tests expect exactly what the kernel was built
// with: Debian's 6.1, say, has no CONFIG_FPROBE and so no kprobe-multi
// links, which its version alone would suggest.
//
// # Matrix
//
// make kernels builds the test binaries of the groups (matrix.go) once on
// the host, static, and runs them in every guest: runtime and codegen
// whole, and cmd/gobpftrace's e2e tests in two parts (what only the
// guests' kernels have, and a cross-section of the rest). A soft lockup
// panics a guest (softlockup_panic=1), and the table then names the tests
// that were running and the kernel's report. TCG runs each guest's vCPUs
// on one host thread (thread=single; see qemu.go for why).
//
// # Guests
//
// Each guest boots the package's vmlinuz with a small initramfs written
// here: a static Go init (./guestinit, built with cgo off), the 9p and
// virtio modules with their dependencies (read from each module's
// .modinfo, decompressed on the host), the console device and the
// command's configuration (/guest.json). The init mounts the host's / read-only and the
// working tree read-write over virtio-9p, gives the guest its own /tmp,
// /run, /dev, tracefs, bpffs and cgroup2, brings up lo, chroots, runs the
// command with GOBPFTRACE_GUEST=1 (CI passed through) and reports its exit
// status on the serial console after a marker, then powers off. qemu runs
// with TCG (`-accel tcg -cpu max`) by default: nested KVM hangs at boot on
// the CI machine (-accel kvm selects it where it works). A guest never
// outlives the runner: a timeout or a signal kills qemu, and qemu gets
// SIGKILL from the kernel if the runner itself dies (PR_SET_PDEATHSIG).
//
// # Why no vmtest or u-root
//
// github.com/hugelgupf/vmtest (QEMU launching, Go tests in guests) and
// github.com/u-root/u-root (initramfs building) were evaluated. vmtest's
// last version is an untagged 2024 pseudo-version whose go.mod pulls in
// u-root, gobusybox, mkuimage and some forty indirect modules (down to
// terminal UI libraries); u-root's go.mod alone lists over a hundred
// requirements. Their model is a u-root userland built into the
// initramfs and Go tests compiled for it, while this runner needs the
// opposite: the host's own root filesystem (Go toolchain, python, bash)
// shared into a guest, plus Debian's modules loaded in order. What they
// would replace here is a newc cpio writer (cpio.go, 70 lines), a qemu
// command line (a slice, qemu.go) and module dependency resolution
// (modules.go), so the runner keeps no dependencies beyond the module's
// own (golang.org/x/sys) and stays readable in one sitting.
package main
