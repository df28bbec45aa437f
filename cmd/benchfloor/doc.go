// Command benchfloor is the floor of the side-by-side benchmark that
// make bench runs (the shared compare.sh, its "floor" dialect): for each
// of compare.sh's tests it loads hand-written BPF programs that do the
// same work as the test's bpftrace script, as cheaply as a tool written
// for that one job can, and prints what the script would print. A
// bpftrace-compatible tool's figures are then read against what the work
// itself costs on the same machine, kernel and run: gobpftrace's
// in-kernel cost per hit must stay within 5 % of the floor's.
//
// Usage:
//
//	benchfloor -mode MODE [-pid PID] [-n K] [-maxkeys N]
//
// The modes, the script each stands for, and what compare.sh's helper
// (benchhelper) waits for:
//
//	begin  BEGIN { printf("hi\n"); exit(); }
//	       a raw-tracepoint program run once (BPF_PROG_TEST_RUN) writes a
//	       record to a ring buffer; "hi" is printed when it is read, then
//	       the process exits with status 0.
//	first  tracepoint:syscalls:sys_enter_getppid /pid == PID/ { printf("hit\n"); exit(); }
//	       prints "hit" at the first record and exits with status 0.
//	ready  K tracepoints syscalls:sys_enter_{getpid,getppid,…} /pid == PID/ { printf("PRBi\n"); }
//	       prints PRB0 … PRB(K-1), one line per hit, until SIGINT.
//	tput   tracepoint:syscalls:sys_enter_getpid /pid == PID/ { printf("E %d %s\n", tid, comm); }
//	       one ring-buffer record per hit; records the kernel could not
//	       reserve are counted and reported on stderr as "Lost N events".
//	count  tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }
//	       per-CPU hash keyed by comm; at SIGINT "@[comm]: N" lines.
//	hist   tracepoint:raw_syscalls:sys_enter { @x = hist(args->id); }
//	       log2 buckets in a per-CPU array; at SIGINT the histogram in
//	       bpftrace's layout.
//	maps   tracepoint:syscalls:sys_enter_getpid /pid == PID/ { @m[nsecs] = count(); }
//	       per-CPU hash of up to -maxkeys keys; at SIGINT "@m[key]: N" lines.
//
// Without -pid (or with -pid 0) the filtered modes trace every process.
// SIGINT and SIGTERM end the modes that run until stopped: the maps are
// printed first (results before teardown), then the probes detached and
// every program, map and link closed before the process exits with
// status 0.
//
// benchfloor imports nothing of gobpftrace: it is the independent
// yardstick, written directly against github.com/cilium/ebpf.
package main
