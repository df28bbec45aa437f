#!/usr/bin/env bash
# bench.sh - what `make bench` runs.
#
#  1. compare.sh (the shared side-by-side benchmark) with bpftrace as the
#     baseline when it is installed, gobpftrace, and the floor: benchfloor
#     (cmd/benchfloor), hand-written BPF programs doing each test's work as
#     cheaply as a single-purpose tool can.
#  2. many probes, for gobpftrace and bpftrace (benchprobes.py, next to
#     this script):
#       wildcard  tracepoint:syscalls:sys_enter_* { @[probe] = count(); }
#                 with -c /bin/true (every syscall entry, 360 tracepoints
#                 here): launch -> exit, and launch -> first map line
#       sigint    tracepoint:sched:* { @[probe] = count(); } (every sched
#                 tracepoint) until SIGINT, sent 1 s after "Attach...":
#                 SIGINT -> last line printed, and SIGINT -> exit
#  2b. fusedcost: ns per system call with a probe as a perf event and fused,
#     traced and untraced (fusedcost/fusedcost.sh, gobpftrace alone).
#  3. the issue's performance targets, checked against gobpftrace's
#     medians (the in-kernel cost per hit against the floor's, +5 %).
#  4. the Go benchmarks of every package (front end, start-up of the binary).
#
# Needs root, cc (compare.sh builds a small C helper and reads bpf run-time
# stats) and python3 (step 2). Environment:
#   BIN          gobpftrace binary (default: ./gobpftrace at the repository root)
#   COMPARE      compare.sh (default /work/shared/tools/bench/compare.sh)
#   BASELINE     command of the baseline tool (default: bpftrace if in PATH;
#                "none" to measure gobpftrace alone)
#   BENCH_REPS   repetitions per test (default 5)
#   BENCH_TESTS  tests to run (default: all; compare.sh's
#                begin,first,ready,tput,count,hist,maps, then wildcard,sigint,
#                fusedcost).
#                bpftrace needs about 25 s per wildcard run: leave it out for
#                a quick run, e.g. BENCH_TESTS=count,hist,sigint
#   BENCH_FLOOR  0 to leave benchfloor out of compare.sh's runs (the
#                per-hit targets are then not checked)
#   BENCH_WILDCARD_TIMEOUT  seconds a wildcard run may take (default 180)
#   BENCH_SETTLE seconds between "Attach..." and SIGINT in sigint (default 1)
#   BENCH_OUT    results directory (default bench-results/ at the repository root)
#   GOBENCH      0 to skip the Go benchmarks
#   GO           go command (default go)
# Exit status: 0 when every target is met, 1 when one is missed or a step
# failed, 2 when a comparison cannot run here.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BIN=${BIN:-$ROOT/gobpftrace}
COMPARE=${COMPARE:-/work/shared/tools/bench/compare.sh}
PROBES=$HERE/benchprobes.py
REPS=${BENCH_REPS:-5}
TESTS=${BENCH_TESTS:-begin,first,ready,tput,count,hist,maps,wildcard,sigint,fusedcost}
OUT=${BENCH_OUT:-$ROOT/bench-results}
WILD_TIMEOUT=${BENCH_WILDCARD_TIMEOUT:-180}
SETTLE=${BENCH_SETTLE:-1}
GO=${GO:-go}
NAME=gobpftrace
FLOOR_NAME=floor

status=0
say() { printf '%s\n' "$*"; }

[ -x "$BIN" ] || { say "bench: $BIN not found; run make build first" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# The tests of each step, in the order given.
compare_tests= probe_tests=
IFS=, read -r -a wanted <<<"$TESTS"
for t in "${wanted[@]}"; do
	case $t in
	begin | first | ready | tput | count | hist | maps) compare_tests+=${compare_tests:+,}$t ;;
	wildcard | sigint) probe_tests+=${probe_tests:+,}$t ;;
	fusedcost) ;;
	*) say "bench: unknown test '$t' in BENCH_TESTS" >&2; exit 2 ;;
	esac
done

