#!/usr/bin/env bash
# Streaming latency and accuracy: `hark stream` on a real recording piped as fast as possible and paced at real
# time, against the batch transcript of the same file; optionally an hour of audio for resident memory.
# Usage: [MODEL=base THREADS=2 PACED_RUNS=3 EXTRA="--step-ms 300" WORK=dir] Benchmarks/stream/bench_stream.sh [--hour]
# (adds its section on top of Benchmarks/results/stream.md)
# --hour adds Benchmarks/stream/memory_hour.sh's resident-memory figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
hour=${1:-}
source Benchmarks/stream/prepare.sh
AUDIO=Audio/asterisk-en-demo-instruct.flac
MODEL=${MODEL:-base}
THREADS=${THREADS:-2}
PACED_RUNS=${PACED_RUNS:-3}
reference=$(awk -F'\t' -v f="$(basename $AUDIO)" '$1 == f { print $3 }' Audio/transcripts.tsv)
machine="$(Benchmarks/machine.sh), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
# WORK=dir keeps the transcripts and event logs there for a closer look.
if [ -n "${WORK:-}" ]; then work=$WORK; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
hark=.build/release/hark
# A flag's default as `hark stream --help` states it.
default_of() { $hark stream --help | awk -v flag="$1" '$1 == flag { found = 1 } found && /default:/ { sub(/.*default: /, ""); sub(/\).*/, ""); print; exit }'; }
stream=($hark stream - --format s16le --model "$MODEL" --threads "$THREADS" --output jsonl ${EXTRA:-})

$hark transcribe --model "$MODEL" --language en --beam-size 1 --word-timestamps --threads "$THREADS" -o "$work" --output-format json "$AUDIO" 2>/dev/null
python3 Benchmarks/stream/pace.py "$AUDIO" --fast | "${stream[@]}" --stats > "$work/fast.jsonl" 2> "$work/fast.stats"
# Where the steps fall moves with the wall clock, and with it the words: several paced runs, and their median.
paced=()
for run in $(seq "$PACED_RUNS"); do
    python3 Benchmarks/stream/pace.py "$AUDIO" --start-file "$work/start$run" | "${stream[@]}" \
        | python3 Benchmarks/stream/stamp.py > "$work/paced$run.tsv"
    paced+=("$work/paced$run.tsv" "$work/start$run")
done
figures=$(python3 Benchmarks/stream/analyze.py "$AUDIO" "$reference" "$work/$(basename "${AUDIO%.*}").json" \
    "$work/fast.jsonl" "${paced[@]}")

memory=""
[ "$hour" = "--hour" ] && memory=$(Benchmarks/stream/memory_hour.sh)

# The newest run goes on top; the earlier ones stay below it.
results=Benchmarks/results/stream.md
earlier=$(tail -n +2 "$results" 2>/dev/null || true)
cat > "$results.new" <<MD
# Streaming benchmark

## $(date -u +%Y-%m-%d) (commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo ", with uncommitted changes"))

- date: $(date -u +%Y-%m-%dT%H:%MZ)
- machine: $machine
- command: \`Benchmarks/stream/bench_stream.sh $hour\` (MODEL=$MODEL THREADS=$THREADS PACED_RUNS=$PACED_RUNS EXTRA="${EXTRA:-}")
- audio: $AUDIO ($(python3 -c "import soundfile as s; i = s.info('$AUDIO'); print(round(i.frames / i.samplerate, 1))") s of real speech), model Whisper $MODEL, greedy, $THREADS threads, stream options: defaults (--step-ms $(default_of --step-ms), --endpoint-ms $(default_of --endpoint-ms), encoder window: the buffer padded to whole seconds, at least 10 s) plus \`${EXTRA:-}\`
- paced: Benchmarks/stream/pace.py writes 20-ms chunks at real time; each event is stamped when it reaches the reader

$figures

- per-step cost (piped as fast as possible): $(tail -n 1 "$work/fast.stats"); each pass is one encoder run plus one greedy decode and the word alignment
$memory

$earlier
MD
mv "$results.new" "$results"
awk '/^## /{sections++} sections < 2' "$results"
