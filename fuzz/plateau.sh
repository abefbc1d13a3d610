#!/usr/bin/env bash
# Runs one fuzz target until its coverage stops growing: libFuzzer's `cov:` (covered edges) has
# not increased for FLAT minutes, or MAX minutes have passed. Prints one line per coverage
# increase and a final verdict ("plateau" or "time limit"), which docs/fuzzing.md records.
#
#   fuzz/plateau.sh TARGET [FLAT_MINUTES=5] [MAX_MINUTES=30] [extra libFuzzer flags...]
set -uo pipefail
target=${1:?usage: fuzz/plateau.sh TARGET [FLAT_MINUTES] [MAX_MINUTES]}
flat=${2:-5}
max=${3:-30}
shift $(( $# < 3 ? $# : 3 ))
cd "$(dirname "$0")"
log=$(mktemp)
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none "$target" >/dev/null 2>&1 || {
    echo "cannot build $target: run RUSTC_BOOTSTRAP=1 cargo fuzz build -s none $target" >&2
    exit 2
}
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" -- -max_total_time=$((max * 60)) \
    -max_len=4096 -print_final_stats=1 "$@" >"$log" 2>&1 &
pid=$!
start=$(date +%s)
last_growth=$start
best=0
verdict="time limit"
while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)
    cov=${cov:-0}
    now=$(date +%s)
    if (( cov > best )); then
        best=$cov
        last_growth=$now
        echo "$(( (now - start) / 60 ))m$(( (now - start) % 60 ))s cov $cov"
    fi
    if (( now - last_growth >= flat * 60 )); then
        verdict="plateau"
        # cargo-fuzz does not pass the signal on: stop the fuzzer it runs as well.
        pkill -INT -P "$pid" 2>/dev/null || true
        kill -INT "$pid" 2>/dev/null || true
        break
    fi
done
wait "$pid" || true
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' || true)
if grep -q 'panicked\|deadly signal\|Test unit written' "$log"; then
    echo "CRASH: see $log and fuzz/artifacts/$target/"
    exit 1
fi
now=$(date +%s)
echo "$target: $verdict after $(( (now - start) / 60 )) min; cov $best (last growth at $(( (last_growth - start) / 60 )) min); ${execs:-?} execs"
rm -f "$log"