# The tools: the baseline when installed, then gobpftrace.
names=() cmds=()
if [ "${BASELINE:-}" != none ]; then
	base=${BASELINE:-bpftrace}
	if command -v "${base%% *}" >/dev/null 2>&1; then
		names+=(bpftrace) cmds+=("$base")
	else
		say "bench: baseline '$base' not installed: measuring $NAME alone (apt-get install bpftrace for ratios)"
	fi
fi
names+=("$NAME") cmds+=("$BIN")

mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || not_root=1

# ------------------------------------------------------------ 1. compare.sh
RAW=$OUT/compare/raw.tsv
floor_ran=0
if [ -n "$compare_tests" ]; then
	rm -rf "$OUT/compare" # no stale figures if it cannot run
	why=
	[ -z "${not_root:-}" ] || why="not root"
	command -v cc >/dev/null 2>&1 || why="${why:+$why, }no cc"
	[ -f "$COMPARE" ] || why="${why:+$why, }$COMPARE not found (set COMPARE=)"
	tools=()
	for i in "${!names[@]}"; do tools+=(-t "${names[$i]}=bpftrace:${cmds[$i]}"); done
	if [ -z "$why" ] && [ "${BENCH_FLOOR:-1}" != 0 ]; then
		if (cd "$ROOT" && CGO_ENABLED=0 "$GO" build -o "$OUT/benchfloor" ./cmd/benchfloor); then
			tools+=(-t "$FLOOR_NAME=floor:$OUT/benchfloor")
			floor_ran=1
		else
			say "bench: cannot build cmd/benchfloor: measuring without the floor" >&2
			status=1
		fi
	fi
	if [ -z "$why" ]; then
		say "== compare.sh: ${tools[*]} reps=$REPS tests=$compare_tests"
		say "   (machine load now: $(cut -d' ' -f1-3 /proc/loadavg))"
		bash "$COMPARE" "${tools[@]}" -n "$REPS" -T "$compare_tests" -o "$OUT/compare" -q || status=1
	else
		say "bench: skipping compare.sh: $why" >&2
		status=2
	fi
fi

# median(a, n) of awk arrays, shared by the summaries below.
AWK_MEDIAN='
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# collect(): the numeric key=value fields of an ok raw.tsv line, by test,
# tool and key, in c[] (counts) and v[] (values); failed runs in failed[].
function collect(   nf, f, kv, p, k) {
	if ($4 ~ /(^| )ok=0( |$)/) { failed[$2 " " $3]++; return }
	nf = split($4, kv, " ")
	for (f = 1; f <= nf; f++)
		if (split(kv[f], p, "=") == 2 && p[2] ~ /^-?[0-9.]+$/) {
			k = $2 SUBSEP $3 SUBSEP p[1]; c[k]++; v[k, c[k]] = p[2] + 0
		}
}
function med(test, tool, key,   k, j, a) {
	k = test SUBSEP tool SUBSEP key
	if (!(k in c)) return ""
	split("", a); for (j = 1; j <= c[k]; j++) a[j] = v[k, j]
	return median(a, c[k])
}'

