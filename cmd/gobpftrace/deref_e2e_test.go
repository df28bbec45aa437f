package main

import "testing"

// TestPointerReads reads a child's execve arguments through user pointers:
// argv[i] with constant and variable indexes, *(argv + 1), a byte of the
// file name through a cast (which keeps the user address space) and the
// element distance between two pointers.
func TestPointerReads(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "run.sh", "/bin/echo hello world >/dev/null\n")
	prog := `tracepoint:syscalls:sys_enter_execve /ppid == cpid/ {
	$i = 2;
	printf("%s|%s|%s|%s|%c|%d\n", str(args.argv[0]), str(args.argv[1]), str(args.argv[$i]),
		str(*(args.argv + 1)), *(uint8 *)(args.filename + 5), (args.argv + 3) - args.argv);
}`
	r := gbt(t, "-e", prog, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^/bin/echo\|hello\|world\|hello\|e\|3$`)
}
