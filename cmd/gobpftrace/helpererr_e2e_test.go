package main

import "testing"

// TestHelperErrors: -k reports a map read of an absent key and a failed
// memory read at run time, as bpftrace's --warnings: in text on stderr
// with the helper and its error code at the expression, in JSON as
// helper_error messages; without -k both are silent.
func TestHelperErrors(t *testing.T) {
	needRoot(t)
	t.Parallel()
	const lookup = `BEGIN { @[1] = 1; printf("%d\n", @[2]); exit(); }`
	r := gbt(t, "-k", "-e", lookup)
	expectRun(t, r, 0, "0\n\n\n@[1]: 1\n", `Attached 1 probe
stdin:1:34-38: WARNING: Can't lookup map element because it does not exist.
Additional Info - helper: map_lookup_elem, retcode: 0
BEGIN { @[1] = 1; printf("%d\n", @[2]); exit(); }
                                 ~~~~
`)
	r = gbt(t, "-e", lookup)
	expectRun(t, r, 0, "0\n\n\n@[1]: 1\n", "Attached 1 probe\n")

	// A kernel read of an address in the user range fails with ERANGE;
	// the warning is at the pointer read, and the value reads as zero.
	// (The error is found while the printf record is being built, so it
	// follows the printf: codegen/rterror.go.)
	const read = `BEGIN { $p = (int32 *)8; printf("%d\n", *$p); exit(); }`
	r = gbt(t, "-k", "-q", "-f", "json", "-e", read)
	expectRun(t, r, 0, `{"type": "printf", "data": "0\n"}`+"\n"+
		`{"type": "helper_error", "msg": "Numerical result out of range", "helper": "probe_read_kernel", "retcode": -34, "filename": "stdin", "line": 1, "col": 41}`+"\n", "")
	r = gbt(t, "-q", "-f", "json", "-e", read)
	expectRun(t, r, 0, `{"type": "printf", "data": "0\n"}`+"\n", "")
}