# ------------------------------------------------------------ 2. many probes
PRAW=$OUT/probes/raw.tsv
tracefs=/sys/kernel/tracing
[ -d "$tracefs/events" ] || tracefs=/sys/kernel/debug/tracing
n_enter=$(ls "$tracefs/events/syscalls" 2>/dev/null | grep -c '^sys_enter_')
n_sched=$(find "$tracefs/events/sched" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
if [ -n "$probe_tests" ]; then
	rm -rf "$OUT/probes"
	why=
	[ -z "${not_root:-}" ] || why="not root"
	command -v python3 >/dev/null 2>&1 || why="${why:+$why, }no python3"
	if [ -n "$why" ]; then
		say "bench: skipping $probe_tests: $why" >&2
		status=2
	else
		say
		say "== many probes: ${names[*]} reps=$REPS tests=$probe_tests"
		say "   (machine load now: $(cut -d' ' -f1-3 /proc/loadavg))"
		mkdir -p "$OUT/probes"
		{
			echo "# benchprobes.py $(date -u +%FT%TZ) kernel=$(uname -r) cpus=$(nproc) reps=$REPS"
			for i in "${!names[@]}"; do echo "# tool ${names[$i]} cmd=${cmds[$i]}"; done
			echo "# loadavg start: $(cut -d' ' -f1-3 /proc/loadavg)"
		} >"$OUT/probes/header.txt"
		: >"$PRAW"
		IFS=, read -r -a plist <<<"$probe_tests"
		nt=${#names[@]}
		for ((rep = 1; rep <= REPS; rep++)); do
			for t in "${plist[@]}"; do
				for ((k = 0; k < nt; k++)); do
					i=$(((k + rep - 1) % nt)) # rotate the order each repetition
					read -r -a tool <<<"${cmds[$i]}"
					case $t in
					wildcard) args=(exit --timeout "$WILD_TIMEOUT" -- "${tool[@]}"
						-e 'tracepoint:syscalls:sys_enter_* { @[probe] = count(); }' -c /bin/true) ;;
					sigint) args=(sigint --timeout 60 --settle "$SETTLE" -- "${tool[@]}"
						-e 'tracepoint:sched:* { @[probe] = count(); }') ;;
					esac
					line=$(python3 "$PROBES" "${args[@]}") || { status=1; line="ok=0 error=benchprobes"; }
					printf '%s\t%s\t%s\t%s\n' "$rep" "$t" "${names[$i]}" "$line" >>"$PRAW"
					printf '   rep %d %-8s %-10s %s\n' "$rep" "$t" "${names[$i]}" "$line"
				done
			done
		done
		echo "# loadavg end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/probes/header.txt"
		say
		say "medians over $REPS reps (ok runs only; [n] = ok runs)"
		awk -F'\t' -v names="$(IFS=,; echo "${names[*]}")" -v tests="$probe_tests" "$AWK_MEDIAN"'
		{ collect() }
		END {
			nn = split(names, N, ","); nt = split(tests, T, ",")
			printf "%-26s", "metric"
			for (i = 1; i <= nn; i++) printf " %16s", N[i]
			if (nn == 2) printf " %10s", N[2] "/" N[1]
			printf "\n"
			split("wildcard:wall_ms wildcard:first_line_ms sigint:last_line_ms sigint:exit_ms sigint:lines", M, " ")
			for (m = 1; m in M; m++) {
				split(M[m], q, ":")
				want = 0; for (x = 1; x <= nt; x++) if (T[x] == q[1]) want = 1
				if (!want) continue
				printf "%-26s", q[1] "." q[2] (q[2] ~ /_ms$/ ? " (-)" : "")
				for (i = 1; i <= nn; i++) {
					r[i] = med(q[1], N[i], q[2])
					if (r[i] == "") printf " %16s", "-"
					else printf " %12.6g [%d]", r[i], c[q[1] SUBSEP N[i] SUBSEP q[2]]
				}
				if (nn == 2) printf " %10s", (r[1] != "" && r[2] != "" && r[1] != 0) ? sprintf("%.3f", r[2] / r[1]) : "-"
				printf "\n"
			}
			for (f in failed) printf "note: %d failed (ok=0) %s run(s) excluded\n", failed[f], f
		}' "$PRAW" | tee "$OUT/probes/summary.txt"
		say "raw results: $PRAW"
	fi
fi

# ------------------------------------------------------------ 2b. fused cost
# What fused syscall tracepoints cost each system call, traced and not
# (gobpftrace alone: fusedcost/fusedcost.sh, README "Fused syscall
# tracepoints").
case ",$TESTS," in
*,fusedcost,*)
	if [ -n "${not_root:-}" ] || ! command -v cc >/dev/null 2>&1; then
		say "bench: skipping fusedcost: needs root and cc" >&2
		status=2
	else
		say
		say "== fusedcost: ns per getpid(), probes as perf events and fused"
		say "   (machine load now: $(cut -d' ' -f1-3 /proc/loadavg))"
		mkdir -p "$OUT/fusedcost"
		bash "$HERE/fusedcost/fusedcost.sh" "$BIN" "$OUT/fusedcost" | tee "$OUT/fusedcost/summary.txt"
		[ "${PIPESTATUS[0]}" = 0 ] || status=1
	fi
	;;
esac

