package main

// End-to-end checks of named program options (getopt and --name=value
// after "--").

import "testing"

// TestNamedOptions: options after "--" set getopt values, with positional
// parameters mixed in; the defaults apply otherwise.
func TestNamedOptions(t *testing.T) {
	needRoot(t)
	t.Parallel()
	prog := `BEGIN { print(($1, getopt("aa", 10), getopt("bb", -1), $2, getopt("cc", "hello"), getopt("dd"))); exit(); }`
	r := gbt(t, "-e", prog, "pos1", "--", "--aa=20", "--bb=5", "--cc=bye", "pos2", "--dd")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^\(pos1, 20, 5, pos2, bye, true\)\n`)
	r = gbt(t, "-e", prog, "p", "--", "q")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^\(p, 10, -1, q, hello, false\)\n`)
}

// TestNamedOptionErrors: a wrong value, an undeclared option and --help
// stop before anything is loaded, with exit status 1 and no usage text.
func TestNamedOptionErrors(t *testing.T) {
	t.Parallel()
	prog := `BEGIN { print((getopt("aa", 10, "Description of aa"), getopt("bb", 1), getopt("cc"))); }`
	expectRun(t, gbt(t, "--dry-run", "-e", prog, "--", "--aa=False"), 1, "",
		"ERROR: program command line option --aa invalid integer (value: False)\n")
	expectRun(t, gbt(t, "--dry-run", "-e", prog, "--", "--dd", "--aa=1"), 1, "",
		"ERROR: unexpected program command line options: --dd\nHINT: expected program options: --aa: --bb: --cc\n")
	expectRun(t, gbt(t, "--dry-run", "-e", prog, "--", "--help"), 1, "",
		"HINT: expected program options:\n--aa: Description of aa\n--bb\n--cc\n")
	expectRun(t, gbt(t, "--dry-run", "-e", `BEGIN { }`, "--", "--x"), 1, "",
		"ERROR: unexpected program command line options: --x\nHINT: no custom program options defined.\n")
}
