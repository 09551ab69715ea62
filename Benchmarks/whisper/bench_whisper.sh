#!/usr/bin/env bash
# Whisper speed and memory in one run: Hark against faster-whisper (float32, int8) and whisper.cpp on the same
# weights, same files, same thread count, greedy and beam 5; whole processes (model load included), median of N.
# Usage: Benchmarks/whisper/bench_whisper.sh [repeats]   (writes Benchmarks/results/whisper.md)
#   files: the bundled 73-s recording (repeats runs each) and a 10-minute file joined from the bundled English
#   recordings (one run each); then, with one core kept busy, Hark --threads 2 against --threads 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3}
make -s deps models build >/dev/null
python3 -m pip install --quiet faster-whisper pywhispercpp soundfile soxr
MODEL=Models/cache/whisper-base
GGML=Models/cache/ggml-base.bin
THREADS=2
[ -f "$GGML" ] || python3 Benchmarks/whisper/ct2_to_ggml.py "$MODEL" "$GGML" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SHORT=Audio/asterisk-en-demo-instruct.flac
LONG=$work/english-10min.wav
# The English recordings six times over, each followed by half a second of silence: about 10 minutes.
english=(Audio/asterisk-en-demo-instruct.flac Audio/jfk.flac Audio/librivox-0870.wav Audio/librivox-0880.wav Audio/librivox-0890.flac)
pieces=()
for round in 1 2 3 4 5 6; do
    for f in "${english[@]}"; do
        sox "$f" -r 16000 -c 1 -b 16 "$work/piece-$round-$(basename "${f%.*}").wav" pad 0 0.5
        pieces+=("$work/piece-$round-$(basename "${f%.*}").wav")
    done
done
sox "${pieces[@]}" "$LONG"

# run_once NAME COMMAND...: runs COMMAND once, adding its wall time, peak memory and CPU time to NAME's runs.
run_once() {
    local name=$1; shift
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$@" > "$work/out" 2>/dev/null
    cp "$work/out" "$work/text-$name"
    cat "$work/t" >> "$work/runs-$name"
}

# summarize NAME: prints "NAME median_wall_s median_peak_MB median_cpu_s", one line.
summarize() {
    python3 - "$1" "$work/runs-$1" <<'PY'
import statistics, sys
runs = [list(map(float, line.split())) for line in open(sys.argv[2])]
print(sys.argv[1], statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs) / 1024,
      statistics.median(r[2] + r[3] for r in runs))
PY
}

# measure NAME RUNS COMMAND...: RUNS runs of COMMAND, then its summary line.
measure() {
    local name=$1 runs=$2; shift 2
    for _ in $(seq "$runs"); do run_once "$name" "$@"; done
    summarize "$name"
}

engines() {  # engines FILE_TAG FILE RUNS
    local tag=$1 file=$2 runs=$3
    for beam in 1 5; do
        local d; d=$([ $beam = 1 ] && echo greedy || echo beam5)
        measure "$tag hark-float16 $d" "$runs" .build/release/hark transcribe --model base --language en --beam-size $beam --threads $THREADS "$file"
        measure "$tag hark-int8 $d" "$runs" .build/release/hark transcribe --model base --language en --beam-size $beam --threads $THREADS --compute-type int8 "$file"
        measure "$tag hark-float32 $d" "$runs" .build/release/hark transcribe --model base --language en --beam-size $beam --threads $THREADS --compute-type float32 "$file"
        measure "$tag fw-float32 $d" "$runs" python3 Benchmarks/whisper/fw_transcribe.py $MODEL "$file" float32 $beam $THREADS
        measure "$tag fw-int8 $d" "$runs" python3 Benchmarks/whisper/fw_transcribe.py $MODEL "$file" int8 $beam $THREADS
        measure "$tag whisper.cpp $d" "$runs" python3 Benchmarks/whisper/wcpp_transcribe.py $GGML "$file" $beam $THREADS
    done
}

