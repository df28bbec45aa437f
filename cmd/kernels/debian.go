package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// series is one kernel line of the matrix: which Debian suite carries it
// and how its image packages are named. These are Debian's generic amd64
// images, not the -cloud-amd64 ones: the cloud kernels (5.10, 6.1 and
// 6.12 alike) are built without CONFIG_NET_9P, so they cannot mount the
// host's folders over virtio-9p; the generic ones build 9p as modules. Number is the part of the
// package name that grows with each new upload (the ABI number or the
// stable release), so the newest package has the largest one.
type series struct {
	Name    string         // "6.1": what KERNEL= and the table say
	Suite   string         // Debian suite the package comes from
	Package *regexp.Regexp // package name; group 1 is the upload number
}

// allSeries lists the kernels of the matrix, oldest first.
var allSeries = []series{
	{"5.10", "bullseye", regexp.MustCompile(`^linux-image-5\.10\.0-(\d+)-amd64$`)},
	{"6.1", "bookworm", regexp.MustCompile(`^linux-image-6\.1\.0-(\d+)-amd64$`)},
	{"6.12", "bookworm", regexp.MustCompile(`^linux-image-6\.12\.(\d+)\+deb12-amd64$`)},
}

// findSeries returns the series called name.
func findSeries(name string) (series, error) {
	var names []string
	for _, s := range allSeries {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return series{}, fmt.Errorf("unknown kernel %q (known: %s)", name, strings.Join(names, ", "))
}

// newestPackage picks the package of s with the largest upload number from
// the output of `apt-cache pkgnames linux-image-` (one name a line). The
// signed image package is the one that holds vmlinuz and the modules;
// -unsigned and -dbg packages do not match the pattern.
func newestPackage(s series, pkgnames string) (string, error) {
	best, bestN := "", -1
	for _, name := range strings.Fields(pkgnames) {
		m := s.Package.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err == nil && n > bestN {
			best, bestN = name, n
		}
	}
	if best == "" {
		return "", fmt.Errorf("no package for Linux %s in the %s index (pattern %s)", s.Name, s.Suite, s.Package)
	}
	return best, nil
}

// packageVersion returns the Version field of `apt-cache show
// --no-all-versions` output.
func packageVersion(show string) (string, error) {
	sc := bufio.NewScanner(strings.NewReader(show))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Version: "); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no Version field in apt-cache show output")
}

// debFileName is the file name `apt-get download` gives a package: the
// epoch's colon is written %3a.
func debFileName(pkg, version string) string {
	return pkg + "_" + strings.ReplaceAll(version, ":", "%3a") + "_amd64.deb"
}

// aptSources is the private sources.list: the suites of every series (with
// their updates and security archives), verified with the Debian archive
// keys. The machine's own apt configuration is left alone.
func aptSources() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, s := range allSeries {
		if seen[s.Suite] {
			continue
		}
		seen[s.Suite] = true
		const opt = "[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
		fmt.Fprintf(&b, "deb %s http://deb.debian.org/debian %s main\n", opt, s.Suite)
		fmt.Fprintf(&b, "deb %s http://deb.debian.org/debian %s-updates main\n", opt, s.Suite)
		fmt.Fprintf(&b, "deb %s http://deb.debian.org/debian-security %s-security main\n", opt, s.Suite)
	}
	return b.String()
}

// apt runs apt-get and apt-cache with a private configuration under
// cache/apt.
type apt struct{ dir string }

