package check

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// DefaultMaxCatBytes is max_cat_bytes when the script sets none, as in
// bpftrace: the most bytes one cat() prints.
const DefaultMaxCatBytes = 10240

// Configuration: the config block and its environment variables.
//
// Every key bpftrace HEAD documents is in stdlib.Configs, and configKeys
// has a parser for each one that
// sets Settings from the value's text, so the config block (`key = value`)
// and the environment (BPFTRACE_KEY=value, read by the command and passed
// in Config.Env) share one definition of what is valid. A key is either
// honoured or its unsupported values are refused with the reason, never
// accepted and ignored. As in bpftrace, the environment takes precedence
// over the config block: a block entry for a key the environment sets is
// still validated but has no effect.

// Settings are the configuration the checker, the code generator and the
// runtime honour. DefaultSettings has bpftrace's defaults.
type Settings struct {
	// NoPrintMapsOnExit is set by print_maps_on_exit = false.
	NoPrintMapsOnExit bool
	// NoDebugInfo is set by show_debug_info = false: user stacks print
	// symbols only, without source lines and inlined functions.
	NoDebugInfo bool
	// NoCppDemangle is set by cpp_demangle = false: user symbols print
	// as the binary names them, not demangled.
	NoCppDemangle bool
	// MissingProbes is "error" (default, ""), "warn" or "ignore".
	MissingProbes string
	// MaxMapKeys is max_map_keys; 0 when not set.
	MaxMapKeys int
	// OnStackLimit is on_stack_limit: values larger than this go to the
	// scratch area instead of the stack; -1 when not set.
	OnStackLimit int
	// MaxBPFProgs is max_bpf_progs; 0 when not set.
	MaxBPFProgs int
	// MaxStrLen is max_strlen; 0 when not set.
	MaxStrLen int
	// MaxProbes is max_probes, the most attach points a script may have.
	MaxProbes int
	// StackMode is stack_mode: the output style of kstack and ustack
	// without a mode argument.
	StackMode types.StackMode
	// License is the license the programs are loaded with.
	License string
	// PerfRBPages is perf_rb_pages: the size of the event ring buffer in
	// pages; 0 when not set (the runtime's default).
	PerfRBPages int
	// StrTruncTrailer is appended to strings that filled their buffer.
	StrTruncTrailer string
	// UnstableTseries is unstable_tseries: "enable", "warn" or "error".
	UnstableTseries string
	// UnstableDwUstack is unstable_dw_ustack: "enable", "warn" or "error".
	UnstableDwUstack string
	// MaxCatBytes is max_cat_bytes; 0 when not set (DefaultMaxCatBytes).
	MaxCatBytes int
	// LogSize is log_size; 0 when not set.
	LogSize int
}

// DefaultOnStackLimit is gobpftrace's on_stack_limit when the script sets
// none: values up to this size stay on the BPF stack.
const DefaultOnStackLimit = 128

// DefaultSettings returns bpftrace's defaults.
func DefaultSettings() Settings {
	return Settings{OnStackLimit: -1, MaxProbes: 1024, License: "GPL", StrTruncTrailer: "..", UnstableTseries: "warn", UnstableDwUstack: "warn"}
}

// configKey parses one key's value text into Settings; the error is the
// detail after "key: " (or, for license, the whole message).
type configKey func(s *Settings, v string) error

