#!/usr/bin/env bash
# bench.sh - what `make bench` runs.
#
#  1. compare.sh (the shared side-by-side benchmark) with gobpftrace, and
#     with bpftrace as the baseline when bpftrace is installed; otherwise
#     gobpftrace alone (compare.sh -t with a single tool: medians, no ratio).
#  2. the issue's performance targets, checked against gobpftrace's medians.
#  3. the Go benchmarks of every package (front end, start-up of the binary).
#
# Needs root and cc for step 1 (compare.sh builds a small C helper and reads
# bpf run-time stats). Environment:
#   BIN          gobpftrace binary (default: ./gobpftrace at the repository root)
#   COMPARE      compare.sh (default /work/shared/tools/bench/compare.sh)
#   BASELINE     command of the baseline tool (default: bpftrace if in PATH;
#                "none" to measure gobpftrace alone)
#   BENCH_REPS   repetitions per test (default 5)
#   BENCH_TESTS  compare.sh tests (default begin,first,ready,tput,count,hist,maps)
#   BENCH_OUT    results directory (default bench-results/ at the repository root)
#   GOBENCH      0 to skip the Go benchmarks
#   GO           go command (default go)
# Exit status: 0 when every target is met, 1 when one is missed or a step
# failed, 2 when the comparison cannot run here.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=${BIN:-$ROOT/gobpftrace}
COMPARE=${COMPARE:-/work/shared/tools/bench/compare.sh}
REPS=${BENCH_REPS:-5}
TESTS=${BENCH_TESTS:-begin,first,ready,tput,count,hist,maps}
OUT=${BENCH_OUT:-$ROOT/bench-results}
GO=${GO:-go}
NAME=gobpftrace

status=0
say() { printf '%s\n' "$*"; }

[ -x "$BIN" ] || { say "bench: $BIN not found; run make build first" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ------------------------------------------------------------ 1. compare.sh
run_compare=1
why=
if [ "$(id -u)" != 0 ]; then run_compare=0 why="not root"; fi
if ! command -v cc >/dev/null 2>&1; then run_compare=0 why="${why:+$why, }no cc"; fi
if [ ! -f "$COMPARE" ]; then run_compare=0 why="${why:+$why, }$COMPARE not found (set COMPARE=)"; fi

tools=()
if [ "${BASELINE:-}" != none ]; then
	base=${BASELINE:-bpftrace}
	if command -v "${base%% *}" >/dev/null 2>&1; then
		tools+=(-t "bpftrace=bpftrace:$base")
	else
		say "bench: baseline '$base' not installed: measuring $NAME alone (apt-get install bpftrace for ratios)"
	fi
fi
tools+=(-t "$NAME=bpftrace:$BIN")

mkdir -p "$OUT"
RAW=$OUT/compare/raw.tsv
if [ "$run_compare" = 1 ]; then
	say "== compare.sh: ${tools[*]} reps=$REPS tests=$TESTS"
	say "   (machine load now: $(cut -d' ' -f1-3 /proc/loadavg))"
	rm -rf "$OUT/compare"
	bash "$COMPARE" "${tools[@]}" -n "$REPS" -T "$TESTS" -o "$OUT/compare" -q || status=1
else
	say "bench: skipping compare.sh: $why" >&2
	status=2
fi

# ------------------------------------------------------------ 2. targets
# metric test:key, target, direction (max = must be <=, min = must be >=)
TARGETS="begin wall_ms 10 max BEGIN-hello wall time (ms)
begin rss_kb 16384 max BEGIN-hello peak RSS (kB)
ready attach_ms 15 max 10 tracepoints attached and firing after launch (ms)
tput events_per_s 1000000 min printf throughput (events/s)
tput unaccounted 0 max events neither printed nor reported lost
count ns_per_hit 70 max @[comm] = count() in-kernel cost (ns/hit)
hist ns_per_hit 50 max hist() in-kernel cost (ns/hit)"

if [ -s "$RAW" ]; then
	say
	say "== targets ($NAME medians over ok runs, $(basename "$OUT")/compare/raw.tsv)"
	awk -F'\t' -v tool="$NAME" -v targets="$TARGETS" -v tests="$TESTS" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$3 == tool && $4 !~ /(^| )ok=0( |$)/ {
		nf = split($4, kv, " ")
		for (f = 1; f <= nf; f++)
			if (split(kv[f], p, "=") == 2 && p[2] ~ /^-?[0-9.]+$/) { k = $2 SUBSEP p[1]; c[k]++; v[k, c[k]] = p[2] + 0 }
	}
	$3 == tool && $4 ~ /(^| )ok=0( |$)/ { failed[$2]++ }
	END {
		bad = 0
		nt = split(tests, TT, ","); for (i = 1; i <= nt; i++) ran[TT[i]] = 1
		printf "%-58s %12s %12s  %s\n", "target", "median", "limit", "verdict"
		n = split(targets, T, "\n")
		for (i = 1; i <= n; i++) {
			split(T[i], w, " "); test = w[1]; key = w[2]; lim = w[3]; dir = w[4]
			desc = T[i]; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", desc)
			k = test SUBSEP key
			if (!(test in ran)) { printf "%-58s %12s %12s  %s\n", desc, "-", (dir == "max" ? "<= " : ">= ") lim, "not run"; continue }
			if (!(k in c)) { printf "%-58s %12s %12s  %s\n", desc, "-", (dir == "max" ? "<= " : ">= ") lim, "NOT MEASURED"; bad = 1; continue }
			split("", a); for (j = 1; j <= c[k]; j++) a[j] = v[k, j]
			m = median(a, c[k])
			ok = (dir == "max") ? (m <= lim) : (m >= lim)
			if (!ok) bad = 1
			printf "%-58s %12.6g %12s  %s\n", desc, m, (dir == "max" ? "<= " : ">= ") lim, ok ? "met" : "MISSED"
		}
		for (t in failed) printf "note: %d failed (ok=0) %s run(s) excluded\n", failed[t], t
		exit bad
	}' "$RAW" | tee "$OUT/targets.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

# ------------------------------------------------------------ 3. Go benchmarks
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
