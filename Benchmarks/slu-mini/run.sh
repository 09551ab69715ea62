#!/usr/bin/env bash
# The shipped mini suite end to end: espeak-ng speaks the topic and MCQ items (audio is made here, not committed),
# then `hark bench` runs Whisper base + the embedded Gemma 3 270M with 1-best vs 5-best prompts and calibrated vs
# raw scores, and the report is copied to Benchmarks/results/slu-mini/. Usage: Benchmarks/slu-mini/run.sh [HARK]
set -euo pipefail
cd "$(dirname "$0")"
hark=${1:-../../.build/release/hark}
mkdir -p audio
# One espeak-ng voice per manifest language; synthesize only what is missing.
python3 - <<'PY'
import json, os, subprocess
voices = {"en": "en", "es": "es", "fr": "fr", "ru": "ru", "hi": "hi"}
for line in open("manifest.jsonl", encoding="utf-8"):
    item = json.loads(line)
    if item["audio"].startswith("audio/") and not os.path.exists(item["audio"]):
        subprocess.run(["espeak-ng", "-v", voices[item["lang"]], "-w", item["audio"] + ".tmp", item["text"]], check=True)
        os.replace(item["audio"] + ".tmp", item["audio"])
PY
load_before=$(cut -d' ' -f1 /proc/loadavg)
command="hark bench Benchmarks/slu-mini/manifest.jsonl --out Benchmarks/slu-mini/out --n-best 1,5 --n-best-mode list,marginal,merged --calibration on,off,norm"
start=$(date +%s)
"$hark" bench manifest.jsonl --out out --n-best 1,5 --n-best-mode list,marginal,merged --calibration on,off,norm
seconds=$(( $(date +%s) - start ))
results=../results/slu-mini
mkdir -p "$results"
{
    echo "# SLU mini suite"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- machine: $(../machine.sh)"
    echo "- command: \`make bench\` (= \`Benchmarks/slu-mini/run.sh\`: espeak-ng audio, then \`$command\`)"
    echo "- wall time of the run: ${seconds} s (a rerun reuses every finished result; delete Benchmarks/slu-mini/out to recompute);"
    echo "  load average before/after: ${load_before}/$(cut -d' ' -f1 /proc/loadavg) (other jobs share these cores)"
    echo "- items: topic 7 SIB-Fleurs labels x 5 languages (espeak-ng), 10 MCQ passages (espeak-ng), 9 real recordings for ASR"
    echo "- models: Whisper base (language from the manifest, beam 5), Gemma 3 270M Q4_K_M (embedded)"
    echo
    tail -n +2 out/report.md
} > "$results/report.md.tmp"
mv "$results/report.md.tmp" "$results/report.md"
cp out/report.json "$results/report.json"
cp out/chart.svg "$results/chart.svg"
echo "report: Benchmarks/results/slu-mini/report.md"
