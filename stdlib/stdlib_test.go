package stdlib

import (
	"cmp"
	"slices"
	"testing"

	"github.com/gobpftrace/gobpftrace/stdlib/uapi"
)

// TestTablesComplete fails when an ID has no table entry or when names
// collide: every layer indexes these tables by ID.
func TestTablesComplete(t *testing.T) {
	seen := map[string]string{}
	add := func(kind, name string) {
		if name == "" {
			t.Errorf("%s with an empty name", kind)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("%s %q collides with %s", kind, name, prev)
		}
		seen[name] = kind
	}
	for id := ProbeKind(1); id < numProbeKinds; id++ {
		d := Probes[id]
		add("probe", d.Name)
		for _, a := range d.Aliases {
			add("probe alias", a)
		}
		if got, ok := LookupProbe(d.Name); !ok || got != id {
			t.Errorf("LookupProbe(%q) = %v, %v; want %v", d.Name, got, ok, id)
		}
		for _, a := range d.Aliases {
			if got, ok := LookupProbe(a); !ok || got != id {
				t.Errorf("LookupProbe(%q) = %v, %v; want %v", a, got, ok, id)
			}
		}
		if d.MinParts > d.MaxParts {
			t.Errorf("probe %s: MinParts %d > MaxParts %d", d.Name, d.MinParts, d.MaxParts)
		}
	}
	seen = map[string]string{}
	for id := FuncID(1); id < numFuncs; id++ {
		d := Funcs[id]
		add("function", d.Name)
		if got, ok := LookupFunc(d.Name); !ok || got != id {
			t.Errorf("LookupFunc(%q) = %v, %v; want %v", d.Name, got, ok, id)
		}
		if d.Doc == "" || d.Sig == "" {
			t.Errorf("function %s has no doc or signature", d.Name)
		}
		if d.MaxArgs >= 0 && d.MinArgs > d.MaxArgs {
			t.Errorf("function %s: MinArgs %d > MaxArgs %d", d.Name, d.MinArgs, d.MaxArgs)
		}
	}
	seen = map[string]string{}
	for id := VarID(1); id < numVars; id++ {
		d := Vars[id]
		add("variable", d.Name)
		if d.Doc == "" {
			t.Errorf("variable %s has no doc", d.Name)
		}
		if id == ArgN {
			continue
		}
		if got, _, ok := LookupVar(d.Name); !ok || got != id {
			t.Errorf("LookupVar(%q) = %v, %v; want %v", d.Name, got, ok, id)
		}
	}
}

func TestLookupCase(t *testing.T) {
	for name, want := range map[string]ProbeKind{
		"BEGIN": Begin, "begin": Begin, "END": End, "t": Tracepoint, "Tracepoint": Tracepoint,
		"U": USDT, "u": Uprobe, "i": Interval, "p": Profile, "kfunc": Fentry, "rt": RawTracepoint,
	} {
		if got, ok := LookupProbe(name); !ok || got != want {
			t.Errorf("LookupProbe(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := LookupProbe("nope"); ok {
		t.Error("LookupProbe(nope) succeeded")
	}
	for name, want := range map[string]int{"arg0": 0, "arg9": 9, "arg12": 12} {
		id, n, ok := LookupVar(name)
		if !ok || id != ArgN || n != want {
			t.Errorf("LookupVar(%q) = %v, %d, %v", name, id, n, ok)
		}
	}
	for _, name := range []string{"arg", "arg01", "argx", "args1"} {
		if id, _, ok := LookupVar(name); ok && id == ArgN {
			t.Errorf("LookupVar(%q) resolved to argN", name)
		}
	}
}

// TestWatchpointModesSorted: every architecture's watchpoint modes are
// sorted, each with its letters sorted, as the checker compares them and
// lists them in its hint.
func TestWatchpointModesSorted(t *testing.T) {
	for arch, modes := range watchpointModes {
		if !slices.IsSorted(modes) {
			t.Errorf("%s: modes %v not sorted", arch, modes)
		}
		for _, m := range modes {
			if b := []byte(m); !slices.IsSorted(b) {
				t.Errorf("%s: mode %q: letters not sorted", arch, m)
			}
		}
	}
}

// TestSyscallNumbers: the x86-64 table gives the ABI's numbers under the
// entry points' names, which the syscall tracepoints are named after.
func TestSyscallNumbers(t *testing.T) {
	for name, want := range map[string]int{"read": 0, "newstat": 4, "getppid": 110, "openat": 257, "sendfile64": 40, "umount": 166, "clone3": 435, "listns": 470, "lookup_dcookie": 212, "uselib": 134} {
		if nr, ok := SyscallNumber("amd64", name); !ok || nr != want {
			t.Errorf("SyscallNumber(amd64, %s) = %d, %v; want %d", name, nr, ok, want)
		}
	}
	for _, name := range []string{"stat", "sendfile", "nosuchcall", ""} {
		if nr, ok := SyscallNumber("amd64", name); ok {
			t.Errorf("SyscallNumber(amd64, %q) = %d, want none (not an entry point)", name, nr)
		}
	}
	if _, ok := SyscallNumber("arm64", "read"); ok || NumSyscalls("arm64") != 0 {
		t.Error("arm64 has a table")
	}
	if NumSyscalls("amd64") != 471 {
		t.Errorf("NumSyscalls(amd64) = %d, want 471", NumSyscalls("amd64"))
	}
}

// TestSyscallTableAgreesWithUAPI: where the system's headers (uapi's
// __NR_* table) and the entry-point table both number a system call, they
// give it the same number (a mistyped line of the hand-kept table shows
// here); entry points named otherwise than their system call are listed.
func TestSyscallTableAgreesWithUAPI(t *testing.T) {
	renamed := map[string]string{"stat": "newstat", "fstat": "newfstat", "lstat": "newlstat", "uname": "newuname",
		"sendfile": "sendfile64", "umount2": "umount", "_sysctl": "sysctl"}
	compared := 0
	for nr, entry := range syscallEntriesAMD64 {
		if entry == "" {
			continue
		}
		name, ok := uapi.SyscallName(int64(nr))
		if !ok {
			continue // newer than the headers
		}
		compared++
		if want := cmp.Or(renamed[name], name); entry != want {
			t.Errorf("system call %d: entry point %q, the headers' __NR_%s (want %q)", nr, entry, name, want)
		}
	}
	if compared < 300 {
		t.Errorf("%d system calls compared, want hundreds", compared)
	}
}
