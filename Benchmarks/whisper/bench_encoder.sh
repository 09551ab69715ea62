#!/usr/bin/env bash
# Whisper base's encoder against this machine's arithmetic floor, in one run (issue 14's encoder goal).
# Usage: Benchmarks/whisper/bench_encoder.sh [runs]   (writes Benchmarks/results/encoder.md)
#   The floor: Benchmarks/whisper/arithmetic_floor.c on all threads at once, before and after the encoder runs
#   (register-only multiply-adds, and the panel kernel's loop shape on L1-resident data). The encoder: the median
#   30-s window of `hark transcribe --timings` (greedy, the 73-s recording: three windows a run), median over runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
threads=2
audio=Audio/asterisk-en-demo-instruct.flac
make -s deps models build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O3 -march=native -pthread Benchmarks/whisper/arithmetic_floor.c -o "$work/floor"
"$work/floor" $threads 300 > "$work/floor-before"
for run in $(seq "$runs"); do
    .build/release/hark transcribe --timings --beam-size 1 --no-fallback --language en --threads $threads "$audio" \
        2> "$work/timings-$run" > /dev/null
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
windows = []
for run in range(1, runs + 1):
    text = open(f"{work}/timings-{run}").read()
    m = re.search(r"encoder ([\d.]+) s \((\d+)x, median ([\d.]+) s\)", text)
    windows.append(float(m.group(3)))
window = statistics.median(windows)
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
print(f"- the kernel's own loop shape at its median rate here ({loaded:.0f} GFLOP/s, operands from L1): "
      f"{flops / loaded / 1e9:.3f} s a window; the encoder takes {window / (flops / loaded / 1e9):.2f}x it")
PY
cat Benchmarks/results/encoder.md
