#!/usr/bin/env python3
"""WER of Hark on continuous Whisper log-mel versus the same audio through dMel tokens (`hark tokenize --recipe
whisper`), against the publishers' transcripts in Audio/transcripts.tsv. Usage: tokens_wer.py HARK [MODEL]"""
import csv, os, re, subprocess, sys, tempfile, unicodedata

hark, model = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "base")


def normalize(text):
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s']|_", " ", text)
    return text.split()


def edits(ref, hyp):
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def transcribe(path, language):
    out = subprocess.run([hark, "transcribe", "--model", model, "--language", language, "--no-timestamps", path],
                         check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


import datetime, platform
print("# WER on continuous features versus dMel tokens\n")
print(f"- date: {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}")
print(f"- command: `python3 Benchmarks/whisper/tokens_wer.py {hark} {model}`")
print(f"- model Whisper {model}, beam 5, language from Audio/transcripts.tsv, tokens from `hark tokenize --recipe whisper`")
print("- normalization: NFKC, lower case, punctuation removed (accents kept, so the unaccented Spanish reference costs words)\n")
work = tempfile.mkdtemp()
totals = {"features": [0, 0], "tokens": [0, 0]}
print("| file | language | WER features | WER tokens |\n|---|---|---|---|")
with open("Audio/transcripts.tsv") as f:
    for row in csv.DictReader(f, delimiter="\t"):
        audio = os.path.join("Audio", row["file"])
        tokens = os.path.join(work, "t.dmel")
        subprocess.run([hark, "tokenize", "--recipe", "whisper", audio, "-o", tokens], check=True, capture_output=True)
        ref = normalize(row["transcript"])
        rates = []
        for kind, path in (("features", audio), ("tokens", tokens)):
            e = edits(ref, normalize(transcribe(path, row["language"])))
            totals[kind][0] += e
            totals[kind][1] += len(ref)
            rates.append(e / len(ref))
        print(f"| {row['file']} | {row['language']} | {rates[0]:.1%} | {rates[1]:.1%} |")
print(f"| all (word-weighted) | | {totals['features'][0] / totals['features'][1]:.1%} | {totals['tokens'][0] / totals['tokens'][1]:.1%} |")
