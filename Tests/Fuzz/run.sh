#!/usr/bin/env bash
# Runs every fuzz target of hark-fuzz (built by `make fuzz` with libFuzzer and AddressSanitizer) for SECONDS or
# FUZZ_RUNS executions (default 10^6) each, whichever ends first,
# seeded from Tests/Fuzz/corpus/<target>; fails on the first crash, leak or timeout, leaving the input under
# .build/fuzz-out/<target>/ (move it to Tests/Fuzz/crashes/<target>/ with the fix: FuzzCorpusTests replays it).
# Usage: Tests/Fuzz/run.sh SECONDS [TARGET...]; prints executions and coverage per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: Tests/Fuzz/run.sh SECONDS [TARGET...]}
shift
binary=.build/fuzz/release/hark-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf ctranslate2 whisper-tokenizer dmel npy safetensors manifest results audio pcm multipart stream)
# Swift's own backtracer would wait on a crashed process; libFuzzer reports the crash itself.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS=suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0
export HARK_FUZZ_WHISPER_FOLDER=$PWD/Tests/Fixtures/crafted/tiny-whisper
status=0
for target in "${targets[@]}"; do
    out=.build/fuzz-out/$target
    mkdir -p "$out/corpus"
    log=$out/log.txt
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/hark-fuzz-$target.XXXXXX")
    [ -w /dev/shm ] && { rmdir "$scratch"; scratch=$(mktemp -d /dev/shm/hark-fuzz-$target.XXXXXX); }
    # Inputs up to 64 KB (the tiny Whisper model is 43 KB); one input may take 10 s and 2 GB before it counts as
    # a hang or a blow-up.
    if HARK_FUZZ_TARGET=$target HARK_FUZZ_SCRATCH=$scratch "$binary" -max_total_time="$seconds" -runs="${FUZZ_RUNS:-1000000}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "Tests/Fuzz/corpus/$target" >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see $log)"
        status=1
    fi
    rm -rf "$scratch"
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    printf '%-18s %10s executions  %6s edges  %s\n' "$target" "$runs" "$coverage" "$result"
done
exit $status
