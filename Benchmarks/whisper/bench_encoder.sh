#!/usr/bin/env bash
# Whisper base's encoder against this machine's arithmetic floor, in one run (issue 14's encoder goal).
# Usage: Benchmarks/whisper/bench_encoder.sh [runs]   (writes Benchmarks/results/encoder.md)
#   The floor: Benchmarks/whisper/arithmetic_floor.c on all threads at once, before and after the encoder runs
#   (register-only multiply-adds, and the panel kernel's loop shape on L1-resident data). The encoder: the median
#   30-s window of `hark transcribe --timings` (greedy, the 73-s recording: three windows a run), median over runs;
#   float16 (the default) and int8. The peers in the same runs, taking turns with Hark: CTranslate2 float32 and
#   int8 and whisper.cpp on the recording's first 30 s (Benchmarks/whisper/peer_encoder.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
threads=2
audio=Audio/asterisk-en-demo-instruct.flac
make -s deps models build >/dev/null
python3 -m pip install --quiet faster-whisper pywhispercpp soundfile soxr
GGML=Models/cache/ggml-base.bin
[ -f "$GGML" ] || python3 Benchmarks/whisper/ct2_to_ggml.py Models/cache/whisper-base "$GGML" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O3 -march=native -pthread Benchmarks/whisper/arithmetic_floor.c -o "$work/floor"
"$work/floor" $threads 300 > "$work/floor-before"
for run in $(seq "$runs"); do
    for type in float16 int8; do
        .build/release/hark transcribe --timings --compute-type $type --beam-size 1 --no-fallback --language en \
            --threads $threads "$audio" 2> "$work/timings-$type-$run" > /dev/null
    done
    python3 Benchmarks/whisper/peer_encoder.py Models/cache/whisper-base "$GGML" "$audio" $threads 1 2>/dev/null >> "$work/peers"
done
"$work/floor" $threads 300 > "$work/floor-after"
machine=$(Benchmarks/machine.sh)
python3 - "$work" "$runs" "$threads" "$machine" "$audio" <<'PY' > Benchmarks/results/encoder.md
import re, statistics, sys, datetime
work, runs, threads, machine, audio = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def floor(name):
    lines = open(f"{work}/floor-{name}").read()
    return {loop: (float(median), float(best)) for loop, median, best in
            re.findall(r"(\w+) median ([\d.]+) best ([\d.]+)", lines)}

# Whisper base: 80 mel bins, width 512, 6 layers, 8 heads, 3000 frames in, 1500 positions out; 2 flops a multiply-add.
width, layers, positions, mels = 512, 6, 1500, 80
flops = (2 * 3000 * mels * 3 * width                   # conv1 (kernel 3)
         + 2 * positions * width * 3 * width            # conv2 (kernel 3, stride 2)
         + layers * (2 * positions * width * 3 * width  # queries, keys, values
                     + 2 * 2 * positions * positions * width  # scores and weighted values, all heads
                     + 2 * positions * width * width    # attention output
                     + 2 * 2 * positions * width * 4 * width))  # feed-forward up and down
def hark_windows(compute_type):
    windows = []
    for run in range(1, runs + 1):
        text = open(f"{work}/timings-{compute_type}-{run}").read()
        m = re.search(r"encoder ([\d.]+) s \((\d+)x, median ([\d.]+) s\)", text)
        windows.append(float(m.group(3)))
    return windows
windows = hark_windows("float16")
window = statistics.median(windows)
engines = {"Hark float16 (default)": windows, "Hark int8": hark_windows("int8")}
for name, seconds in re.findall(r"(\S+) median [\d.]+ runs ([\d.]+)", open(f"{work}/peers").read()):
    label = {"ctranslate2-float32": "CTranslate2 float32 (faster-whisper)", "ctranslate2-int8": "CTranslate2 int8",
             "whisper.cpp": "whisper.cpp (pywhispercpp)"}[name]
    engines.setdefault(label, []).append(float(seconds))
before, after = floor("before"), floor("after")
peak = max(before["registers"][1], after["registers"][1])
print("# Whisper encoder against the arithmetic floor\n")
print(f"- date: {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}")
print(f"- machine: {machine}")
print(f"- command: `Benchmarks/whisper/bench_encoder.sh {runs}`")
print(f"- encoder: Whisper base float16 (the default), {threads} threads, one 30-s window = {flops / 1e9:.1f} GFLOP "
      "(convolutions, projections, attention scores and weighted values, feed-forward; 2 flops a multiply-add)")
print(f"- window time: median window of each run of `hark transcribe --timings --beam-size 1 --no-fallback --language en "
      f"--threads {threads} {audio}` (three windows a run), median of {runs} runs")
print(f"- floor: `Benchmarks/whisper/arithmetic_floor.c` on {threads} threads at once, 300 repeats, before and after the runs\n")
print("| measure | before | after |")
print("|---|---|---|")
for loop, label in (("registers", "register-only multiply-adds, GFLOP/s (median / best)"),
                    ("broadcast", "panel-kernel loop on L1 data, GFLOP/s (median / best)")):
    print(f"| {label} | {before[loop][0]:.1f} / {before[loop][1]:.1f} | {after[loop][0]:.1f} / {after[loop][1]:.1f} |")
print(f"\nWindow medians of the runs: {', '.join(f'{w:.3f}' for w in windows)} s; median **{window:.3f} s** "
      f"= {flops / window / 1e9:.0f} GFLOP/s.\n")
print(f"- floor (best register-only rate, {peak:.0f} GFLOP/s): {flops / peak / 1e9:.3f} s a window; "
      f"the encoder takes **{window / (flops / peak / 1e9):.2f}x** it (goal: within 1.5x)")
loaded = statistics.median([before["broadcast"][0], after["broadcast"][0]])
print("\nThe peers on the same window, taking turns with Hark in each run (CTranslate2 timed around `encode`, "
      "whisper.cpp by its own encoder timings):\n")
print("| engine | window, median (runs) | x floor | Hark float16 faster by |")
print("|---|---|---|---|")
for name, seconds in engines.items():
    m = statistics.median(seconds)
    print(f"| {name} | {m:.3f} s ({', '.join(f'{s:.3f}' for s in seconds)}) | {m / (flops / peak / 1e9):.2f}x | "
          f"{m / window:.2f}x |")
print(f"\n- the kernel's own loop shape at its median rate here ({loaded:.0f} GFLOP/s, operands from L1): "
      f"{flops / loaded / 1e9:.3f} s a window; the encoder takes {window / (flops / loaded / 1e9):.2f}x it")
PY
cat Benchmarks/results/encoder.md
