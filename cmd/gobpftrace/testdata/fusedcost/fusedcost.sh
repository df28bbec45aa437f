#!/usr/bin/env bash
# fusedcost.sh - what fused syscall tracepoints cost each system call
# (make bench). For each probe below, attached as a tracepoint
# (--tracepoints perf) and fused (--tracepoints fused), the ns per getpid() of a C
# loop (gen.c: best of 5 runs of N calls, pinned to the last CPU), traced
# (a probe on getpid) and untraced (a probe on getppid only: the cost the
# dispatchers add to every other system call of the machine).
# Usage: fusedcost.sh BIN [OUTDIR]; environment: N (calls, default 500000).
# Needs root and cc. Prints a table and writes OUTDIR/fusedcost.tsv.
set -u -o pipefail
BIN=${1:?usage: fusedcost.sh BIN [OUTDIR]}
OUT=${2:-$(mktemp -d)}
N=${N:-500000}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
GEN=$OUT/fusedcost-gen
cc -O2 -o "$GEN" "$HERE/gen.c" || exit 2
CPU=$(($(nproc) - 1))
TSV=$OUT/fusedcost.tsv
: >"$TSV"
PID=
trap '[ -n "$PID" ] && kill -INT "$PID" 2>/dev/null; wait 2>/dev/null' EXIT

# cost NAME MODE SCRIPT: ns per getpid() with SCRIPT attached in MODE
cost() {
	local name=$1 mode=$2 script=$3 err=$OUT/fusedcost.err ns
	if [ -z "$script" ]; then
		ns=$(taskset -c "$CPU" "$GEN" "$N")
	else
		"$BIN" --tracepoints "$mode" -e "$script" >/dev/null 2>"$err" &
		PID=$!
		for _ in $(seq 500); do
			grep -q '^Attached' "$err" && break
			kill -0 "$PID" 2>/dev/null || { cat "$err" >&2; exit 1; }
			sleep 0.02
		done
		ns=$(taskset -c "$CPU" "$GEN" "$N")
		kill -INT "$PID"
		wait "$PID"
		PID=
	fi
	printf '%s\t%s\t%s\n' "$name" "$mode" "$ns" >>"$TSV"
	printf '%s' "$ns"
}

printf '%-62s %12s %12s\n' "ns per getpid() (N=$N)" tracepoint fused
row() { # label script
	printf '%-62s %12s %12s\n' "$1" "$(cost "$1" perf "$2")" "$(cost "$1" fused "$2")"
}
printf '%-62s %12s\n' "no probe" "$(cost none none "")"
row "traced: sys_enter_getpid { @ = count(); }" 'tracepoint:syscalls:sys_enter_getpid { @ = count(); }'
row "traced, record: sys_enter_getpid { @ = sum(args.__syscall_nr) }" 'tracepoint:syscalls:sys_enter_getpid { @ = sum(args.__syscall_nr); }'
row "traced: sys_exit_getpid { @ = sum(args.ret); }" 'tracepoint:syscalls:sys_exit_getpid { @ = sum(args.ret); }'
row "untraced (a probe on sys_enter_getppid)" 'tracepoint:syscalls:sys_enter_getppid { @ = count(); }'
row "untraced (a probe on sys_exit_getppid)" 'tracepoint:syscalls:sys_exit_getppid { @ = count(); }'