{
engines short "$SHORT" "$repeats"
engines long "$LONG" 1
# One core held by another program: Hark's idle threads sleep, and the busy core's thread takes fewer chunks.
# The two thread counts alternate, so that a change in the host's load falls on both.
yes > /dev/null & spinner=$!
for _ in $(seq "$repeats"); do
    for threads in 1 2; do
        run_once "busy hark-threads$threads greedy" .build/release/hark transcribe --model base --language en --beam-size 1 \
            --threads $threads "$SHORT"
    done
done
kill $spinner
summarize "busy hark-threads1 greedy"
summarize "busy hark-threads2 greedy"
} > "$work/results"

machine=$(Benchmarks/machine.sh)
short_s=$(soxi -D "$SHORT"); long_s=$(soxi -D "$LONG")
python3 - "$work/results" "$repeats" "$machine" "$short_s" "$long_s" <<'PY' > Benchmarks/results/whisper.md
import sys, datetime
rows = {}
for line in open(sys.argv[1]):
    *name, wall, rss, cpu = line.split()
    rows[" ".join(name)] = (float(wall), float(rss), float(cpu))
repeats, machine, short_s, long_s = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
print("# Whisper transcription benchmark\n")
print(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}")
print(f"- machine: {machine}")
print(f"- command: `Benchmarks/whisper/bench_whisper.sh {repeats}`")
print(f"- model Whisper base (the same float16 weights for all: CTranslate2 folder, and Benchmarks/whisper/ct2_to_ggml.py's"
      " conversion for whisper.cpp), language en, 2 threads, timestamps on; whole processes, model load included")
print(f"- short: Audio/asterisk-en-demo-instruct.flac ({short_s:.1f} s), median of {repeats} runs;"
      f" long: the bundled English recordings joined six times ({long_s:.0f} s), one run\n")
print("| file | decoding | engine | wall s | CPU s | peak RSS MB | wall / Hark float16's |")
print("|---|---|---|---|---|---|---|")
for tag in ("short", "long"):
    for decoding in ("greedy", "beam5"):
        hark = rows[f"{tag} hark-float16 {decoding}"][0]
        for engine in ("hark-float16", "hark-int8", "hark-float32", "fw-float32", "fw-int8", "whisper.cpp"):
            wall, rss, cpu = rows[f"{tag} {engine} {decoding}"]
            print(f"| {tag} | {decoding} | {engine} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {wall / hark:.2f} |")
print("\nSpeed-ups of Hark float16 (the peer's wall time over Hark's; goals from issue 14 in brackets):\n")
goals = {("greedy", "fw-float32"): 1.5, ("greedy", "whisper.cpp"): 1.2, ("beam5", "fw-float32"): 1.5, ("beam5", "fw-int8"): 1.0}
for tag in ("short", "long"):
    for decoding in ("greedy", "beam5"):
        hark = rows[f"{tag} hark-float16 {decoding}"]
        parts = []
        for engine in ("fw-float32", "fw-int8", "whisper.cpp"):
            peer = rows[f"{tag} {engine} {decoding}"]
            goal = goals.get((decoding, engine))
            parts.append(f"{peer[0] / hark[0]:.2f}x {engine}" + (f" [>= {goal}]" if goal else ""))
        int8 = rows[f"{tag} hark-int8 {decoding}"][0]
        print(f"- {tag}, {decoding}: " + ", ".join(parts) +
              f"; Hark int8 {rows[f'{tag} fw-int8 {decoding}'][0] / int8:.2f}x fw-int8 [>= 1.2]"
              f"; peak RSS {hark[1]:.0f} MB vs whisper.cpp's {rows[f'{tag} whisper.cpp {decoding}'][1]:.0f} MB")
one, two = rows["busy hark-threads1 greedy"], rows["busy hark-threads2 greedy"]
print(f"\nWith one core kept busy (`yes > /dev/null`), greedy on the short file, the two runs alternating (median of"
      f" {repeats}): --threads 1 {one[0]:.2f} s, --threads 2 {two[0]:.2f} s ({one[0] / two[0]:.2f}x; the goal is >= 1.0).")
PY
cat Benchmarks/results/whisper.md
