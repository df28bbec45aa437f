package main

// End-to-end checks of the config block and its environment variables.

import "testing"

// TestConfigStackModeEnv: stack_mode in the config block sets the style of
// ustack without a mode, and BPFTRACE_STACK_MODE wins over the block.
func TestConfigStackModeEnv(t *testing.T) {
	needRoot(t)
	t.Parallel()
	script := tempFile(t, "getenv.py", "import ctypes, time\nctypes.CDLL(None).getenv(b'ABCDEFGH')\ntime.sleep(5)\n") // alive while its stack is symbolized
	prog := `config = { BPFTRACE_STACK_MODE = perf }
uprobe:libc:getenv /pid == cpid && str(arg0) == "ABCDEFGH"/ { printf("%s", ustack(1)); exit(); }`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^\t[0-9a-f]+ getenv\+0 \(/\S*libc\.so\.6\)$`)
	r = runTool(t, invocation{args: []string{"-e", prog, "-c", "/usr/bin/python3 " + script}, env: []string{"BPFTRACE_STACK_MODE=raw"}})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^\s+[0-9a-f]+$`)
	noMatch(t, "stdout", r.stdout, `getenv`)
}

// TestConfigErrors: a bad value in the environment is a usage error; bad
// keys and values in the block are positioned errors; a valid license
// loads.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	r := runTool(t, invocation{args: []string{"--dry-run", "-e", `BEGIN { }`}, env: []string{"BPFTRACE_MISSING_PROBES=sometimes"}})
	expectRun(t, r, 1, "", "ERROR: environment variable BPFTRACE_MISSING_PROBES: Invalid value for missing_probes: valid values are ignore, warn, and error.\n")
	r = gbt(t, "--dry-run", "-e", `config = { license = "Potato" } BEGIN { }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:12-30: ERROR: Invalid value for license\. Found: Potato\. Valid values: Dual MIT/GPL, Dual BSD/GPL, Dual MPL/GPL, GPL and additional rights, GPL v2, GPL\.`)
	r = gbt(t, "--dry-run", "-e", `config = { map_keys_max = 1 } BEGIN { }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:12-28: ERROR: map_keys_max: key has been renamed to 'max_map_keys'$`)
}

// TestConfigLicense: the programs load under the configured license.
func TestConfigLicense(t *testing.T) {
	needRoot(t)
	t.Parallel()
	expectRun(t, gbt(t, "-e", `config = { license = "Dual BSD/GPL" } BEGIN { printf("ok\n"); exit(); }`), 0, "ok\n\n\n", attached1)
}

// TestConfigBuiltin: the config builtin reads the settings in effect.
func TestConfigBuiltin(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := runTool(t, invocation{args: []string{"-e", `config = { max_strlen = 32; stack_mode = perf } BEGIN { printf("%d %s %s %d\n", config.max_strlen, config.stack_mode, config().license, config.max_strlen == __builtin_config.max_strlen); exit(); }`},
		env: []string{"BPFTRACE_LICENSE=Dual BSD/GPL"}})
	expectRun(t, r, 0, "32 perf Dual BSD/GPL 1\n\n\n", attached1)
}

// TestConfigCatBytes: max_cat_bytes bounds what one cat() prints, from the
// config block or the environment; log_size is accepted (the verifier log
// is never trimmed).
func TestConfigCatBytes(t *testing.T) {
	needRoot(t)
	t.Parallel()
	file := tempFile(t, "cat.txt", "0123456789\n")
	r := gbt(t, "-e", `config = { max_cat_bytes = 4; log_size = 100 } BEGIN { cat("`+file+`"); printf("|\n"); exit(); }`)
	expectRun(t, r, 0, "0123|\n\n\n", attached1)
	r = runTool(t, invocation{args: []string{"-e", `BEGIN { cat("` + file + `"); printf("|\n"); exit(); }`}, env: []string{"BPFTRACE_MAX_CAT_BYTES=2"}})
	expectRun(t, r, 0, "01|\n\n\n", attached1)
}
