package check

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// TestConfigKeysComplete: every key of stdlib.Configs has a parser, and
// its documented default is what the config builtin reports without a
// config block or environment.
func TestConfigKeysComplete(t *testing.T) {
	c := &checker{info: &Info{Config: DefaultSettings(), StrLen: stdlib.DefaultMaxStrlen}, cfg: &Config{}}
	rec := c.configRecord(ast.Pos{})
	defaults := map[string]string{}
	for i, name := range rec.Names {
		switch v := rec.Values[i].(type) {
		case *ast.IntLit:
			defaults[name] = strconv.FormatUint(v.Value, 10)
		case *ast.StrLit:
			defaults[name] = v.Value
		case *ast.BoolLit:
			defaults[name] = strconv.FormatBool(v.Value)
		}
	}
	for id := stdlib.ConfigKey(1); int(id) < stdlib.NumConfigKeys; id++ {
		def := stdlib.Configs[id]
		if configKeys[id] == nil {
			t.Errorf("config key %s has no parser", def.Name)
		}
		if def.Doc == "" || def.Values == "" {
			t.Errorf("config key %s has no Doc or Values", def.Name)
		}
		got, ok := defaults[def.Name]
		if !ok && def.Name != "cache_user_symbols" {
			t.Errorf("the config builtin has no field %s", def.Name)
		} else if ok && !strings.EqualFold(got, def.Default) {
			t.Errorf("config key %s: default %q documented, %q in effect", def.Name, def.Default, got)
		}
	}
}

// TestConfigEnvPrecedence: a key set in the environment wins over the
// config block, whose entry is still validated.
func TestConfigEnvPrecedence(t *testing.T) {
	const script = `config = { BPFTRACE_STACK_MODE = perf; max_map_keys = 10; license = "GPL v2" } BEGIN { @ = ustack; }`
	_, info := mustCheck(t, script, &Config{Env: map[string]string{"BPFTRACE_STACK_MODE": "raw", "BPFTRACE_MAX_MAP_KEYS": "20"}})
	c := info.Config
	if c.StackMode != types.StackRaw || c.MaxMapKeys != 20 || c.License != "GPL v2" {
		t.Errorf("settings %+v: want stack mode raw, 20 map keys, GPL v2", c)
	}
	if st := info.Maps["@"].Value.(*types.Stack); st.Mode != types.StackRaw {
		t.Errorf("ustack mode %v, want raw", st.Mode)
	}
	_, info = mustCheck(t, script, nil)
	if c := info.Config; c.StackMode != types.StackPerf || c.MaxMapKeys != 10 {
		t.Errorf("settings %+v: want stack mode perf, 10 map keys", c)
	}
	_, _, diags, _ := checkText(`config = { stack_mode = fancy } BEGIN { }`, &Config{Env: map[string]string{"BPFTRACE_STACK_MODE": "raw"}})
	if !diags.HasErrors() || !strings.Contains(diags.Errors()[0].Msg, "Invalid value for stack_mode") {
		t.Errorf("a bad block value under an environment setting: %v", diags.Items)
	}
}

// TestConfigDefaults: without settings, bpftrace's defaults.
func TestConfigDefaults(t *testing.T) {
	_, info := mustCheck(t, `BEGIN { }`, nil)
	if got, want := info.Config, DefaultSettings(); got != want {
		t.Errorf("settings %+v, want %+v", got, want)
	}
	for _, k := range ConfigKeys() {
		s := DefaultSettings()
		if err := s.SetConfig("BPFTRACE_"+strings.ToUpper(k), "not a value"); err == nil && k != "license" && k != "str_trunc_trailer" {
			t.Errorf("%s accepts %q", k, "not a value")
		}
	}
}

// TestMaxProbes: max_probes limits the attach points.
func TestMaxProbes(t *testing.T) {
	_, _, diags, _ := checkText(`config = { max_probes = 2 } BEGIN { } END { } interval:s:1 { }`, nil)
	errs := diags.Errors()
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Msg, "Can't attach to more than 2 probes") {
		t.Errorf("diagnostics %v", diags.Items)
	}
	mustCheck(t, `config = { max_probes = 3 } BEGIN { } END { } interval:s:1 { }`, nil)
	mustCheck(t, `config = { max_probes = 2 } BEGIN { } END { } interval:s:1 { }`, &Config{Listing: true})
}

// TestConfigBuiltin: config (or config(), __builtin_config) is a record
// of the settings in effect, environment included.
func TestConfigBuiltin(t *testing.T) {
	const script = `config = { stack_mode = perf; max_strlen = 32 } BEGIN { @r = config; @s = config().stack_mode; @n = __builtin_config.max_strlen; @l = config.license; }`
	_, info := mustCheck(t, script, &Config{Env: map[string]string{"BPFTRACE_LICENSE": "GPL v2"}})
	r, ok := info.Maps["@r"].Value.(*types.Record)
	if !ok || len(r.Names) != 21 || r.Names[0] != "cpp_demangle" || r.Names[20] != "license" {
		t.Fatalf("config: %v", info.Maps["@r"].Value)
	}
	for name, want := range map[string]string{"@s": "string[5]", "@n": "int8", "@l": "string[7]"} {
		if got := info.Maps[name].Value.String(); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}
