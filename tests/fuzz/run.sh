#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang-14, DERMSAM_FUZZ=ON), generates their seed corpora and
# runs each for N seconds. Exits non-zero on any finding (crash, sanitizer report, unexpected
# exception, timeout, out-of-memory); the inputs are left in BUILD/fuzz-findings/<target>/.
# Usage: tests/fuzz/run.sh [seconds-per-target] [build-dir]
#   DERMSAM_FUZZ_TARGETS="npy zip"   only these harnesses
#   DERMSAM_FUZZ_JOBS=N              harnesses run side by side (default: number of cores)
#   DERMSAM_FUZZ_RUNS=N              stop each harness after N executions (or the seconds)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=${2:-build-fuzz}
targets=(${DERMSAM_FUZZ_TARGETS:-npy safetensors zip pickle pth image dicom sidecar calibration split})
jobs=${DERMSAM_FUZZ_JOBS:-$(nproc)}
runs=${DERMSAM_FUZZ_RUNS:--1}

t0=$(date +%s)
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S . -B "$build" -G Ninja -DDERMSAM_FUZZ=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" -- $(printf 'fuzz_%s ' "${targets[@]}") dermsam-fuzz-seeds
t1=$(date +%s)
echo "fuzz: build ready after $((t1 - t0)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
shared=../shared
seeds=$build/fuzz-seeds
rm -rf "$seeds"
if [ -d "$shared" ]; then
    "$build/tests/fuzz/dermsam-fuzz-seeds" "$seeds" "$shared"
else
    echo "fuzz: no $shared; generated seeds only"
    "$build/tests/fuzz/dermsam-fuzz-seeds" "$seeds"
fi

logs=$build/fuzz-logs
mkdir -p "$logs"
run_one() {
    local t=$1
    # New inputs go to the first folder, which persists between runs on one machine.
    mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-findings/$t" "$seeds/$t"
    set +e
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -runs="$runs" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-findings/$t/" \
        "$build/fuzz-corpus/$t" "$seeds/$t" >"$logs/$t.log" 2>&1
    echo $? >"$logs/$t.rc"
    set -e
}
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
printf '%-12s %12s %8s %10s %8s  %s\n' target executions seconds 'exec/s' corpus findings
for t in "${targets[@]}"; do
    log=$logs/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    corpus=$(find "$build/fuzz-corpus/$t" -type f | wc -l)
    # slow-unit-* files are libFuzzer's notes of an input that took over 10 s of wall time, which
    # a loaded machine produces (a replay takes milliseconds); an input that hangs still ends
    # the run with a timeout crash (-timeout), which is counted.
    findings=$(find "$build/fuzz-findings/$t" -type f -newer "$seeds" ! -name 'slow-unit-*' | wc -l)
    rc=$(cat "$logs/$t.rc")
    rate=-
    [ -n "$secs" ] && [ "$secs" -gt 0 ] && rate=$((${execs:-0} / secs))
    status=none
    if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
        status="FOUND (exit $rc, $findings file(s) in $build/fuzz-findings/$t; log $log)"
        failed=1
    fi
    printf '%-12s %12s %8s %10s %8s  %s\n' "$t" "${execs:-?}" "${secs:-?}" "$rate" "$corpus" "$status"
done
for t in "${targets[@]}"; do
    if [ "$(cat "$logs/$t.rc")" -ne 0 ]; then
        echo "---- $t: end of log"
        grep -v '^#[0-9]' "$logs/$t.log" | tail -40
    fi
done
echo "fuzz: finished after $(($(date +%s) - t0)) s (build $((t1 - t0)) s)"
exit $failed
