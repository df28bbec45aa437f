//go:build linux

package runtime

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Verifier rejections. The kernel verifier rejects a program either
// because gobpftrace generated something invalid (a bug) or because the
// script asks for more than the kernel allows: a loop the verifier cannot
// prove to end, more maps than one program may use, more branches or
// instructions than it will explore. The second kind is the user's to
// fix, so it is reported like any script error, at the script line where
// the verifier stopped, with the limit named; only the first kind asks
// for a bug report. ExplainVerifierError tells them apart by the
// verifier's own message, which is stable across kernel versions for
// these limits, except where older kernels give none: the map limit (E2BIG
// with an empty log before 6.x, recognised from the maps the program uses)
// and the jump limit (EFAULT, whose log withRejectionLog fetches).

// VerifierRejection is a verifier rejection explained for the user.
type VerifierRejection struct {
	// Limit is true when the script hit a kernel limit; false means the
	// rejection is not understood (a gobpftrace bug).
	Limit bool
	// Msg is the error message and Hint the advice (empty when none).
	Msg, Hint string
	// Insn is the raw index of the instruction the verifier stopped at,
	// -1 when the log does not say.
	Insn int
	// Line is the script line of Insn (1-based; 0 when unknown) and
	// Excerpt the start of the statement's text, from the instruction's
	// source comment.
	Line    int
	Excerpt string
	program *codegen.Program
}

// verifierLimit is one kernel limit the verifier reports.
type verifierLimit struct {
	// match finds the verifier's message in its log.
	match func() *regexp.Regexp
	// msg and hint are what the user sees; msg may use the submatches
	// ($1 …) of match.
	msg, hint string
}

// tooManyMaps is the limit on the maps one program uses (MAX_USED_MAPS).
var tooManyMaps = verifierLimit{
	match: lazyRegexp(`(?:total number of maps per program has reached the limit of (\d+)|too many maps)`),
	msg:   "too many maps: a BPF program may use at most 64 maps, including gobpftrace's own (ring buffer, counters, scratch)",
	hint:  "use fewer maps in one probe, e.g. one map with a tuple key instead of several",
}

// verifierLimits are the rejections caused by the script rather than by
// gobpftrace. The first that matches a line of the log wins.
var verifierLimits = []verifierLimit{
	{
		match: lazyRegexp(`^infinite loop detected at insn (\d+)`),
		msg:   "infinite loop: the kernel verifier found a loop that never ends",
		hint:  "make the loop's condition change (or break out of it); BPF programs must finish",
	},
	{
		match: lazyRegexp(`^BPF program is too large\. Processed (\d+) insn`),
		msg:   "program too complex: the kernel verifier gave up after exploring $1 instructions (the limit is 1,000,000)",
		hint:  "a loop the verifier cannot prove to end (while (1) without a reachable break) or too many paths; bound loops with a counter, lower unroll counts or split the probe",
	},
	{
		match: lazyRegexp(`^The sequence of (\d+) jumps is too complex`),
		msg:   "program too complex: a path through it has more conditional jumps than the kernel verifier follows ($1; the limit is 8,192)",
		hint:  "use fewer if statements and conditions in one probe (or lower unroll counts), or split the probe",
	},
	tooManyMaps,
	{
		match: lazyRegexp(`^(?:combined stack size of \d+ calls is \d+\. Too large|stack size \d+\. Too large)`),
		msg:   "BPF stack limit exceeded: the program needs more than the kernel's 512 bytes of stack",
		hint:  "use fewer or smaller local values in one expression",
	},
	{
		match: lazyRegexp(`^back-edge from insn (\d+) to`),
		msg:   "loops are not supported by this kernel's verifier (Linux 5.3 or later is needed)",
		hint:  "use unroll(N) instead of while or for",
	},
	{
		match: lazyRegexp(`^program of this type cannot use helper (\w+)#\d+`),
		msg:   "the kernel does not allow the helper $1 in this probe",
		hint:  "the kernel lacks it for this program type, or its lockdown forbids it (bpf_probe_write_user under lockdown=integrity, used by write_user())",
	},
	{
		// A helper the kernel allows in some attach points only
		// (bpf_d_path: the functions of its d_path allowlist). HEAD's
		// wording; {helper} is the call the verifier stopped at.
		match: lazyRegexp(`^helper call is not allowed in probe`),
		msg:   "helper {helper} not allowed in probe",
		hint:  "the kernel allows it in some functions only: bpf_d_path (path()) in fentry/fexit probes of security_file_open, security_file_permission, security_inode_getattr, security_path_truncate, vfs_truncate, vfs_fallocate, dentry_open, vfs_getattr and filp_close, and in iterators",
	},
	{
		match: lazyRegexp(`^unknown func (\w+)#\d+`),
		msg:   "this kernel lacks the helper $1",
		hint:  "a newer kernel has it",
	},
	{
		match: lazyRegexp(`^(?:BPF program is too large|program too large)`),
		msg:   "program too large for the kernel",
		hint:  "lower unroll counts or split the probe",
	},
}

