//go:build linux

// Command guestinit is the init process of the kernel matrix's guests
// (see cmd/kernels). It runs as PID 1 from the initramfs the runner
// builds: it mounts proc, sys and dev, loads the modules in /modules in
// name order (the runner numbers them in dependency order), mounts the
// host's root read-only and the working tree read-write over virtio-9p,
// puts tmpfs on /tmp, /run and /dev/shm, mounts tracefs, debugfs, bpffs
// and cgroup2, brings up the loopback interface, chroots into the host's
// root and runs the command of /guest.json with GOBPFTRACE_GUEST=1. It
// then prints the command's exit status on the console after the marker
// the runner looks for and powers the machine off.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// config is /guest.json, written by the runner.
type config struct {
	Argv []string // the command
	Dir  string   // its working directory inside the host's tree
	Env  []string // its environment
	Work string   // where the read-write 9p share "work" is mounted
}

// exitMarker precedes the exit status on the console; the runner's
// parser (cmd/kernels/results.go) matches it.
const exitMarker = "<<gobpftrace-guest-exit "

// startMarker tells the runner that init runs: what came before (firmware
// and kernel messages) is not the command's output.
const startMarker = "<<gobpftrace-guest-start>>"

func main() {
	fmt.Printf("\n%s\n", startMarker)
	code, err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "guestinit: %v\n", err)
		code = 125
	}
	fmt.Printf("\n%s%d>>\n", exitMarker, code)
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}

type mount struct {
	source, target, fstype string
	flags                  uintptr
	data                   string
}

func (m mount) do() error {
	if _, err := os.Lstat(m.target); err != nil {
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount(m.source, m.target, m.fstype, m.flags, m.data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.fstype, m.target, err)
	}
	return nil
}

func run() (int, error) {
	for _, m := range []mount{
		{"proc", "/proc", "proc", 0, ""},
		{"sysfs", "/sys", "sysfs", 0, ""},
		{"devtmpfs", "/dev", "devtmpfs", 0, ""},
	} {
		if err := m.do(); err != nil {
			return 0, err
		}
	}
	// Kernel messages would interleave with the command's output.
	os.WriteFile("/proc/sys/kernel/printk", []byte("1 4 1 7"), 0)
	b, err := os.ReadFile("/guest.json")
	if err != nil {
		return 0, err
	}
	var cfg config
	if err := json.Unmarshal(b, &cfg); err != nil {
		return 0, fmt.Errorf("guest.json: %w", err)
	}
	if err := loadModules("/modules"); err != nil {
		return 0, err
	}
	const p9 = "trans=virtio,version=9p2000.L,msize=262144"
	root := "/newroot"
	mounts := []mount{
		{"hostroot", root, "9p", unix.MS_RDONLY, p9 + ",cache=loose"},
		{"tmpfs", root + "/tmp", "tmpfs", 0, "mode=1777"},
		{"tmpfs", root + "/run", "tmpfs", 0, "mode=755"},
	}
	// The working tree goes on after the guest's own /tmp and /run, so
	// that a tree under /tmp (a CI clone, say) is not hidden by them: its
	// mount point is then made in the guest's tmpfs.
	if cfg.Work != "" {
		mounts = append(mounts, mount{"work", root + cfg.Work, "9p", 0, p9})
	}
	mounts = append(mounts, []mount{
		{"proc", root + "/proc", "proc", 0, ""},
		{"sysfs", root + "/sys", "sysfs", 0, ""},
		{"devtmpfs", root + "/dev", "devtmpfs", 0, ""},
		{"devpts", root + "/dev/pts", "devpts", 0, "ptmxmode=0666"},
		{root + "/dev/pts/ptmx", root + "/dev/ptmx", "", unix.MS_BIND, ""},
		{"tmpfs", root + "/dev/shm", "tmpfs", 0, "mode=1777"},
		{"tracefs", root + "/sys/kernel/tracing", "tracefs", 0, ""},
		{"debugfs", root + "/sys/kernel/debug", "debugfs", 0, ""},
		{"bpf", root + "/sys/fs/bpf", "bpf", 0, ""},
		{"cgroup2", root + "/sys/fs/cgroup", "cgroup2", 0, ""},
	}...)
	for _, m := range mounts {
		if err := m.do(); err != nil {
			return 0, err
		}
	}
	if err := loopbackUp(); err != nil {
		return 0, err
	}
	if err := unix.Chroot(root); err != nil {
		return 0, fmt.Errorf("chroot: %w", err)
	}
	if err := os.Chdir(cfg.Dir); err != nil {
		return 0, err
	}
	if len(cfg.Argv) == 0 {
		return 0, errors.New("guest.json: no command")
	}
	for _, kv := range cfg.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			os.Setenv("PATH", v) // for finding the command
		}
	}
	cmd := exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
	cmd.Env = cfg.Env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.ExitCode() < 0 {
			return 128 + int(ee.Sys().(unix.WaitStatus).Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}

// loadModules loads every module file of dir in name order.
func loadModules(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		err = unix.FinitModule(int(f.Fd()), "", 0)
		f.Close()
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("loading module %s: %w", strings.TrimSuffix(n, ".ko"), err)
		}
	}
	return nil
}

// loopbackUp sets IFF_UP on lo.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bringing lo up: %w", err)
	}
	return nil
}
