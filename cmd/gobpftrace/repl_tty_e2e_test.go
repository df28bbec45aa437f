package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmuxTerm runs the shell in a real terminal: a detached tmux session on
// a private server, driven with send-keys and read with capture-pane.
type tmuxTerm struct {
	t      *testing.T
	socket string
}

func (m *tmuxTerm) tmux(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", m.socket}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys types keys (tmux key names such as Tab, Enter, C-c, Up).
func (m *tmuxTerm) keys(keys ...string) {
	m.t.Helper()
	m.tmux(append([]string{"send-keys", "-t", "t"}, keys...)...)
}

// screen is the visible screen plus the scrollback.
func (m *tmuxTerm) screen() string {
	return m.tmux("capture-pane", "-t", "t", "-p", "-J", "-S", "-500")
}

// promptLine is the last non-empty row: the line being edited.
func (m *tmuxTerm) promptLine() string {
	rows := strings.Split(strings.TrimRight(m.tmux("capture-pane", "-t", "t", "-p"), "\n"), "\n")
	return rows[len(rows)-1]
}

// waitFor waits until cond holds for the screen.
func (m *tmuxTerm) waitFor(what string, cond func(screen string) bool) {
	m.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := m.screen()
		if cond(s) {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("terminal never showed %s:\n%s\n[prompt row: %q]", what, s, m.promptLine())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *tmuxTerm) waitText(text string) {
	m.t.Helper()
	m.waitFor(fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

func (m *tmuxTerm) waitPrompt(want string) {
	m.t.Helper()
	m.waitFor(fmt.Sprintf("prompt row %q", want), func(string) bool { return m.promptLine() == want })
}

// startShell runs the shell (with options args) in a new terminal with
// XDG_STATE_HOME=state and waits for its banner.
func startShell(t *testing.T, state string, args ...string) *tmuxTerm {
	t.Helper()
	needRoot(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if inCI() {
			t.Fatal("tmux is needed for the terminal test (.ci/run installs it)")
		}
		t.Skip("tmux not installed")
	}
	m := &tmuxTerm{t: t, socket: fmt.Sprintf("gbt-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	t.Cleanup(func() { exec.Command("tmux", "-L", m.socket, "kill-server").Run() })
	// The shell reports the exit status (a Ctrl-C while an input runs
	// reaches it too: the trap keeps it alive); remain-on-exit keeps the
	// pane for reading.
	cmd := fmt.Sprintf("trap : INT; XDG_STATE_HOME=%s %s %s; echo \"exit status $?\"", state, binPath, strings.Join(args, " "))
	m.tmux("new-session", "-d", "-s", "t", "-x", "110", "-y", "24", "sh", "-c", cmd)
	m.tmux("set-option", "-t", "t", "remain-on-exit", "on")
	m.waitText("interactive shell")
	return m
}

// TestREPLTerminal drives the shell on a terminal: the banner, typing a
// probe with tab completion (tracepoint:sched:sched_sw<TAB>), output
// streaming above the line being edited, Ctrl-C cancelling that line
// while output streams, history recall with Up, Ctrl-D ending the
// session with the map dump, and the history file (mode 0600).
func TestREPLTerminal(t *testing.T) {
	state := t.TempDir()
	m := startShell(t, state)
	m.waitPrompt("gobpftrace>")

	m.keys("tracepoint:sched:sched_sw", "Tab", "Tab")
	m.waitPrompt("gobpftrace> tracepoint:sched:sched_switch")
	m.keys(" { @s = count(); }", "Enter")
	m.waitText("[1] attached 1 probe: tracepoint:sched:sched_switch")

	m.keys(`interval:ms:100 { printf("tick %d\n", @s > 0); }`, "Enter")
	m.waitText("[2] attached 1 probe: interval:ms:100")
	m.keys("print(@s")
	// Output keeps streaming above while the line is edited, and the line
	// is intact.
	ticks := strings.Count(m.screen(), "tick 1")
	m.waitFor("more ticks", func(s string) bool { return strings.Count(s, "tick 1") >= ticks+3 })
	m.waitPrompt("gobpftrace> print(@s")
	m.keys("C-c")
	m.waitPrompt("gobpftrace>")
	m.keys(":detach 2", "Enter")
	m.waitText("[2] detached")
	m.keys(":probes", "Enter")
	m.waitFor("the probes table", func(s string) bool {
		return strings.Contains(s, "ID  HITS") && strings.Contains(s, "1   ") && strings.Contains(s, "tracepoint:sched:sched_switch\n")
	})
	m.keys("Up", "Up")
	m.waitPrompt("gobpftrace> :detach 2")
	m.keys("C-u", "C-d")
	m.waitText("exit status 0")
	screen := m.screen()
	matchAll(t, "screen", screen, `(?m)^@s: [1-9]\d*$`)
	if strings.Contains(screen, "panic") {
		t.Errorf("panic on screen:\n%s", screen)
	}
	fi, err := os.Stat(filepath.Join(state, "gobpftrace", "history"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(state, "gobpftrace", "history"))
	matchAll(t, "history", string(b), `(?m)^tracepoint:sched:sched_switch \{ @s = count\(\); \}$`, `(?m)^:probes$`)
}

// TestREPLTerminalHistoryLink: a history file that is a symbolic link is
// refused with a warning, the session works, and the link's target is
// neither read, written nor chmodded.
func TestREPLTerminalHistoryLink(t *testing.T) {
	state := t.TempDir()
	target := filepath.Join(state, "target")
	if err := os.WriteFile(target, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(state, "gobpftrace"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(state, "gobpftrace", "history")); err != nil {
		t.Fatal(err)
	}
	m := startShell(t, state)
	m.waitText("history file " + filepath.Join(state, "gobpftrace", "history") + " is a symbolic link; not using it")
	m.waitPrompt("gobpftrace>")
	m.keys("Up")
	m.waitPrompt("gobpftrace>")
	m.keys("20 + 22", "Enter")
	m.waitText("\n42\n")
	m.keys("C-d")
	m.waitText("exit status 0")
	if b, _ := os.ReadFile(target); string(b) != "secret\n" {
		t.Errorf("the history link's target now holds %q", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Errorf("the history link's target now has mode %v", fi.Mode().Perm())
	}
}

// TestREPLTerminalExit: a probe that calls exit() is detached at once,
// while the line is being edited, not at the next Enter.
func TestREPLTerminalExit(t *testing.T) {
	m := startShell(t, t.TempDir())
	m.waitPrompt("gobpftrace>")
	m.keys(`interval:ms:200 { @n = count(); if (@n == 3) { exit(); } }`, "Enter")
	m.waitText("[1] attached 1 probe: interval:ms:200")
	m.keys("print(@n")
	m.waitText("[1] exited and detached")
	m.waitPrompt("gobpftrace> print(@n")
	m.keys(")", "Enter")
	m.waitText("\n@n: 3\n")
	m.keys("C-d")
	m.waitText("exit status 0")
}

// TestREPLTerminalSignalWhileRunning: while an input runs (a blocking
// system()), Ctrl-C interrupts its command and the session goes on;
// SIGTERM interrupts it and ends the session once the input is done: END
// runs, the history is saved, no command is left.
func TestREPLTerminalSignalWhileRunning(t *testing.T) {
	state := t.TempDir()
	m := startShell(t, state, "--unsafe")
	m.waitPrompt("gobpftrace>")
	m.keys(`END { printf("end ran\n"); }`, "Enter")
	m.keys(`system("sleep 32.5; echo not interrupted")`, "Enter")
	waitSleepers(t, "32.5", true)
	m.keys("C-c")
	waitSleepers(t, "32.5", false)
	m.waitPrompt("gobpftrace>")
	m.keys(`20 + 22`, "Enter")
	m.waitText("\n42\n")
	m.keys(`system("sleep 32.25")`, "Enter")
	waitSleepers(t, "32.25", true)
	pane := strings.TrimSpace(m.tmux("display-message", "-p", "-t", "t", "#{pane_pid}"))
	b, err := os.ReadFile("/proc/" + pane + "/task/" + pane + "/children")
	if err != nil || len(strings.Fields(string(b))) != 1 {
		t.Fatalf("children of the pane's shell: %q, %v", b, err)
	}
	pid, _ := strconv.Atoi(strings.Fields(string(b))[0])
	syscall.Kill(pid, syscall.SIGTERM)
	m.waitText("exit status 0")
	waitSleepers(t, "32.25", false)
	screen := m.screen()
	matchAll(t, "screen", screen, `(?m)^end ran$`)
	if regexp.MustCompile(`(?m)^not interrupted$`).MatchString(screen) {
		t.Errorf("Ctrl-C did not interrupt the command:\n%s", screen)
	}
	h, _ := os.ReadFile(filepath.Join(state, "gobpftrace", "history"))
	matchAll(t, "history", string(h), `(?m)^system\("sleep 32.25"\)$`)
}