// lazyRegexp returns a function that compiles expr on its first call:
// the verifier's log is only read when a program is rejected, and
// compiling these expressions at start-up would cost every run.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// insnLine matches an instruction line of the verifier log: "123: (bf) …";
// callInsn a helper call there: "123: (85) call bpf_d_path#147".
var (
	insnLine = lazyRegexp(`^(\d+): \(`)
	callInsn = lazyRegexp(`\(85\) call (\w+)#\d+`)
)

// ExplainVerifierError classifies the rejection of p described by ve.
func ExplainVerifierError(p *codegen.Program, ve *ebpf.VerifierError) *VerifierRejection {
	r := &VerifierRejection{Insn: -1, program: p}
	if ve == nil {
		r.Msg = "the kernel verifier rejected the program"
		return r
	}
	last, helper := -1, "helper"
	for _, line := range ve.Log {
		line = strings.TrimSpace(line)
		if m := insnLine().FindStringSubmatch(line); m != nil {
			last, _ = strconv.Atoi(m[1])
			if c := callInsn().FindStringSubmatch(line); c != nil {
				helper = c[1]
			}
			continue
		}
		for _, lim := range verifierLimits {
			re := lim.match()
			m := re.FindStringSubmatchIndex(line)
			if m == nil {
				continue
			}
			r.Limit = true
			r.Msg = strings.ReplaceAll(string(re.ExpandString(nil, lim.msg, line, m)), "{helper}", helper)
			r.Hint = lim.hint
			r.Insn = last
			if strings.HasPrefix(line, "infinite loop detected at insn ") {
				r.Insn, _ = strconv.Atoi(line[len("infinite loop detected at insn "):])
			}
			r.locate()
			return r
		}
	}
	if errors.Is(ve.Cause, unix.E2BIG) && usedMaps(p) > maxUsedMaps {
		// Older kernels (5.10, 6.1) refuse the 65th map with E2BIG and no
		// message.
		r.Limit, r.Msg, r.Hint = true, tooManyMaps.msg, tooManyMaps.hint
		return r
	}
	r.Msg = "the kernel verifier rejected the program"
	r.Insn = last
	r.locate()
	return r
}

// maxUsedMaps is the kernel's MAX_USED_MAPS: the most maps one program may
// reference.
const maxUsedMaps = 64

// usedMaps counts the distinct maps p references.
func usedMaps(p *codegen.Program) int {
	if p == nil {
		return 0
	}
	seen := make(map[string]bool)
	for _, ins := range p.Insns {
		if ref := ins.Reference(); ref != "" && ins.IsLoadFromMap() {
			seen[ref] = true
		}
	}
	return len(seen)
}

// commentLine matches an instruction's source comment (see
// codegen/lineinfo.go): "line N: statement text".
var commentLine = lazyRegexp(`^line (\d+): (.*)$`)

// locate sets Line and Excerpt from the source comment of the statement
// that contains instruction Insn.
func (r *VerifierRejection) locate() {
	if r.program == nil || r.Insn < 0 {
		return
	}
	off := 0
	for _, ins := range r.program.Insns {
		if off > r.Insn {
			break
		}
		if src := ins.Source(); src != nil {
			if m := commentLine().FindStringSubmatch(src.String()); m != nil {
				r.Line, _ = strconv.Atoi(m[1])
				r.Excerpt = strings.TrimSuffix(m[2], " …")
			}
		}
		off += int(ins.Width())
	}
}

// Span is where the rejection is reported in src: the statement the
// verifier stopped at when known, else the probe.
func (r *VerifierRejection) Span(src *diag.Source) diag.Span {
	var span diag.Span
	if r.program != nil {
		span = r.program.Span
	}
	if r.Line <= 0 || src == nil {
		return span
	}
	start := 0
	for n := 1; n < r.Line; n++ {
		i := strings.IndexByte(src.Text[start:], '\n')
		if i < 0 {
			return span
		}
		start += i + 1
	}
	text := src.Line(r.Line)
	if i := strings.Index(text, r.Excerpt); r.Excerpt != "" && i >= 0 {
		return diag.Span{Start: start + i, End: start + i + len(r.Excerpt)}
	}
	return diag.Span{Start: start, End: start + len(text)}
}

// HaveLongJumps reports whether the kernel verifier accepts gotol, the
// unconditional jump with a 32-bit offset (BPF_JMP32|BPF_JA, Linux 6.4).
// It is meant for codegen.Options.LongJumps, which asks only for programs
// with a jump too far for a 16-bit offset, so scripts that have none pay
// nothing; the probe runs once per process.
func HaveLongJumps() bool {
	liftMemlock()
	return features.HaveV4ISA() == nil
}