// configKeys parse the value of each configuration key of stdlib.Configs
// (every key of bpftrace HEAD).
var configKeys = [stdlib.NumConfigKeys]configKey{
	stdlib.CfgCacheUserSymbols: func(_ *Settings, v string) error {
		switch strings.ToLower(v) {
		case "per_pid", "per_program", "1":
			// gobpftrace caches a binary's symbols once (per program)
			// and each process's mappings (per pid): both hold.
			return nil
		case "none", "0":
			return fmt.Errorf("NONE is not supported: gobpftrace always caches the symbols of a binary")
		}
		return fmt.Errorf("Invalid value for cache_user_symbols: valid values are PER_PID, PER_PROGRAM, and NONE.")
	},
	stdlib.CfgCppDemangle: boolKey(func(s *Settings, on bool) error { s.NoCppDemangle = !on; return nil }),
	stdlib.CfgLazySymbolication: boolKey(func(_ *Settings, on bool) error {
		if !on {
			return fmt.Errorf("only true is supported: gobpftrace reads a binary's symbols when it first prints one of its addresses")
		}
		return nil
	}),
	stdlib.CfgLicense: func(s *Settings, v string) error {
		for _, l := range licenses {
			if v == l {
				s.License = v
				return nil
			}
		}
		return fmt.Errorf("Invalid value for license. Found: %s. Valid values: %s. Read more about BPF programs and licensing: https://docs.kernel.org/bpf/bpf_licensing.html#using-bpf-programs-in-the-linux-kernel", v, strings.Join(licenses, ", "))
	},
	// The verifier log of a rejected program is always read whole (see
	// runtime's verifierlog.go), never trimmed: any size is honoured.
	stdlib.CfgLogSize:      intKey(1, 1<<32-1, func(s *Settings, n int) error { s.LogSize = n; return nil }),
	stdlib.CfgMaxBPFProgs:  intKey(1, 1<<20, func(s *Settings, n int) error { s.MaxBPFProgs = n; return nil }),
	stdlib.CfgMaxCatBytes:  intKey(1, 1<<32-1, func(s *Settings, n int) error { s.MaxCatBytes = n; return nil }),
	stdlib.CfgMaxMapKeys:   intKey(1, 1<<32-1, func(s *Settings, n int) error { s.MaxMapKeys = n; return nil }),
	stdlib.CfgMaxProbes:    intKey(1, 1<<32-1, func(s *Settings, n int) error { s.MaxProbes = n; return nil }),
	stdlib.CfgMaxStrlen:    intKey(1, MaxStrLen, func(s *Settings, n int) error { s.MaxStrLen = n; return nil }),
	stdlib.CfgOnStackLimit: intKey(0, 512, func(s *Settings, n int) error { s.OnStackLimit = n; return nil }),
	stdlib.CfgPerfRBPages: intKey(1, 1<<20, func(s *Settings, n int) error {
		if n&(n-1) != 0 {
			return fmt.Errorf("must be a power of two")
		}
		s.PerfRBPages = n
		return nil
	}),
	stdlib.CfgStackMode: func(s *Settings, v string) error {
		if mode, ok := stackModes[v]; ok {
			s.StackMode = mode
			return nil
		}
		return fmt.Errorf("Invalid value for stack_mode: valid values are bpftrace, raw, perf, build_id, and folded.")
	},
	stdlib.CfgStrTruncTrailer: func(s *Settings, v string) error { s.StrTruncTrailer = v; return nil },
	stdlib.CfgMissingProbes: func(s *Settings, v string) error {
		switch v = strings.ToLower(v); v {
		case "ignore", "warn", "error":
			s.MissingProbes = v
			return nil
		}
		return fmt.Errorf("Invalid value for missing_probes: valid values are ignore, warn, and error.")
	},
	stdlib.CfgPrintMapsOnExit: boolKey(func(s *Settings, on bool) error { s.NoPrintMapsOnExit = !on; return nil }),
	stdlib.CfgUseBlazesym: boolKey(func(_ *Settings, on bool) error {
		if on {
			return fmt.Errorf("blazesym is not available: gobpftrace symbolizes with its own ELF reader")
		}
		return nil
	}),
	stdlib.CfgShowDebugInfo:           boolKey(func(s *Settings, on bool) error { s.NoDebugInfo = !on; return nil }),
	stdlib.CfgUnstableImportStatement: unstableKey(func(*Settings, string) {}),
	stdlib.CfgUnstableTseries:         unstableKey(func(s *Settings, v string) { s.UnstableTseries = v }),
	stdlib.CfgUnstableTypeinfo:        unstableKey(func(*Settings, string) {}),
	stdlib.CfgUnstableDwUstack:        unstableKey(func(s *Settings, v string) { s.UnstableDwUstack = v }),
}

