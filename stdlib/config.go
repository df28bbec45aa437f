package stdlib

import "strings"

// ConfigKey identifies a configuration key: a `key = value` entry of a
// script's config block, or the environment variable BPFTRACE_KEY.
type ConfigKey uint8

// Configuration keys: every key bpftrace HEAD documents. The checker
// parses each one's value (lang/check keeps a parser per key, indexed by
// these IDs) and either honours it or refuses the values it cannot honour.
const (
	ConfigInvalid ConfigKey = iota
	CfgCacheUserSymbols
	CfgCppDemangle
	CfgLazySymbolication
	CfgLicense
	CfgLogSize
	CfgMaxBPFProgs
	CfgMaxCatBytes
	CfgMaxMapKeys
	CfgMaxProbes
	CfgMaxStrlen
	CfgOnStackLimit
	CfgPerfRBPages
	CfgStackMode
	CfgStrTruncTrailer
	CfgMissingProbes
	CfgPrintMapsOnExit
	CfgUseBlazesym
	CfgShowDebugInfo
	CfgUnstableImportStatement
	CfgUnstableTseries
	CfgUnstableTypeinfo
	CfgUnstableDwUstack
	numConfigKeys
)

// NumConfigKeys is the number of configuration key IDs including
// ConfigInvalid.
const NumConfigKeys = int(numConfigKeys)

// ConfigDef describes a configuration key.
type ConfigDef struct {
	Name string
	// Default is the value in effect when neither the script nor the
	// environment sets the key.
	Default string
	// Values says what the key accepts here.
	Values string
	Doc    string
}

// Configs is the configuration-key table.
// DefaultMaxStrlen is max_strlen's default (bpftrace HEAD's): a string read
// by str() holds up to 1023 bytes and its NUL.
const DefaultMaxStrlen = 1024

var Configs = [...]ConfigDef{
	ConfigInvalid:              {Name: "invalid"},
	CfgCacheUserSymbols:        {Name: "cache_user_symbols", Default: "PER_PROGRAM", Values: "PER_PID, PER_PROGRAM (NONE is refused)", Doc: "how user-space symbols are cached: gobpftrace reads a binary's symbols once and each process's mappings once, so both caching modes hold"},
	CfgCppDemangle:             {Name: "cpp_demangle", Default: "true", Values: "true, false", Doc: "demangle C++ and Rust symbols in user stacks and usym() (false: print them as the binary names them)"},
	CfgLazySymbolication:       {Name: "lazy_symbolication", Default: "true", Values: "true (false is refused)", Doc: "read a binary's symbols only when one of its addresses is first printed"},
	CfgLicense:                 {Name: "license", Default: "GPL", Values: "GPL, GPL v2, GPL and additional rights, Dual BSD/GPL, Dual MIT/GPL, Dual MPL/GPL", Doc: "the license the BPF programs are loaded with; GPL-only helpers need a GPL-compatible one"},
	CfgLogSize:                 {Name: "log_size", Default: "1000000", Values: "1 to 4294967295", Doc: "the verifier log size; gobpftrace reads the log of a rejected program whole whatever the size, so it is never trimmed"},
	CfgMaxBPFProgs:             {Name: "max_bpf_progs", Default: "1024", Values: "1 to 1048576", Doc: "the most BPF programs a script may generate (one per attach point that cannot share a program)"},
	CfgMaxCatBytes:             {Name: "max_cat_bytes", Default: "10240", Values: "1 to 4294967295", Doc: "the most bytes one cat() prints"},
	CfgMaxMapKeys:              {Name: "max_map_keys", Default: "4096", Values: "1 to 4294967295", Doc: "the capacity of every map a script does not declare with its own size"},
	CfgMaxProbes:               {Name: "max_probes", Default: "1024", Values: "1 to 4294967295", Doc: "the most attach points a script may expand to"},
	CfgMaxStrlen:               {Name: "max_strlen", Default: "1024", Values: "1 to 16384", Doc: "the capacity of strings read by str(), comm-like builtins and string literals' buffers; the default is 64 on kernels that refuse map keys larger than 512 bytes (Linux 5.10)"},
	CfgOnStackLimit:            {Name: "on_stack_limit", Default: "128", Values: "0 to 512", Doc: "values larger than this many bytes live in a per-CPU scratch map instead of the 512-byte BPF stack"},
	CfgPerfRBPages:             {Name: "perf_rb_pages", Default: "1024", Values: "a power of two, 1 to 1048576", Doc: "the size of the event ring buffer in pages"},
	CfgStackMode:               {Name: "stack_mode", Default: "bpftrace", Values: "bpftrace, perf, raw, build_id (user stacks only), folded", Doc: "how kstack and ustack print without a mode argument"},
	CfgStrTruncTrailer:         {Name: "str_trunc_trailer", Default: "..", Values: "any string", Doc: "appended to a printed string that filled its buffer"},
	CfgMissingProbes:           {Name: "missing_probes", Default: "error", Values: "error, warn, ignore", Doc: "what happens when an attach point matches nothing: the script fails, or the probe is dropped with or without a warning"},
	CfgPrintMapsOnExit:         {Name: "print_maps_on_exit", Default: "true", Values: "true, false", Doc: "print every map that is not empty when tracing ends"},
	CfgUseBlazesym:             {Name: "use_blazesym", Default: "false", Values: "false (true is refused)", Doc: "symbolize with blazesym; gobpftrace uses its own ELF reader"},
	CfgShowDebugInfo:           {Name: "show_debug_info", Default: "true", Values: "true, false", Doc: "print the source line of each user stack frame and the functions inlined there, from the programs' DWARF (bpftrace mode: func+off@file:line, [inlined] func@file:line; perf mode marks inlined frames)"},
	CfgUnstableImportStatement: {Name: "unstable_import_statement", Default: "warn", Values: "enable, warn, error", Doc: "whether the unstable import statement may be used, with or without a warning"},
	CfgUnstableTseries:         {Name: "unstable_tseries", Default: "warn", Values: "enable, warn, error", Doc: "whether tseries() may be used, with or without a warning"},
	CfgUnstableTypeinfo:        {Name: "unstable_typeinfo", Default: "warn", Values: "enable, warn, error", Doc: "whether the unstable typeinfo() may be used, with or without a warning"},
	CfgUnstableDwUstack:        {Name: "unstable_dw_ustack", Default: "warn", Values: "enable, warn, error", Doc: "whether DWARF-unwound user stacks may be used, with or without a warning"},
}

// String returns the key's name.
func (k ConfigKey) String() string {
	if int(k) < len(Configs) {
		return Configs[k].Name
	}
	return "invalid"
}

var configIndex = func() map[string]ConfigKey {
	m := map[string]ConfigKey{}
	for id := ConfigKey(1); id < numConfigKeys; id++ {
		m[Configs[id].Name] = id
	}
	return m
}()

// LookupConfig resolves a configuration key written as stack_mode,
// STACK_MODE or BPFTRACE_STACK_MODE.
func LookupConfig(name string) (ConfigKey, bool) {
	k, ok := configIndex[strings.TrimPrefix(strings.ToLower(name), "bpftrace_")]
	return k, ok
}

// ConfigNames returns the names of all configuration keys.
func ConfigNames() []string {
	out := make([]string, 0, NumConfigKeys)
	for id := ConfigKey(1); id < numConfigKeys; id++ {
		out = append(out, Configs[id].Name)
	}
	return out
}
