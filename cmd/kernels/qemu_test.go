package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestQemuArgs(t *testing.T) {
	a := qemuArgs(vmSpec{Accel: "tcg", Vmlinuz: "/k/vmlinuz", Initrd: "/tmp/i.cpio", MemMB: 2048, CPUs: 2, Work: "/work/main"})
	line := strings.Join(a, " ")
	for _, want := range []string{
		"-nodefaults", "-no-reboot", "-accel tcg,thread=single -cpu max", "-m 2048", "-smp 2",
		"-kernel /k/vmlinuz", "-initrd /tmp/i.cpio", "-serial stdio", "-monitor none",
		"-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
		"-virtfs local,path=/work/main,mount_tag=work,security_model=none,multidevs=remap",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("qemu command line lacks %q:\n%s", want, line)
		}
	}
	i := slices.Index(a, "-append")
	if i < 0 || !strings.Contains(a[i+1], "console=ttyS0") || !strings.Contains(a[i+1], "panic=-1") || !strings.Contains(a[i+1], "softlockup_panic=1") {
		t.Errorf("kernel command line: %q", a)
	}
	if strings.Contains(line, "-netdev") || strings.Contains(line, "-nic") {
		t.Errorf("the guest needs no network card: %s", line)
	}
	a = qemuArgs(vmSpec{Accel: "kvm", Vmlinuz: "v", Initrd: "i", MemMB: 512, CPUs: 1})
	line = strings.Join(a, " ")
	if !strings.Contains(line, "-accel kvm -cpu host") || strings.Contains(line, "mount_tag=work") {
		t.Errorf("kvm without a work share: %s", line)
	}
}

func TestInitramfsEntries(t *testing.T) {
	cfg := guestConfig{Argv: []string{"/bin/sh", "-c", "uname -r"}, Dir: "/work/main", Env: []string{"GOBPFTRACE_GUEST=1"}, Work: "/work/main"}
	mods := []moduleFile{{"virtio", []byte("v")}, {"9pnet", []byte("n")}, {"9p", []byte("p")}}
	e, err := initramfsEntries([]byte("ELF"), mods, cfg)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]cpioEntry{}
	for _, x := range e {
		byName[x.Name] = x
	}
	if x := byName["init"]; x.Mode != modeReg|0o755 || string(x.Data) != "ELF" {
		t.Errorf("init: %+v", x)
	}
	if x := byName["dev/console"]; x.Mode != modeChar|0o600 || x.Major != 5 || x.Minor != 1 {
		t.Errorf("dev/console: %+v", x)
	}
	for _, d := range []string{"dev", "proc", "sys", "newroot", "modules"} {
		if byName[d].Mode != modeDir|0o755 {
			t.Errorf("directory %s missing", d)
		}
	}
	// The init loads /modules in name order: dependencies first.
	var mnames []string
	for _, x := range e {
		if strings.HasPrefix(x.Name, "modules/") {
			mnames = append(mnames, x.Name)
		}
	}
	slices.Sort(mnames)
	if want := []string{"modules/00-virtio.ko", "modules/01-9pnet.ko", "modules/02-9p.ko"}; !slices.Equal(mnames, want) {
		t.Errorf("modules %q, want %q", mnames, want)
	}
	var got guestConfig
	if err := json.Unmarshal(byName["guest.json"].Data, &got); err != nil || !slices.Equal(got.Argv, cfg.Argv) || got.Dir != cfg.Dir || got.Work != cfg.Work || !slices.Equal(got.Env, cfg.Env) {
		t.Errorf("guest.json = %s (%v)", byName["guest.json"].Data, err)
	}
}

func TestGuestScript(t *testing.T) {
	s := guestScript([]group{
		{Name: "runtime", Package: "./runtime", Timeout: 300e9},
		{Name: "e2e-guest", Package: "./cmd/gobpftrace", Run: "^(TestGuest)", Timeout: 60e9},
	}, "/c/run-1", "/c/run-1/gobpftrace")
	for _, want := range []string{
		"export CI=true GOBPFTRACE_E2E_BIN='/c/run-1/gobpftrace'",
		"echo '<<group runtime>>'",
		`(cd "$root"/'runtime' && '/c/run-1/runtime.test' '-test.v' '-test.count=1' '-test.timeout=5m0s') 2>&1`,
		`echo "<<group-end runtime rc=$? seconds=$(($(date +%s)-s))>>"`,
		`(cd "$root"/'cmd/gobpftrace' && '/c/run-1/gobpftrace.test' '-test.v' '-test.count=1' '-test.timeout=1m0s' '-test.run=^(TestGuest)') 2>&1`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
}
