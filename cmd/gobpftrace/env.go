package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/runtime"
)

// envVar is a numeric BPFTRACE_* environment variable: its names (the
// first is the current one, the others older spellings read when it is
// unset) and its valid range. A variable that is set must hold a decimal
// integer in range; anything else (including an empty value) is an error,
// as in bpftrace, never a silent default or a wrapped value.
type envVar struct {
	names    []string
	min, max uint64
}

var (
	envStrLen  = envVar{names: []string{"BPFTRACE_MAX_STRLEN", "BPFTRACE_STRLEN"}, min: 1, max: check.MaxStrLen}
	envMapKeys = envVar{names: []string{"BPFTRACE_MAX_MAP_KEYS", "BPFTRACE_MAP_KEYS_MAX"}, min: 1, max: math.MaxUint32}
	envProgs   = envVar{names: []string{"BPFTRACE_MAX_BPF_PROGS"}, min: 1, max: 1 << 20}
)

// numericEnv are the numeric variables gobpftrace reads.
var numericEnv = []*envVar{&envStrLen, &envMapKeys, &envProgs}

// lookup returns the value of the first name that is set.
func (v *envVar) lookup() (n uint64, set bool, err error) {
	for _, name := range v.names {
		if n, set, err := v.get(name); set {
			return n, set, err
		}
	}
	return 0, false, nil
}

// get parses one name of the variable.
func (v *envVar) get(name string) (n uint64, set bool, err error) {
	s, ok := os.LookupEnv(name)
	if !ok {
		return 0, false, nil
	}
	n, err = strconv.ParseUint(s, 10, 64)
	if err != nil || n < v.min || n > v.max {
		return 0, true, &usageError{fmt.Sprintf("environment variable %s=%q: want an integer in %d..%d", name, s, v.min, v.max)}
	}
	return n, true, nil
}

// checkEnv validates every BPFTRACE_* variable gobpftrace reads (both
// spellings of each) and GOBPFTRACE_EVENTS; run calls it before anything
// else, so later reads cannot fail.
func checkEnv() error {
	for _, v := range numericEnv {
		for _, name := range v.names {
			if _, _, err := v.get(name); err != nil {
				return err
			}
		}
	}
	for name, v := range configEnv() {
		s := check.DefaultSettings()
		if err := s.SetConfig(name, v); err != nil {
			return &usageError{fmt.Sprintf("environment variable %v", err)}
		}
	}
	if err := runtime.CheckEventsEnv(); err != nil {
		return &usageError{err.Error()}
	}
	if p, ok := os.LookupEnv(runtime.BTFEnv); ok {
		st, err := os.Stat(p)
		switch {
		case p == "":
			return &usageError{fmt.Sprintf("environment variable %s is empty: want the path of a BTF file", runtime.BTFEnv)}
		case err != nil:
			return &usageError{fmt.Sprintf("environment variable %s=%q: %v", runtime.BTFEnv, p, unwrapPathErr(err))}
		case !st.Mode().IsRegular():
			return &usageError{fmt.Sprintf("environment variable %s=%q: not a regular file", runtime.BTFEnv, p)}
		}
	}
	return nil
}

// configEnv returns the configuration set in the environment: every
// BPFTRACE_<KEY> of a configuration key (bpftrace's config block keys),
// by variable name. The checker lets it take precedence over the config
// block.
func configEnv() map[string]string {
	env := map[string]string{}
	for _, k := range check.ConfigKeys() {
		name := "BPFTRACE_" + strings.ToUpper(k)
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	return env
}

// strLen is the string capacity from the environment, else the running
// kernel's default (runtime.DefaultMaxStrlen).
func strLen() int {
	if n, ok, err := envStrLen.lookup(); ok && err == nil {
		return int(n)
	}
	return runtime.DefaultMaxStrlen()
}

// maxBPFProgs is BPFTRACE_MAX_BPF_PROGS, 0 when unset: the checker then
// takes the config block's max_bpf_progs or its default.
func maxBPFProgs() int {
	if n, ok, err := envProgs.lookup(); ok && err == nil {
		return int(n)
	}
	return 0
}

// envMaxMapKeys is the capacity of maps without a declared size from the
// environment: BPFTRACE_MAX_MAP_KEYS (which the checker applies over the
// config block's max_map_keys), else the older BPFTRACE_MAP_KEYS_MAX, else
// 0 for the code generator's default.
func envMaxMapKeys() int {
	if n, ok, err := envMapKeys.lookup(); ok && err == nil {
		return int(n)
	}
	return 0
}

// unwrapPathErr drops the *os.PathError around err: the message names the
// path itself.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