# ------------------------------------------------------------ 3. targets
# test key limit direction description. The limit is a number, or TOOL*F:
# F times TOOL's median of the same measurement in the same run. max: the
# median must be <= limit, min: >= limit, info: shown, never a failure.
TARGETS="begin wall_ms 10 max BEGIN-hello wall time (ms)
begin rss_kb 16384 max BEGIN-hello peak RSS (kB)
ready attach_ms 15 max 10 tracepoints attached and firing after launch (ms)
tput events_per_s 1000000 min printf throughput (events/s)
tput unaccounted 0 max events neither printed nor reported lost
count ns_per_hit $FLOOR_NAME*1.05 max @[comm] = count() in-kernel cost, floor +5% (ns/hit)
hist ns_per_hit $FLOOR_NAME*1.05 max hist(args->id) in-kernel cost, floor +5% (ns/hit)
count ns_per_hit 70 info @[comm] = count() in-kernel cost, first target (ns/hit)
hist ns_per_hit 50 info hist(args->id) in-kernel cost, first target (ns/hit)
wildcard wall_ms 1500 max $n_enter sys_enter_* probes, -c /bin/true: launch -> exit (ms)
sigint last_line_ms 100 max sched:* ($n_sched probes): SIGINT -> last map line (ms)"

if [ -s "$RAW" ] || [ -s "$PRAW" ]; then
	say
	say "== targets ($NAME medians over ok runs, $(basename "$OUT")/{compare,probes}/raw.tsv)"
	cat "$RAW" "$PRAW" 2>/dev/null | awk -F'\t' -v tool="$NAME" -v targets="$TARGETS" \
		-v tests="$TESTS" -v floor="$FLOOR_NAME" -v floor_ran="$floor_ran" "$AWK_MEDIAN"'
	/^[^#]/ { collect() }
	function row(desc, m, lim, verdict) {
		printf "%-60s %10s %14s  %s\n", desc, m, lim, verdict
	}
	END {
		bad = 0
		nt = split(tests, TT, ","); for (i = 1; i <= nt; i++) ran[TT[i]] = 1
		row("target", "median", "limit", "verdict")
		n = split(targets, T, "\n")
		for (i = 1; i <= n; i++) {
			split(T[i], w, " "); test = w[1]; key = w[2]; lim = w[3]; dir = w[4]
			desc = T[i]; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", desc)
			op = dir == "min" ? ">= " : "<= "
			if (!(test in ran)) { row(desc, "-", op lim, "not run"); continue }
			if (split(lim, rel, "*") == 2) { # relative to another tool
				if (rel[1] == floor && !floor_ran) { row(desc, "-", op lim, "not run (no floor)"); continue }
				ref = med(test, rel[1], key)
				if (ref == "") { row(desc, "-", op lim, "NOT MEASURED (" rel[1] ")"); bad = 1; continue }
				lim = sprintf("%.4g", ref * rel[2])
			}
			m = med(test, tool, key)
			if (m == "") {
				row(desc, "-", op lim, dir == "info" ? "not measured" : "NOT MEASURED")
				if (dir != "info") bad = 1
				continue
			}
			ok = dir == "min" ? (m >= lim + 0) : (m <= lim + 0)
			if (dir == "info") verdict = ok ? "(info) met" : "(info) over"
			else { verdict = ok ? "met" : "MISSED"; if (!ok) bad = 1 }
			row(desc, sprintf("%.6g", m), op lim, verdict)
		}
		for (f in failed) printf "note: %d failed (ok=0) %s run(s) excluded\n", failed[f], f
		exit bad
	}' | tee "$OUT/targets.txt"
	[ "${PIPESTATUS[1]}" = 0 ] || status=1
fi

# ------------------------------------------------------------ 4. Go benchmarks
if [ "${GOBENCH:-1}" != 0 ]; then
	say
	say "== Go benchmarks"
	(cd "$ROOT" && "$GO" test -run '^$' -bench . -benchmem -count 1 ./...) 2>&1 |
		grep -v -e '^?' -e 'no test files' | tee "$OUT/gobench.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

say
say "bench: results in $OUT (exit status $status)"
exit "$status"
