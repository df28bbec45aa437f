package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestFoldedStackMode: folded is a stack mode wherever one is accepted —
// kstack(folded), ustack(folded[, limit]), dw_ustack(folded), the
// stack_mode setting of the config block and of BPFTRACE_STACK_MODE
// (which then styles kstack, ustack and their calls without a mode) —
// and the config builtin reports it.
func TestFoldedStackMode(t *testing.T) {
	folded := func(t *testing.T, info *Info, name string, user bool, limit int) {
		t.Helper()
		m, ok := info.Maps[name]
		if !ok {
			t.Fatalf("no map %s", name)
		}
		st := m.Value.(*types.Stack)
		if st.Mode != types.StackFolded || st.User != user || st.Limit != limit {
			t.Errorf("%s: %+v, want a folded %s stack of %d frames", name, st, map[bool]string{false: "kernel", true: "user"}[user], limit)
		}
	}
	_, info := mustCheck(t, `config = { unstable_dw_ustack = enable } uprobe:libc:getpid { @k = kstack(folded); @u = ustack(folded, 5); @d = dw_ustack(folded); @n[comm, ustack(folded)] = count(); printf("%s\n", kstack(folded, 3)); }`, &Config{UnwindTargets: true})
	folded(t, info, "@k", false, maxStackFrames)
	folded(t, info, "@u", true, 5)
	folded(t, info, "@d", true, maxStackFrames)
	key := info.Maps["@n"].Key.(*types.Tuple)
	if st := key.Elems[1].(*types.Stack); st.Mode != types.StackFolded || !st.User {
		t.Errorf("@n key %+v", st)
	}

	const defaults = `uprobe:libc:getpid { @k = kstack; @u = ustack; @kc = kstack(); @uc = ustack(4); @p = ustack(perf); @c = config.stack_mode; }`
	for _, c := range []struct {
		name string
		src  string
		cfg  *Config
	}{
		{"config block", "config = { stack_mode = folded } " + defaults, nil},
		{"environment", defaults, &Config{Env: map[string]string{"BPFTRACE_STACK_MODE": "folded"}}},
		{"environment over block", "config = { stack_mode = raw } " + defaults, &Config{Env: map[string]string{"BPFTRACE_STACK_MODE": "folded"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, info := mustCheck(t, c.src, c.cfg)
			if info.Config.StackMode != types.StackFolded {
				t.Errorf("stack mode %v, want folded", info.Config.StackMode)
			}
			folded(t, info, "@k", false, maxStackFrames)
			folded(t, info, "@u", true, maxStackFrames)
			folded(t, info, "@kc", false, maxStackFrames)
			folded(t, info, "@uc", true, 4)
			if st := info.Maps["@p"].Value.(*types.Stack); st.Mode != types.StackPerf {
				t.Errorf("ustack(perf) under stack_mode folded: %v", st.Mode)
			}
			if got := info.Maps["@c"].Value.String(); got != "string[7]" {
				t.Errorf("config.stack_mode: %s, want string[7] (\"folded\")", got)
			}
		})
	}
	s := DefaultSettings()
	if err := s.SetConfig("BPFTRACE_STACK_MODE", "flame"); err == nil || !strings.Contains(err.Error(), "bpftrace, raw, perf, build_id, and folded") {
		t.Errorf("BPFTRACE_STACK_MODE=flame: %v", err)
	}
}

// TestStackModeNames: every mode has a name that kstack(mode) accepts and
// the config builtin reports.
func TestStackModeNames(t *testing.T) {
	for mode, name := range types.StackModeNames {
		if name == "" || stackModes[name] != types.StackMode(mode) {
			t.Errorf("mode %d: name %q", mode, name)
		}
		if got := types.StackMode(mode).String(); got != name {
			t.Errorf("mode %d prints as %q", mode, got)
		}
	}
	if got := fmt.Sprint(types.StackMode(200)); got != "StackMode(200)" {
		t.Errorf("unknown mode prints as %q", got)
	}
}
