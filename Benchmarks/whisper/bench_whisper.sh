#!/usr/bin/env bash
# Whisper speed and memory: Hark vs faster-whisper on the same ~73-s recording, same weights and thread count,
# greedy and beam 5 (faster-whisper in float32 and int8), median of N runs each, in one run.
# Usage: Benchmarks/whisper/bench_whisper.sh [repeats] [--busy]   (writes Benchmarks/results/whisper.md)
# --busy keeps one core spinning during the runs, as on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3}; busy=${2:-}
make -s deps models build >/dev/null
python3 -m pip install --quiet faster-whisper soundfile soxr
AUDIO=Audio/asterisk-en-demo-instruct.flac
MODEL=Models/cache/whisper-base
THREADS=2
duration=$(python3 -c "import soundfile as s; i=s.info('$AUDIO'); print(i.frames/i.samplerate)")
machine="$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
work=$(mktemp -d)
if [ "$busy" = "--busy" ]; then (while :; do :; done) & spinner=$!; trap 'kill $spinner' EXIT; fi

# measure NAME COMMAND...: runs it `repeats` times; prints "NAME median_seconds median_peak_MB".
measure() {
    local name=$1; shift
    local times=() rss=()
    for _ in $(seq "$repeats"); do
        /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2>/dev/null
        read -r t m < "$work/t"; times+=("$t"); rss+=("$m")
    done
    python3 - "$name" "${times[*]}" "${rss[*]}" <<'PY'
import statistics, sys
name, times, rss = sys.argv[1], list(map(float, sys.argv[2].split())), list(map(int, sys.argv[3].split()))
print(name, statistics.median(times), statistics.median(rss) / 1024)
PY
}

{
measure hark-f32-greedy .build/release/hark transcribe --model base --language en --beam-size 1 --threads $THREADS "$AUDIO"
measure hark-f32-beam5 .build/release/hark transcribe --model base --language en --beam-size 5 --threads $THREADS "$AUDIO"
for ct in float32 int8; do
    for beam in 1 5; do
        measure "fw-$ct-$([ $beam = 1 ] && echo greedy || echo beam5)" python3 Benchmarks/whisper/fw_transcribe.py $MODEL "$AUDIO" $ct $beam $THREADS
    done
done
} > "$work/results"

python3 - "$work/results" "$duration" "$repeats" "$machine" "$busy" <<'PY' > Benchmarks/results/whisper.md
import sys, datetime
rows = {line.split()[0]: (float(line.split()[1]), float(line.split()[2])) for line in open(sys.argv[1])}
duration, repeats, machine, busy = float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
print("# Whisper transcription benchmark\n")
print(f"- date: {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}")
print(f"- machine: {machine}{'; one core kept busy by a spinning loop' if busy else ''}")
print(f"- command: `{' '.join(['Benchmarks/whisper/bench_whisper.sh', repeats] + ([busy] if busy else []))}`")
print(f"- audio: Audio/asterisk-en-demo-instruct.flac ({duration:.1f} s), model Whisper base, language en, 2 threads, timestamps on, median of {repeats} runs")
print("- both sides load the model and decode the file inside the timed process\n")
print("| setting | engine | wall s | RTF | peak RSS MB | wall time / Hark's |")
print("|---|---|---|---|---|---|")
for decoding in ("greedy", "beam5"):
    hark = rows[f"hark-f32-{decoding}"]
    for name in (f"hark-f32-{decoding}", f"fw-float32-{decoding}", f"fw-int8-{decoding}"):
        t, m = rows[name]
        engine = {"hark-f32": "Hark float32", "fw-float32": "faster-whisper float32", "fw-int8": "faster-whisper int8"}[name.rsplit("-", 1)[0]]
        print(f"| {decoding} | {engine} | {t:.2f} | {t / duration:.3f} | {m:.0f} | {t / hark[0]:.2f} |")
print()
for decoding in ("greedy", "beam5"):
    hark, peer = rows[f"hark-f32-{decoding}"], rows[f"fw-float32-{decoding}"]
    print(f"- {decoding}: Hark float32 takes {hark[0] / peer[0]:.2f}x faster-whisper float32's wall time, at {hark[1] / peer[1]:.2f}x its peak RSS")
PY
cat Benchmarks/results/whisper.md
