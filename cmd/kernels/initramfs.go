package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// guestConfig is what the guest init reads from /guest.json (the same
// fields as its config type).
type guestConfig struct {
	Argv []string // the command, run in the host's root
	Dir  string   // its working directory
	Env  []string // its whole environment
	Work string   // where the read-write share of the working tree is mounted
}

// initramfsEntries lays out the initramfs: the static init, the console
// device (the kernel opens it for init's output before anything is
// mounted), the mount points, the modules numbered in load order and the
// command's configuration.
func initramfsEntries(init []byte, mods []moduleFile, cfg guestConfig) ([]cpioEntry, error) {
	conf, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	e := []cpioEntry{
		{Name: "init", Mode: modeReg | 0o755, Data: init},
		{Name: "guest.json", Mode: modeReg | 0o644, Data: conf},
		{Name: "dev/console", Mode: modeChar | 0o600, Major: 5, Minor: 1},
	}
	for _, d := range []string{"dev", "proc", "sys", "newroot", "modules"} {
		e = append(e, cpioEntry{Name: d, Mode: modeDir | 0o755})
	}
	for i, m := range mods {
		e = append(e, cpioEntry{Name: fmt.Sprintf("modules/%02d-%s.ko", i, m.Name), Mode: modeReg | 0o644, Data: m.Data})
	}
	return e, nil
}

// buildInitramfs returns the initramfs as a newc cpio archive.
func buildInitramfs(init []byte, mods []moduleFile, cfg guestConfig) ([]byte, error) {
	entries, err := initramfsEntries(init, mods, cfg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeCpio(&buf, entries); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
