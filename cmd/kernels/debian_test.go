package main

import (
	"strings"
	"testing"
)

// pkgnames is a cut of `apt-cache pkgnames linux-image-` over bookworm and
// bullseye (with their security archives), in apt's unsorted order.
const pkgnames = `linux-image-6.1.0-57-amd64-unsigned
linux-image-5.10.0-9-amd64
linux-image-6.12.118+deb12-amd64
linux-image-5.10.0-46-amd64
linux-image-5.10.0-47-cloud-amd64
linux-image-6.1.0-0.deb11.52-amd64
linux-image-5.10.0-46-amd64-dbg
linux-image-6.1.0-57-amd64
linux-image-6.12.99+deb12-amd64
linux-image-6.1-amd64
linux-image-6.1.0-9-amd64
linux-image-6.12.118+deb12-amd64-unsigned
linux-image-6.12.119+deb12-cloud-amd64
linux-image-6.1.0-57-rt-amd64
linux-image-5.10.0-45-amd64
linux-image-6.12-amd64
linux-image-6.1.0-58-cloud-amd64
`

func TestNewestPackage(t *testing.T) {
	want := map[string]string{
		"5.10": "linux-image-5.10.0-46-amd64",      // numerically, not 9; not -cloud (no 9p)
		"6.1":  "linux-image-6.1.0-57-amd64",       // not the bullseye backport, -rt or -cloud
		"6.12": "linux-image-6.12.118+deb12-amd64", // not 99, not -unsigned
	}
	for _, s := range allSeries {
		got, err := newestPackage(s, pkgnames)
		if err != nil || got != want[s.Name] {
			t.Errorf("newestPackage(%s) = %q, %v; want %q", s.Name, got, err, want[s.Name])
		}
	}
	s, _ := findSeries("6.1")
	if _, err := newestPackage(s, "linux-image-6.1-amd64\nlinux-image-6.1.0-57-amd64-dbg\nlinux-image-6.1.0-57-cloud-amd64\n"); err == nil || !strings.Contains(err.Error(), "no package for Linux 6.1 in the bookworm index") {
		t.Errorf("no matching package: got %v", err)
	}
	if _, err := findSeries("4.19"); err == nil || !strings.Contains(err.Error(), "known: 5.10, 6.1, 6.12") {
		t.Errorf("unknown series: got %v", err)
	}
}

func TestPackageVersion(t *testing.T) {
	show := `Package: linux-image-6.12.118+deb12-cloud-amd64
Source: linux-signed-amd64 (6.12.118+1~deb12u1)
Version: 6.12.118-1~deb12u1
Installed-Size: 110000
Filename: pool/updates/main/l/linux-signed-amd64/linux-image-6.12.118+deb12-cloud-amd64_6.12.118-1~deb12u1_amd64.deb
`
	v, err := packageVersion(show)
	if err != nil || v != "6.12.118-1~deb12u1" {
		t.Errorf("packageVersion = %q, %v", v, err)
	}
	if got := debFileName("linux-image-6.12.118+deb12-cloud-amd64", v); got != "linux-image-6.12.118+deb12-cloud-amd64_6.12.118-1~deb12u1_amd64.deb" {
		t.Errorf("debFileName = %q", got)
	}
	if got := debFileName("p", "1:2.0-1"); got != "p_1%3a2.0-1_amd64.deb" {
		t.Errorf("an epoch is written %%3a: %q", got)
	}
	if _, err := packageVersion("Package: x\n"); err == nil {
		t.Error("missing Version must be an error")
	}
}

func TestAptSources(t *testing.T) {
	src := aptSources()
	for _, line := range []string{
		"http://deb.debian.org/debian bullseye main",
		"http://deb.debian.org/debian-security bullseye-security main",
		"http://deb.debian.org/debian bookworm-updates main",
		"http://deb.debian.org/debian-security bookworm-security main",
	} {
		if !strings.Contains(src, line) {
			t.Errorf("sources.list lacks %q:\n%s", line, src)
		}
	}
	if n := strings.Count(src, "bookworm main"); n != 1 {
		t.Errorf("bookworm listed %d times:\n%s", n, src)
	}
}