// options returns the -o options that point apt at the private sources,
// lists and package cache and ignore apt.conf.d (no AppStream metadata).
func (a apt) options() []string {
	empty := filepath.Join(a.dir, "conf.d")
	return []string{
		"-o", "Dir::Etc::sourcelist=" + filepath.Join(a.dir, "sources.list"),
		"-o", "Dir::Etc::sourceparts=-",
		"-o", "Dir::Etc::parts=" + empty,
		"-o", "Dir::State::Lists=" + filepath.Join(a.dir, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(a.dir, "cache"),
		"-o", "APT::Sandbox::User=root",
		"-o", "Acquire::Languages=none",
	}
}

func (a apt) run(dir, tool string, args ...string) (string, error) {
	cmd := exec.Command(tool, append(a.options(), args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, msg)
	}
	return string(out), nil
}

// update writes the private configuration and refreshes the package lists
// when they are older than maxAge (always when maxAge is 0).
func (a apt) update(maxAge time.Duration) error {
	for _, d := range []string{"lists/partial", "cache/archives/partial", "conf.d"} {
		if err := os.MkdirAll(filepath.Join(a.dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(a.dir, "sources.list"), []byte(aptSources()), 0o644); err != nil {
		return err
	}
	stamp := filepath.Join(a.dir, "updated")
	if st, err := os.Stat(stamp); err == nil && maxAge > 0 && time.Since(st.ModTime()) < maxAge {
		return nil
	}
	if _, err := a.run(a.dir, "apt-get", "-qq", "update"); err != nil {
		return err
	}
	return os.WriteFile(stamp, nil, 0o644)
}

// kernel is a fetched and unpacked kernel: its package, version and the
// paths the runner needs.
type kernel struct {
	Series  string
	Package string
	Version string // Debian package version
	Release string // uname -r
	Vmlinuz string
	Modules string // lib/modules/<release>
}

// configEnv is the environment entry that shows a guest its kernel's
// build configuration (the package's /boot/config-RELEASE, which the guest
// sees through the host's root), so that tests can expect exactly the
// facilities the kernel was built with (CONFIG_FPROBE for kprobe-multi
// links, say) rather than guess them from the version.
func (k kernel) configEnv() string {
	return "GOBPFTRACE_KERNEL_CONFIG=" + filepath.Join(filepath.Dir(k.Vmlinuz), "config-"+k.Release)
}

// fetchKernel downloads the newest package of s into cache/debs (unless
// already there) and unpacks it into cache/root/<package>_<version>.
func fetchKernel(cache string, a apt, s series) (kernel, error) {
	names, err := a.run(a.dir, "apt-cache", "pkgnames", "linux-image-")
	if err != nil {
		return kernel{}, err
	}
	pkg, err := newestPackage(s, names)
	if err != nil {
		return kernel{}, err
	}
	show, err := a.run(a.dir, "apt-cache", "show", "--no-all-versions", pkg)
	if err != nil {
		return kernel{}, err
	}
	version, err := packageVersion(show)
	if err != nil {
		return kernel{}, fmt.Errorf("%s: %w", pkg, err)
	}
	root, err := fetchPackage(cache, a, pkg, version)
	if err != nil {
		return kernel{}, err
	}
	k := kernel{Series: s.Name, Package: pkg, Version: version}
	deb := filepath.Join(cache, "debs", debFileName(pkg, version))
	vmlinuz, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	mods, _ := filepath.Glob(filepath.Join(root, "lib", "modules", "*"))
	sort.Strings(vmlinuz)
	if len(vmlinuz) != 1 || len(mods) != 1 {
		return kernel{}, fmt.Errorf("%s: want one vmlinuz and one module tree, found %v and %v", deb, vmlinuz, mods)
	}
	k.Vmlinuz, k.Modules, k.Release = vmlinuz[0], mods[0], filepath.Base(mods[0])
	if _, err := os.Stat(strings.TrimPrefix(k.configEnv(), "GOBPFTRACE_KERNEL_CONFIG=")); err != nil {
		return kernel{}, fmt.Errorf("%s: no kernel configuration: %w", deb, err)
	}
	return k, nil
}

// fetchPackage downloads version of pkg into cache/debs (unless already
// there) and unpacks it into cache/root/<pkg>_<version>, which it returns.
func fetchPackage(cache string, a apt, pkg, version string) (string, error) {
	debs := filepath.Join(cache, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return "", err
	}
	deb := filepath.Join(debs, debFileName(pkg, version))
	if _, err := os.Stat(deb); err != nil {
		if _, err := a.run(debs, "apt-get", "-qq", "download", pkg+"="+version); err != nil {
			return "", err
		}
	}
	root := filepath.Join(cache, "root", pkg+"_"+version)
	if _, err := os.Stat(filepath.Join(root, ".unpacked")); err != nil {
		os.RemoveAll(root)
		if err := os.MkdirAll(root, 0o755); err != nil {
			return "", err
		}
		if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
			return "", fmt.Errorf("dpkg-deb -x %s: %v\n%s", deb, err, out)
		}
		if err := os.WriteFile(filepath.Join(root, ".unpacked"), nil, 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}

// toolsPackage is the Debian package whose tools/*.bt the guests run: the
// bpftrace tools users copy, taken from the signed archive rather than
// from this repository (they are not ours to copy).
const toolsPackage = "bpftrace"

// fetchUpstreamTools fetches the newest toolsPackage of the private
// sources and returns the folder holding its *.bt tools and the version.
func fetchUpstreamTools(cache string, a apt) (dir, version string, err error) {
	show, err := a.run(a.dir, "apt-cache", "show", "--no-all-versions", toolsPackage)
	if err != nil {
		return "", "", err
	}
	if version, err = packageVersion(show); err != nil {
		return "", "", fmt.Errorf("%s: %w", toolsPackage, err)
	}
	root, err := fetchPackage(cache, a, toolsPackage, version)
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(root, "usr", "sbin")
	if m, _ := filepath.Glob(filepath.Join(dir, "*.bt")); len(m) == 0 {
		return "", "", fmt.Errorf("%s %s has no tools in /usr/sbin/*.bt", toolsPackage, version)
	}
	return dir, version, nil
}
