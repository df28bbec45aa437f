package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestModuleName(t *testing.T) {
	for in, want := range map[string]string{
		"kernel/net/9p/9pnet_virtio.ko":                   "9pnet_virtio",
		"kernel/fs/9p/9p.ko.xz":                           "9p",
		"kernel/drivers/char/hw_random/virtio-rng.ko.zst": "virtio_rng",
	} {
		if got := moduleName(in); got != want {
			t.Errorf("moduleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestModinfoDepends(t *testing.T) {
	info := []byte("license=GPL\x00depends=9pnet,netfs,fscache\x00retpoline=Y\x00intree=Y\x00name=9p\x00")
	if got := modinfoDepends(info); !reflect.DeepEqual(got, []string{"9pnet", "netfs", "fscache"}) {
		t.Errorf("depends = %q", got)
	}
	if got := modinfoDepends([]byte("depends=\x00name=virtio\x00")); len(got) != 0 {
		t.Errorf("empty depends = %q", got)
	}
}

func TestLoadOrder(t *testing.T) {
	deps := map[string][]string{
		"9p":                    {"9pnet", "netfs", "fscache"},
		"9pnet":                 {},
		"9pnet_virtio":          {"9pnet", "virtio_ring", "virtio"},
		"netfs":                 {"fscache"},
		"fscache":               {"netfs"}, // a cycle: must be reported, not loop
		"virtio":                {},
		"virtio_ring":           {},
		"virtio_pci":            {"virtio_pci_modern_dev", "virtio", "virtio_ring"},
		"virtio_pci_modern_dev": {},
	}
	if _, err := loadOrder([]string{"9p"}, deps, nil); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: got %v", err)
	}
	deps["fscache"] = []string{}
	got, err := loadOrder([]string{"virtio_pci", "9pnet_virtio", "9p"}, deps, nil)
	want := []string{"virtio_pci_modern_dev", "virtio", "virtio_ring", "virtio_pci", "9pnet", "9pnet_virtio", "fscache", "netfs", "9p"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("loadOrder = %q, %v\nwant %q", got, err, want)
	}
	// Built into the kernel: nothing to load, no error.
	got, err = loadOrder([]string{"virtio_pci", "9p"}, map[string][]string{"9p": {"9pnet"}, "9pnet": {}}, map[string]bool{"virtio_pci": true})
	if err != nil || !reflect.DeepEqual(got, []string{"9pnet", "9p"}) {
		t.Errorf("built-in virtio_pci: %q, %v", got, err)
	}
	if _, err := loadOrder([]string{"9p"}, map[string][]string{"9p": {"9pnet"}}, nil); err == nil || err.Error() != "module 9pnet (needed by 9p) not found" {
		t.Errorf("missing dependency: %v", err)
	}
}
