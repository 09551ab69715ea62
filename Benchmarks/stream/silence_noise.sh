#!/usr/bin/env bash
# Ten minutes of digital silence, of white noise and of noise whose level jumps, piped into `hark stream -`:
# the acceptance is that no text comes out (no "Thank you." hallucinations). Prints one markdown table row each.
# Usage: [MODEL=base THREADS=2 EXTRA=""] Benchmarks/stream/silence_noise.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/stream/prepare.sh
MODEL=${MODEL:-base}
THREADS=${THREADS:-2}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for kind in silence white jumping; do
    start=$(date +%s.%N)
    status=0
    python3 - "$kind" <<'PY' | .build/release/hark stream - --format s16le --model "$MODEL" --threads "$THREADS" --output jsonl ${EXTRA:-} > "$out" || status=$?
import sys, numpy as np
kind, rate, rng = sys.argv[1], 16000, np.random.default_rng(7)
for block in range(600):                       # one second at a time, ten minutes
    if kind == "silence":
        x = np.zeros(rate)
    elif kind == "white":
        x = rng.uniform(-0.2, 0.2, rate)
    else:                                      # Gaussian noise whose level jumps every 0.5 s between -66 and -6 dBFS
        x = np.concatenate([rng.normal(0, 10 ** (rng.uniform(-66, -6) / 20), rate // 2) for _ in range(2)])
    sys.stdout.buffer.write((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
PY
    echo "| $kind | $(grep -c . "$out" || true) events | exit $status | $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s |"
done