// licenses are the licenses bpftrace accepts, in the order of its error
// message.
var licenses = []string{"Dual MIT/GPL", "Dual BSD/GPL", "Dual MPL/GPL", "GPL and additional rights", "GPL v2", "GPL"}

// renamedKeys are older key names bpftrace refuses with the new one.
var renamedKeys = map[string]string{
	"strlen": "max_strlen", "no_cpp_demangle": "cpp_demangle",
	"cat_bytes_max": "max_cat_bytes", "map_keys_max": "max_map_keys",
}

// envOnlyKeys may only be set in the environment.
var envOnlyKeys = map[string]bool{"btf": true, "kernel_build": true, "kernel_source": true, "vmlinux": true}

// ConfigKeys returns the configuration keys (for the environment
// variables BPFTRACE_<KEY>).
func ConfigKeys() []string { return stdlib.ConfigNames() }

// SetConfig sets key (a configuration key in any of its spellings) to the
// value text v, as BPFTRACE_<KEY>=v does; the error says what is wrong.
func (s *Settings) SetConfig(key, v string) error {
	k, err := configKeyID(key)
	if err != nil {
		return err
	}
	if err := configKeys[k](s, v); err != nil {
		if k == stdlib.CfgLicense {
			return err
		}
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// configKeyID resolves a key written as stack_mode, STACK_MODE or
// BPFTRACE_STACK_MODE.
func configKeyID(key string) (stdlib.ConfigKey, error) {
	if k, ok := stdlib.LookupConfig(key); ok {
		return k, nil
	}
	k := strings.TrimPrefix(strings.ToLower(key), "bpftrace_")
	if n, ok := renamedKeys[k]; ok {
		return 0, fmt.Errorf("%s: key has been renamed to '%s'", key, n)
	}
	if envOnlyKeys[k] {
		return 0, fmt.Errorf("%s: can only be set as an environment variable", key)
	}
	return 0, fmt.Errorf("%s: not a known configuration option", key)
}

func boolKey(set func(s *Settings, on bool) error) configKey {
	return func(s *Settings, v string) error {
		switch {
		case isTruthy(v):
			return set(s, true)
		case isFalsy(v):
			return set(s, false)
		}
		return fmt.Errorf("Invalid bool value: valid values are true, false, 1 or 0.")
	}
}

func intKey(lo, hi int, set func(s *Settings, n int) error) configKey {
	return func(s *Settings, v string) error {
		n, err := parseOptionInt(v, false)
		if err != "" {
			return fmt.Errorf("expecting a number, got %s", v)
		}
		if n < int64(lo) || n > int64(hi) {
			return fmt.Errorf("%d is out of range %d..%d", n, lo, hi)
		}
		return set(s, int(n))
	}
}

func unstableKey(set func(s *Settings, v string)) configKey {
	return func(s *Settings, v string) error {
		switch l := strings.ToLower(v); {
		case l == "enable" || isTruthy(v):
			set(s, "enable")
		case l == "warn":
			set(s, "warn")
		case l == "error" || isFalsy(v):
			set(s, "error")
		default:
			return fmt.Errorf("Invalid value for unstable config: valid values are enable, warn, and error.")
		}
		return nil
	}
}

// config applies the config block, then the environment's settings.
func (c *checker) config(cfg *ast.Config) {
	env := map[stdlib.ConfigKey]bool{}
	for key := range c.cfg.Env {
		if k, err := configKeyID(key); err == nil {
			env[k] = true
		}
	}
	if cfg != nil {
		for _, it := range cfg.Items {
			c.configItem(it, env)
		}
	}
	for key, v := range c.cfg.Env {
		// The command validated these (SetConfig).
		if err := c.info.Config.SetConfig(key, v); err != nil {
			c.errorAt(diag.Span{}, diag.CodeType, "environment: %v", err)
		}
	}
	if n := c.info.Config.MaxStrLen; n > 0 {
		c.info.StrLen = n
	}
}

// configItem applies one `key = value` of the config block, unless the
// environment sets the key.
func (c *checker) configItem(it *ast.ConfigItem, env map[stdlib.ConfigKey]bool) {
	k, err := configKeyID(it.Key)
	if err != nil {
		d := c.errorf(it, diag.CodeUnknown, "%v", err)
		if s := diag.Nearest(strings.TrimPrefix(strings.ToLower(it.Key), "bpftrace_"), ConfigKeys()); s != "" && strings.HasSuffix(err.Error(), "not a known configuration option") {
			d.Hint("did you mean '%s'?", s)
		}
		return
	}
	var text string
	switch v := it.Value.(type) {
	case *ast.IntLit:
		text = strconv.FormatUint(v.Value, 10)
	case *ast.StrLit:
		text = v.Value
	case *ast.Ident:
		text = v.Name
	case *ast.BoolLit:
		text = strconv.FormatBool(v.Value)
	default:
		c.errorf(it, diag.CodeType, "%s: the value must be a literal or a word", it.Key)
		return
	}
	s := &c.info.Config
	if env[k] {
		scratch := DefaultSettings()
		s = &scratch // validated, but the environment wins
	}
	if err := s.SetConfig(it.Key, text); err != nil {
		c.errorf(it, diag.CodeType, "%v", err)
	}
}

// configRecord is what the config builtin stands for: a record of the
// settings in effect, with bpftrace's fields in its order (its booleans,
// integers, strings, then the unstable features, missing_probes,
// stack_mode and license).
func (c *checker) configRecord(pos ast.Pos) *ast.Record {
	s := &c.info.Config
	r := &ast.Record{Pos: pos}
	add := func(name string, v ast.Expr) {
		r.Names = append(r.Names, name)
		r.Values = append(r.Values, v)
	}
	num := func(name string, n int) { add(name, &ast.IntLit{Pos: pos, Value: uint64(n)}) }
	str := func(name, v string) { add(name, &ast.StrLit{Pos: pos, Value: v}) }
	boolean := func(name string, v bool) { add(name, &ast.BoolLit{Pos: pos, Value: v}) }
	boolean("cpp_demangle", !s.NoCppDemangle)
	boolean("lazy_symbolication", true)
	boolean("print_maps_on_exit", !s.NoPrintMapsOnExit)
	boolean("use_blazesym", false)
	boolean("show_debug_info", !s.NoDebugInfo)
	logSize := s.LogSize
	if logSize == 0 {
		logSize = 1000000
	}
	num("log_size", logSize)
	maxProgs := s.MaxBPFProgs
	if c.cfg.MaxBPFProgs > 0 {
		maxProgs = c.cfg.MaxBPFProgs
	} else if maxProgs == 0 {
		maxProgs = DefaultMaxBPFProgs
	}
	num("max_bpf_progs", maxProgs)
	catBytes := s.MaxCatBytes
	if catBytes == 0 {
		catBytes = DefaultMaxCatBytes
	}
	num("max_cat_bytes", catBytes)
	mapKeys := s.MaxMapKeys
	if mapKeys == 0 {
		mapKeys = 4096
	}
	num("max_map_keys", mapKeys)
	num("max_probes", s.MaxProbes)
	num("max_strlen", c.info.StrLen)
	onStack := s.OnStackLimit
	if onStack < 0 {
		onStack = DefaultOnStackLimit
	}
	num("on_stack_limit", onStack)
	pages := s.PerfRBPages
	if pages == 0 {
		pages = 1024 // the 4 MiB event ring buffer
	}
	num("perf_rb_pages", pages)
	str("str_trunc_trailer", s.StrTruncTrailer)
	str("unstable_import_statement", "warn")
	str("unstable_tseries", s.UnstableTseries)
	str("unstable_typeinfo", "warn")
	str("unstable_dw_ustack", s.UnstableDwUstack)
	missing := s.MissingProbes
	if missing == "" {
		missing = "error"
	}
	str("missing_probes", missing)
	str("stack_mode", s.StackMode.String())
	str("license", s.License)
	return r
}
