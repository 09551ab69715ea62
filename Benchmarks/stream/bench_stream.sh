#!/usr/bin/env bash
# Streaming latency and accuracy: `hark stream` on a real recording piped as fast as possible and paced at real
# time, against the batch transcript of the same file; optionally an hour of audio for resident memory.
# Usage: [MODEL=base THREADS=2 EXTRA="--short-encoder-window" WORK=dir] Benchmarks/stream/bench_stream.sh [--hour]   (writes Benchmarks/results/stream.md)
# --hour adds Benchmarks/stream/memory_hour.sh's resident-memory figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
hour=${1:-}
source Benchmarks/stream/prepare.sh
AUDIO=Audio/asterisk-en-demo-instruct.flac
MODEL=${MODEL:-base}
THREADS=${THREADS:-2}
reference=$(awk -F'\t' -v f="$(basename $AUDIO)" '$1 == f { print $3 }' Audio/transcripts.tsv)
machine="$(lscpu | sed -n 's/^Model name: *//p'), CPU family $(lscpu | sed -n 's/^CPU family: *//p'), $(grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | paste -sd ' '), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
# WORK=dir keeps the transcripts and event logs there for a closer look.
if [ -n "${WORK:-}" ]; then work=$WORK; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
hark=.build/release/hark
stream=($hark stream - --format s16le --model "$MODEL" --threads "$THREADS" --output jsonl ${EXTRA:-})

$hark transcribe --model "$MODEL" --language en --beam-size 1 --word-timestamps --threads "$THREADS" -o "$work" --output-format json "$AUDIO" 2>/dev/null
python3 Benchmarks/stream/pace.py "$AUDIO" --fast | "${stream[@]}" --stats > "$work/fast.jsonl" 2> "$work/fast.stats"
python3 Benchmarks/stream/pace.py "$AUDIO" --start-file "$work/start" | "${stream[@]}" \
    | python3 Benchmarks/stream/stamp.py > "$work/paced.tsv"
figures=$(python3 Benchmarks/stream/analyze.py "$AUDIO" "$reference" "$work/$(basename "${AUDIO%.*}").json" \
    "$work/fast.jsonl" "$work/paced.tsv" "$work/start")

memory=""
[ "$hour" = "--hour" ] && memory=$(Benchmarks/stream/memory_hour.sh)

cat > Benchmarks/results/stream.md <<MD
# Streaming benchmark

- date: $(date -u +%Y-%m-%dT%H:%MZ)
- machine: $machine
- command: \`Benchmarks/stream/bench_stream.sh $hour\` (MODEL=$MODEL THREADS=$THREADS EXTRA="${EXTRA:-}")
- audio: $AUDIO ($(python3 -c "import soundfile as s; i = s.info('$AUDIO'); print(round(i.frames / i.samplerate, 1))") s of real speech), model Whisper $MODEL, greedy, $THREADS threads, stream options: defaults (--step-ms 1000, --endpoint-ms 800, encoder window: the buffer padded to whole seconds, at least 10 s) plus \`${EXTRA:-}\`
- paced: Benchmarks/stream/pace.py writes 20-ms chunks at real time; each event is stamped when it reaches the reader

$figures
- per-step cost (piped as fast as possible): $(tail -n 1 "$work/fast.stats"); each pass is one encoder run plus one greedy decode and the word alignment
$memory
MD
cat Benchmarks/results/stream.md
