package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(mainErr(os.Args[1:]))
}

// usage is printed for -h and for a bad command line.
const usage = `usage:
  kernels [flags] vm -kernel 6.1 [-timeout 10m] -- command [arg …]
      run a command of this machine in a guest; exits with its status
  kernels [flags] matrix [-kernels 5.10,6.1,6.12] [-groups …]
      run the kernel tests in every guest and print the table
  kernels [flags] fetch [-kernels …]
      download and unpack the kernels, print their versions
flags:
  -cache DIR   downloaded kernels and built binaries
               (default $GOBPFTRACE_KERNELS_CACHE, else ${XDG_CACHE_HOME:-/var/cache}/gobpftrace-kernels)
  -accel tcg|kvm  (default tcg: nested KVM hangs at boot on the CI machine)
`

// options are the flags common to every subcommand.
type options struct {
	cache string
	accel string
	mem   int
	cpus  int
}

func defaultCache() string {
	if d := os.Getenv("GOBPFTRACE_KERNELS_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		base = "/var/cache"
	}
	return filepath.Join(base, "gobpftrace-kernels")
}

func mainErr(args []string) int {
	fs := flag.NewFlagSet("kernels", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	var o options
	fs.StringVar(&o.cache, "cache", defaultCache(), "cache directory")
	fs.StringVar(&o.accel, "accel", "tcg", "tcg or kvm")
	fs.IntVar(&o.mem, "mem", 2048, "guest memory in MiB")
	fs.IntVar(&o.cpus, "cpus", 2, "guest CPUs")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	var code int
	var err error
	switch fs.Arg(0) {
	case "vm":
		code, err = cmdVM(ctx, o, fs.Args()[1:])
	case "matrix":
		code, err = cmdMatrix(ctx, o, fs.Args()[1:])
	case "fetch":
		code, err = cmdFetch(o, fs.Args()[1:])
	default:
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kernels:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// fetchAll refreshes the package lists (when older than maxAge) and fetches
// the named series and bpftrace's tools, printing the package versions
// used. tools is the environment entry that shows guests the tools.
func fetchAll(o options, names []string, maxAge time.Duration) (ks []kernel, tools string, err error) {
	if err := ensureTools(); err != nil {
		return nil, "", err
	}
	a := apt{dir: filepath.Join(o.cache, "apt")}
	if err := a.update(maxAge); err != nil {
		return nil, "", err
	}
	for _, n := range names {
		s, err := findSeries(n)
		if err != nil {
			return nil, "", err
		}
		k, err := fetchKernel(o.cache, a, s)
		if err != nil {
			return nil, "", fmt.Errorf("fetching Linux %s: %w", n, err)
		}
		fmt.Fprintf(os.Stderr, "kernels: Linux %s: %s %s (%s)\n", k.Series, k.Package, k.Version, k.Release)
		ks = append(ks, k)
	}
	dir, version, err := fetchUpstreamTools(o.cache, a)
	if err != nil {
		return nil, "", fmt.Errorf("fetching bpftrace's tools: %w", err)
	}
	fmt.Fprintf(os.Stderr, "kernels: tools: %s %s (%s)\n", toolsPackage, version, dir)
	return ks, "GOBPFTRACE_UPSTREAM_TOOLS=" + dir, nil
}

func cmdFetch(o options, args []string) (int, error) {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	list := fs.String("kernels", "5.10,6.1,6.12", "comma-separated kernel series")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	_, _, err := fetchAll(o, strings.Split(*list, ","), 0)
	return 0, err
}

func cmdVM(ctx context.Context, o options, args []string) (int, error) {
	fs := flag.NewFlagSet("vm", flag.ContinueOnError)
	name := fs.String("kernel", "6.1", "kernel series")
	timeout := fs.Duration("timeout", 30*time.Minute, "kill the guest after this long")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	if fs.NArg() == 0 {
		return 2, errors.New("vm: no command")
	}
	ks, tools, err := fetchAll(o, []string{*name}, 24*time.Hour)
	if err != nil {
		return 1, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return 1, err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	console, err := boot(ctx, o, ks[0], guestConfig{Argv: fs.Args(), Dir: wd, Env: guestEnv([]string{tools, ks[0].configEnv()}), Work: wd}, os.Stdout)
	if err != nil {
		return 1, err
	}
	code, ok := guestExit(console)
	if !ok {
		return 1, errors.New("the guest stopped without reporting the command's exit status (see its console above)")
	}
	fmt.Fprintf(os.Stderr, "kernels: Linux %s: exit status %d after %.1fs\n", ks[0].Release, code, time.Since(start).Seconds())
	return code, nil
}

// guestEnv is the environment of a command in a guest: this machine's
// PATH, GOBPFTRACE_GUEST=1, CI passed through, writable HOME and Go
// caches on the guest's /tmp, and extra.
func guestEnv(extra []string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=/tmp",
		"GOBPFTRACE_GUEST=1",
		"GOCACHE=/tmp/go-cache",
		"GOTOOLCHAIN=local",
		"TERM=dumb",
		"LANG=C.UTF-8",
	}
	for _, k := range []string{"CI"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if out, err := exec.Command("go", "env", "GOPATH", "GOMODCACHE").Output(); err == nil {
		if f := strings.Fields(string(out)); len(f) == 2 {
			env = append(env, "GOPATH="+f[0], "GOMODCACHE="+f[1])
		}
	}
	return append(env, extra...)
}

// boot builds the guest's initramfs for cfg and runs kernel k with it.
func boot(ctx context.Context, o options, k kernel, cfg guestConfig, out *os.File) (string, error) {
	init, err := buildGuestInit(o.cache)
	if err != nil {
		return "", err
	}
	mods, err := resolveModules(k.Modules, guestModules)
	if err != nil {
		return "", fmt.Errorf("Linux %s: %w", k.Series, err)
	}
	img, err := buildInitramfs(init, mods, cfg)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Join(o.cache), "initramfs-*.cpio")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(img); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	spec := vmSpec{Qemu: "qemu-system-x86_64", Accel: o.accel, Vmlinuz: k.Vmlinuz, Initrd: f.Name(), MemMB: o.mem, CPUs: o.cpus, Work: cfg.Work}
	return runQemu(ctx, spec.Qemu, qemuArgs(spec), out, nil)
}

// buildGuestInit builds the static guest init (cmd/kernels/guestinit) and
// returns it.
func buildGuestInit(cache string) ([]byte, error) {
	dir, err := os.MkdirTemp(cache, "guestinit-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "init")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/kernels/guestinit")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the guest init (run from the repository's root): %v\n%s", err, out)
	}
	return os.ReadFile(bin)
}

// ensureTools installs what the runner needs and the machine lacks (as
// .ci/run does for tmux) when running as root with apt-get.
func ensureTools() error {
	var missing []string
	for tool, pkg := range map[string]string{"qemu-system-x86_64": "qemu-system-x86", "dpkg-deb": "dpkg", "xz": "xz-utils", "zstd": "zstd"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, pkg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("missing %s (install them, or run as root to have them installed)", strings.Join(missing, " "))
	}
	fmt.Fprintf(os.Stderr, "kernels: installing %s\n", strings.Join(missing, " "))
	cmd := exec.Command("apt-get", append([]string{"install", "-y", "-qq", "--no-install-recommends"}, missing...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get install %s: %v\n%s", strings.Join(missing, " "), err, out)
	}
	return nil
}
