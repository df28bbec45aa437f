package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestPerfBufferFallback forces the perf buffer fallback of kernels
// without BPF ring buffers (GOBPFTRACE_EVENTS=perf) and checks that every
// kind of event prints exactly what it prints through the ring buffer:
// printf, print of values and maps, time, cat, join, exit codes, in text
// and JSON.
func TestPerfBufferFallback(t *testing.T) {
	needRoot(t)
	file := tempFile(t, "lines", "first line\nsecond line\n")
	cases := []struct {
		name string
		args []string
		want string // a line the output must contain
	}{
		{"begin", []string{"-e", `BEGIN {
			printf("%s %d %x|%-6s|\n", "hello", -42, 255, "pad");
			print(123); print((1, "two", (3, 4)));
			@m["a"] = 1; @m["b"] = 2; @h = hist(100); @c = count();
			print(@m); print(@h);
			time("at a fixed time\n");
			cat("` + file + `");
			printf("%s %s %s\n", "a longer string argument", "and another", "and a third");
			exit(7);
		}
		END { printf("end\n"); }`}, "hello -42 ff|pad   |"},
		{"json", []string{"-f", "json", "-e", `BEGIN { printf("x %d\n", 1); print(@n); @n = sum(5); print((1, "a")); cat("` + file + `"); exit(); }`}, `{"type": "value", "data": [1,"a"]}`},
		{"join", []string{"-e", `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv); join(args.argv, ","); printf("%s\n", comm); exit(); }`, "-c", "/usr/bin/true a b c"}, "/usr/bin/true,a,b,c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ring := runTool(t, invocation{args: c.args, env: []string{"GOBPFTRACE_EVENTS=ringbuf"}})
			perf := runTool(t, invocation{args: c.args, env: []string{"GOBPFTRACE_EVENTS=perf"}})
			if perf.stdout != ring.stdout || perf.stderr != ring.stderr || perf.code != ring.code {
				t.Fatalf("perf buffer:\n%v\nring buffer:\n%v", perf, ring)
			}
			matchAll(t, "stdout", ring.stdout, regexp.QuoteMeta(c.want))
		})
	}
	r := runTool(t, invocation{args: []string{"-e", "BEGIN { exit(); }"}, env: []string{"GOBPFTRACE_EVENTS=ring"}})
	if r.code != exitUsage || !strings.Contains(r.stderr, `GOBPFTRACE_EVENTS="ring": want perf or ringbuf`) {
		t.Errorf("a bad GOBPFTRACE_EVENTS must be an error:\n%v", r)
	}
}
