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

// TestBufOfValues: buf() of a string literal takes its bytes, in printf
// (%rx, %rh), map keys and map values, as bpftrace's runtime tests do.
func TestBufOfValues(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `BEGIN { printf("%rh|%rx\n", buf("Hello\0", 6), buf("ok", 2)); @[buf("ok_key", 7), 1] = count(); @v = buf("ok_value", 8); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^48 65 6c 6c 6f 00\|\\x6f\\x6b$`, `^@\[ok_key\\x00, 1\]: 1$`, `^@v: ok_value$`)
}
