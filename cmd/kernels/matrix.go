package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// group is one column of the matrix: a test binary built on the host and
// run in every guest from its package's directory.
type group struct {
	Name    string
	Package string // ./runtime: built with go test -c, cgo off
	Run     string // -test.run pattern ("" for the whole package)
	Timeout time.Duration
}

// groups are the matrix's columns. runtime and codegen run whole: their
// kernel tests load and attach for real. cmd/gobpftrace's e2e suite runs
// in two parts: e2e-guest holds the tests of what only the guests' kernels
// have (kprobes, fentry/fexit, iter, kernel BTF listings), and e2e-sample a
// cross-section of the rest (one-liners, the example scripts, kstack,
// output channels, errors, signals, uprobes), because the whole suite
// takes longer under TCG than CI's 15 minutes allow for three kernels.
// e2e-guest takes about 150 s on an idle machine; its 9 minutes leave
// room for a loaded one (it took over 6 once, with other test runs
// beside it).
var groups = []group{
	{"runtime", "./runtime", "", 6 * time.Minute},
	{"codegen", "./codegen", "", 6 * time.Minute},
	{"e2e-guest", "./cmd/gobpftrace", "^(TestGuest|TestKprobe|TestTcpstates|TestListKernelType|TestFentry|TestFexit|TestListFentry|TestIter)", 9 * time.Minute},
	{"e2e-sample", "./cmd/gobpftrace", "^(TestOneLiner.*|TestExamplesRun|TestKstack.*|TestSyscallKstackWarnings|TestRawTracepoint|TestChildExitEndsTrace|TestBeginExact|TestJSON|TestMapFullReported|TestPerfBufferFallback|TestLostEventsReport|TestErrorsKernel|TestVerifierLimitsAreScriptErrors|TestSignalsEndCleanly|TestUprobeLibc|TestBitfields|TestPointerReads|TestProbeOrderSameHook)$", 6 * time.Minute},
}

// guestScript is the shell script a guest runs: each group's test binary
// between the markers parseGroups reads, with its exit status and run
// time. bin holds the binaries, gbt the gobpftrace binary the e2e tests
// run instead of building their own.
func guestScript(gs []group, bin, gbt string) string {
	var b strings.Builder
	b.WriteString("export CI=true GOBPFTRACE_E2E_BIN=" + shellQuote(gbt) + "\nroot=$(pwd)\n")
	for _, g := range gs {
		args := []string{"-test.v", "-test.count=1", "-test.timeout=" + g.Timeout.String()}
		if g.Run != "" {
			args = append(args, "-test.run="+g.Run)
		}
		for i := range args {
			args[i] = shellQuote(args[i])
		}
		fmt.Fprintf(&b, "echo '<<group %s>>'; s=$(date +%%s)\n", g.Name)
		fmt.Fprintf(&b, "(cd \"$root\"/%s && %s %s) 2>&1\n", shellQuote(strings.TrimPrefix(g.Package, "./")),
			shellQuote(filepath.Join(bin, binaryName(g))), strings.Join(args, " "))
		fmt.Fprintf(&b, "echo \"<<group-end %s rc=$? seconds=$(($(date +%%s)-s))>>\"\n", g.Name)
	}
	return b.String()
}

// binaryName is the test binary of a group's package.
func binaryName(g group) string {
	return filepath.Base(g.Package) + ".test"
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// buildTests builds the static test binaries of gs and the gobpftrace
// binary into dir.
func buildTests(dir string, gs []group) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	built := map[string]bool{}
	build := func(args ...string) error {
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, g := range gs {
		if built[g.Package] {
			continue
		}
		built[g.Package] = true
		if err := build("test", "-c", "-o", filepath.Join(dir, binaryName(g)), g.Package); err != nil {
			return err
		}
	}
	return build("build", "-o", filepath.Join(dir, "gobpftrace"), "./cmd/gobpftrace")
}

func cmdMatrix(ctx context.Context, o options, args []string) (int, error) {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	list := fs.String("kernels", "5.10,6.1,6.12", "comma-separated kernel series")
	only := fs.String("groups", "", "comma-separated groups (default all)")
	parallel := fs.Int("parallel", 2, "guests at once")
	timeout := fs.Duration("timeout", 14*time.Minute, "kill a guest after this long")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	gs := groups
	if *only != "" {
		gs = nil
		for _, n := range strings.Split(*only, ",") {
			found := false
			for _, g := range groups {
				if g.Name == n {
					gs, found = append(gs, g), true
				}
			}
			if !found {
				return 2, fmt.Errorf("unknown group %q", n)
			}
		}
	}
	start := time.Now()
	names := strings.Split(*list, ",")
	ks, tools, err := fetchAll(o, names, 0)
	if err != nil {
		return 1, err
	}
	// Each run gets its own binaries: the guests read them from the
	// host's (read-only) root while they run.
	run, err := os.MkdirTemp(o.cache, "run-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(run)
	if err := buildTests(run, gs); err != nil {
		return 1, err
	}
	script := filepath.Join(run, "matrix.sh")
	if err := os.WriteFile(script, []byte(guestScript(gs, run, filepath.Join(run, "gobpftrace"))), 0o644); err != nil {
		return 1, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(os.Stderr, "kernels: built the tests in %.0fs; consoles in %s/console-*.log\n", time.Since(start).Seconds(), o.cache)
	gnames := make([]string, len(gs))
	for i, g := range gs {
		gnames[i] = g.Name
	}
	results := map[string][]groupResult{}
	var mu sync.Mutex
	sem := make(chan struct{}, max(*parallel, 1))
	var wg sync.WaitGroup
	for _, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t0 := time.Now()
			log, err := os.Create(filepath.Join(o.cache, "console-"+k.Series+".log"))
			if err != nil {
				fmt.Fprintln(os.Stderr, "kernels:", err)
				return
			}
			defer log.Close()
			kctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			cfg := guestConfig{Argv: []string{"/bin/sh", script}, Dir: wd, Env: guestEnv([]string{tools, k.configEnv()}), Work: wd}
			console, err := boot(kctx, o, k, cfg, log)
			if err != nil {
				fmt.Fprintf(os.Stderr, "kernels: Linux %s: %v\n", k.Series, err)
			}
			r := parseGroups(console, gnames)
			var parts []string
			for _, g := range r {
				parts = append(parts, fmt.Sprintf("%s %ds", g.Group, g.Seconds))
			}
			fmt.Fprintf(os.Stderr, "kernels: Linux %s done in %.0fs (%s)\n", k.Series, time.Since(t0).Seconds(), strings.Join(parts, ", "))
			mu.Lock()
			results[k.Series] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Print(table(names, gnames, results))
	failed := false
	for _, k := range names {
		r := results[k]
		if len(r) == 0 {
			failed = true
			fmt.Printf("Linux %s: no results\n", k)
		}
		for _, g := range r {
			if !g.ok() {
				failed = true
				fmt.Printf("Linux %s, %s: FAIL %s\n", k, g.Group, strings.Join(g.Failed, " "))
			}
		}
	}
	fmt.Printf("kernels: %s in %.0fs\n", map[bool]string{false: "all passed", true: "FAILED"}[failed], time.Since(start).Seconds())
	if failed || ctx.Err() != nil {
		return 1, nil
	}
	return 0, nil
}
