#!/usr/bin/env python3
"""End-to-end topic classification of spoken sentences: espeak-ng speaks the committed test sentences, Hark
transcribes them (Whisper base, language given) and classifies with the embedded Gemma 3 270M, with the 1-best
transcript and with the 5-best list in the prompt, side by side. Usage: spoken_topics.py HARK"""
import collections, csv, datetime, json, os, subprocess, sys, tempfile

hark = sys.argv[1]
voices = {"en": "en", "es": "es", "ru": "ru", "hi": "hi"}
work = tempfile.mkdtemp()
items = list(csv.DictReader(open("Tests/Fixtures/slu/topic-sentences.tsv"), delimiter="\t"))
for i, item in enumerate(items):
    item["wav"] = os.path.join(work, f"{i:02d}-{item['lang']}.wav")
    subprocess.run(["espeak-ng", "-v", voices[item["lang"]], "-w", item["wav"], item["text"]], check=True)

results = collections.defaultdict(dict)
for n_best in (1, 5):
    for lang in voices:
        group = [it for it in items if it["lang"] == lang]
        out = subprocess.run([hark, "classify", "--json", "--language", lang, "--n-best", str(n_best)] + [it["wav"] for it in group],
                             check=True, capture_output=True, text=True).stdout
        for it, line in zip(group, out.splitlines()):
            decision = json.loads(line)
            results[n_best][it["wav"]] = (decision["label"] == it["label"], decision["transcripts"][0]["text"])

print("# Spoken topic classification: 1-best vs 5-best transcripts in the prompt\n")
print(f"- date: {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}")
print(f"- command: `python3 Benchmarks/slu/spoken_topics.py {hark}`")
print("- speech: espeak-ng voices reading Tests/Fixtures/slu/topic-sentences.tsv (7 SIB-Fleurs topics x 4 languages);")
print("  Whisper base with the language given, beam 5; embedded Gemma 3 270M, calibrated label scores\n")
print("| language | items | accuracy 1-best | accuracy 5-best |\n|---|---|---|---|")
for lang in list(voices) + ["all"]:
    group = [it for it in items if lang == "all" or it["lang"] == lang]
    acc = {n: sum(results[n][it["wav"]][0] for it in group) for n in (1, 5)}
    print(f"| {lang} | {len(group)} | {acc[1]}/{len(group)} ({acc[1] / len(group):.0%}) | {acc[5]}/{len(group)} ({acc[5] / len(group):.0%}) |")
print("\nFirst transcripts (1-best run):\n")
for it in items:
    print(f"- {it['lang']} {it['label']}: {results[1][it['wav']][1].strip()}")
