#!/usr/bin/env bash
# Resident memory of `hark stream` over an hour of audio: the benchmark recording looped with 2-s gaps, piped as
# fast as hark takes it, VmRSS sampled every 5 s next to how far into the audio the latest event reached.
# Usage: [MODEL=tiny.en THREADS=2 HOUR_MINUTES=60 HOUR_STEP_MS=1000] Benchmarks/stream/memory_hour.sh
# Prints one markdown line.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/stream/prepare.sh
AUDIO=Audio/asterisk-en-demo-instruct.flac
MODEL=${MODEL:-base}
THREADS=${THREADS:-2}
HOUR_STEP_MS=${HOUR_STEP_MS:-1000}
HOUR_MINUTES=${HOUR_MINUTES:-60}
work=$(mktemp -d)
python3 Benchmarks/stream/pace.py "$AUDIO" --fast --loop-minutes "$HOUR_MINUTES" --gap-s 2 \
    | .build/release/hark stream - --format s16le --model "$MODEL" --threads "$THREADS" --output jsonl --step-ms "$HOUR_STEP_MS" \
    > "$work/hour.jsonl" &
sleep 1
pid=$(pgrep -n -f "hark stream - --format s16le --model $MODEL --threads $THREADS --output jsonl --step-ms $HOUR_STEP_MS")
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status 2>/dev/null || true)
    reached=$(tail -n 1 "$work/hour.jsonl" 2>/dev/null | python3 -c "import json,sys; l=sys.stdin.read().strip(); print(json.loads(l)['end'] if l else 0)")
    [ -n "$rss" ] && echo "$reached $rss" >> "$work/rss"
    sleep 5
done
wait
python3 - "$work/rss" "$HOUR_STEP_MS" "$HOUR_MINUTES" "$MODEL" <<'PY'
import sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
minutes = float(sys.argv[3])
at = lambda minute: next((rss for reached, rss in rows if reached >= minute * 60), rows[-1][1])
print(f"- {minutes:.0f} minutes of audio through stdin ({sys.argv[4]}, --step-ms {sys.argv[2]}): resident memory "
      f"{at(5) / 1024:.0f} MB at minute 5, {rows[-1][1] / 1024:.0f} MB at the last sample, peak {max(r for _, r in rows) / 1024:.0f} MB "
      f"(growth from minute 5 {(rows[-1][1] - at(5)) / 1024:.1f} MB); last event at {rows[-1][0]:.0f} s of audio; hark exited 0")
PY
