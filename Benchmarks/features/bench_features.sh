#!/usr/bin/env bash
# Feature extraction speed: Hark vs openai-whisper (torch CPU), faster-whisper and librosa, one core, one run.
# Usage: Benchmarks/features/bench_features.sh [repeats]   (writes Benchmarks/results/features.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s deps models build >/dev/null
python3 -m pip install --quiet numpy soundfile librosa faster-whisper openai-whisper
work=Benchmarks/.work; mkdir -p "$work"
# Ten minutes of real speech: the bundled 16 kHz LibriVox clips, looped.
if [ ! -s "$work/ten-minutes.wav" ]; then
    sox Audio/librivox-0870.wav Audio/librivox-0880.wav Audio/librivox-0890.flac "$work/loop.wav"
    sox "$work/loop.wav" "$work/ten-minutes.wav" repeat 39 trim 0 600
fi
machine=$(Benchmarks/machine.sh)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
result=$(taskset -c 0 python3 Benchmarks/features/bench_features.py "$work/ten-minutes.wav" .build/release/hark --repeats "${1:-5}")
{
    echo "# Feature extraction benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- machine: $machine (run pinned to core 0)"
    echo "- command: \`Benchmarks/features/bench_features.sh ${1:-5}\`"
    echo
    echo "$result"
} > Benchmarks/results/features.md
cat Benchmarks/results/features.md
