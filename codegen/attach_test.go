//go:build linux

package codegen_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// TestAttachTracepoint attaches compiled tracepoint programs to the live
// kernel, triggers them from the test and checks what they recorded: a
// user-space string read with str(args.filename), an integer field, a
// char[16] field and a map keyed by comm.
func TestAttachTracepoint(t *testing.T) {
	requireRoot(t)
	script := `tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("%s|%d|%s\n", str(args.filename), args.dfd, probe); @opens[comm] = count(); }`
	obj := compileLive(t, script, strconv.Itoa(os.Getpid()))
	l := load(t, obj)
	res := testResolver{obj}
	var mu sync.Mutex
	var out strings.Builder
	rd, err := l.NewEventReader(func(rec []byte) {
		text := printfText(t, obj, res, rec)
		mu.Lock()
		out.Write(text)
		mu.Unlock()
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	done := make(chan error, 1)
	go func() { done <- rd.Run() }()
	if err := l.Attach(nil); err != nil {
		rd.Stop()
		<-done
		t.Fatalf("attach: %v", err)
	}
	name := filepath.Join(t.TempDir(), "gbt-opened")
	const n = 3
	for i := 0; i < n; i++ {
		// AT_FDCWD with an absolute path: dfd is -100.
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CREAT, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Close(fd)
	}
	if err := l.Detach(); err != nil {
		t.Error(err)
	}
	rd.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	text := out.String()
	mu.Unlock()
	line := fmt.Sprintf("%s|-100|tracepoint:syscalls:sys_enter_openat\n", name)
	if got := strings.Count(text, line); got != n {
		t.Errorf("%d lines %q in the output, want %d:\n%s", got, line, n, text)
	}
	m := readMap(t, l, "@opens")
	dump := string(output.AppendMap(nil, m, 0, 0, res))
	prefix := "@opens[" + ourComm(t) + "]: "
	if !strings.HasPrefix(dump, prefix) {
		t.Fatalf("map dump %q, want %q…", dump, prefix)
	}
	if c, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(dump, prefix))); err != nil || c < n {
		t.Errorf("count %q, want >= %d", dump, n)
	}
}
