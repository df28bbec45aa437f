package main

import "testing"

// TestBuf: buf(ptr, len) printed with %r, %rx and %rh (golden buf), stored
// in a variable and used as a map key.
func TestBuf(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-q", "-e", `tracepoint:syscalls:sys_enter_write /pid == cpid/ { printf("%r|%rx|%rh\n", buf(args->buf, args->count), buf(args->buf, 4), buf(args->buf, 4)); $b = buf(args->buf, 2); @[$b] = count(); exit(); }`, "-c", "/usr/bin/echo AB")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^AB\\x0a\|\\x41\\x42\\x0a\\x00\|41 42 0a 00$`, `(?m)^@\[AB\]: 1$`)
	r = gbt(t, "-e", `BEGIN { print(buf("x", 0)); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `buf\(\) (expects a pointer|length must be between)`)
}
