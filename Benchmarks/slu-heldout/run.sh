#!/usr/bin/env bash
# The held-out set end to end: espeak-ng speaks every item (audio is made here, not committed), then `hark bench`
# runs Whisper base + the embedded Gemma 3 270M. `dev` compares templates, score kinds and n-best modes and sweeps
# the posterior temperature; what is chosen from it goes into chosen.env by hand. `test` runs only the chosen
# settings, against the 1-best, the n-best oracle and the reference text. Reports go to Benchmarks/results/slu-heldout/.
# Usage: Benchmarks/slu-heldout/run.sh dev|test [HARK]
set -euo pipefail
cd "$(dirname "$0")"
split=${1:?usage: run.sh dev|test [HARK]}
hark=${2:-../../.build/release/hark}
mkdir -p audio
python3 - <<'PY'
import json, os, subprocess
for line in open("manifest.jsonl", encoding="utf-8"):
    item = json.loads(line)
    if not os.path.exists(item["audio"]):
        subprocess.run(["espeak-ng", "-v", item["lang"], "-w", item["audio"] + ".tmp", item["text"]], check=True)
        os.replace(item["audio"] + ".tmp", item["audio"])
PY
case "$split" in
dev)
    args=(--split dev --out out-dev --n-best 1,5 --n-best-mode list,marginal,merged --calibration on,off,norm
          --prompt-template templates/topic-question.txt --prompt-template templates/topic-section.txt
          --prompt-template templates/mcq-lmeval.txt --prompt-template templates/mcq-listed-options.txt) ;;
test)
    source chosen.env
    args=(--split test --out out-test --n-best 1,5 --n-best-mode "$MODE" --calibration "$CALIBRATION"
          --posterior-temperature "$TEMPERATURE")
    for template in $TEMPLATES; do args+=(--prompt-template "$template"); done ;;
*) echo "usage: run.sh dev|test [HARK]" >&2; exit 2 ;;
esac
load_before=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s)
"$hark" bench manifest.jsonl "${args[@]}" --threads 2
seconds=$(( $(date +%s) - start ))
results=../results/slu-heldout
mkdir -p "$results"
{
    echo "# SLU held-out set: $split split"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- machine: $(../machine.sh)"
    echo "- command: \`Benchmarks/slu-heldout/run.sh $split\` (= \`hark bench Benchmarks/slu-heldout/manifest.jsonl ${args[*]} --threads 2\`)"
    echo "- wall time: ${seconds} s (a rerun reuses finished results; delete Benchmarks/slu-heldout/out-$split to recompute);"
    echo "  load average before/after: ${load_before}/$(cut -d' ' -f1 /proc/loadavg)"
    echo "- models: Whisper base (language from the manifest, beam 5, 5-best), Gemma 3 270M Q4_K_M (embedded)"
    echo "- columns: n1 = best transcript; n5 = 5-best listed in one prompt; n5-marginal = each hypothesis alone, decisions"
    echo "  weighted by the posterior; n5-merged = the best with the others' variants inline (\"vote/goal\"); n5-oracle = the"
    echo "  hypothesis with the fewest word errors; reference = the written text."
    echo "  cal = calibrated, raw = log-likelihood (lm-eval acc), norm = per byte (acc_norm); @name = a template in templates/"
    if [ "$split" = test ]; then echo "- settings (chosen on dev, chosen.env): $(grep -v '^#' chosen.env | xargs)"; fi
    echo
    tail -n +2 "out-$split/report.md"
    if [ "$split" = dev ]; then
        echo
        echo "## Posterior temperature (\`hark bench tune out-dev\`)"
        echo
        echo '```'
        "$hark" bench tune "out-$split"
        echo '```'
    fi
} > "$results/$split.md.tmp"
mv "$results/$split.md.tmp" "$results/$split.md"
cp "out-$split/report.json" "$results/$split.json"
echo "report: Benchmarks/results/slu-heldout/$split.md"
