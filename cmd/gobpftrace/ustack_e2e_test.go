package main

import "testing"

// TestUstackUsym symbolizes user addresses of a live child: usym() of the
// function pointer dlsym() returns names the looked-up function, and the
// innermost frame of ustack in a uprobe is the probed function at offset
// 0, in bpftrace and perf modes (perf adds the object file), and so is
// the function of reg("ip").
func TestUstackUsym(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "getenv.py", "import ctypes, time\nf = ctypes.CDLL(None).getenv\nf(b'ABCDEFGH')\ntime.sleep(5)\n")
	prog := `uretprobe:libc:dlsym /pid == cpid/ { printf("dlsym %s\n", usym(retval)); }
uprobe:libc:getenv /pid == cpid && str(arg0) == "ABCDEFGH"/ { printf("ip %s\n", usym(reg("ip"))); printf("%s", ustack(1)); print(ustack(perf, 1)); @[usym(arg0)] = count(); exit(); }`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^dlsym getenv$`,
		`(?m)^ip getenv$`,
		`(?m)^        getenv\+0$`,
		`(?m)^\t[0-9a-f]+ getenv\+0 \(/\S*libc\.so\.6\)$`,
		`(?m)^@\[0x[0-9a-f]+\]: 1$`) // a data address has no symbol
	if r.elapsed.Seconds() > 4 {
		t.Errorf("exit() did not end the trace early (%v)", r.elapsed)
	}
}
