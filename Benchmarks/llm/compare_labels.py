#!/usr/bin/env python3
"""Labels of two hark binaries on the committed SLU items: the 28 topic sentences (`hark classify --json`, calibrated)
and the 10 multiple-choice items (`hark answer --json`, the default scoring), with the largest score change and
each binary's accuracy. A label that moves is reported with both binaries' margins (best minus second best).
Usage: compare_labels.py HARK_BEFORE HARK_AFTER [--threads 2]"""
import argparse, csv, json, os, subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser()
ap.add_argument("before"); ap.add_argument("after"); ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()

def rows(name):
    with open(os.path.join(ROOT, "Tests/Fixtures/slu", name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))

def margin(scores):
    best, second = sorted(scores, reverse=True)[:2]
    return best - second

topics = rows("topic-sentences.tsv")
def classify(hark):
    command = [hark, "classify", "--json", "--threads", str(args.threads)]
    for item in topics:
        command += ["--text", item["text"]]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]

mcq = rows("mcq-items.tsv")
def answer(hark):
    decisions = []
    for item in mcq:
        options = "|".join(item[k] for k in "ABCD")
        out = subprocess.run([hark, "answer", "--json", "--threads", str(args.threads), "--text", item["passage"],
                              "--question", item["question"], "--options", options], check=True, capture_output=True, text=True).stdout
        decisions.append(json.loads(out))
    return decisions

before_topics, after_topics = classify(args.before), classify(args.after)
before_mcq, after_mcq = answer(args.before), answer(args.after)

print(f"- command: `python3 Benchmarks/llm/compare_labels.py {args.before} {args.after} --threads {args.threads}`\n")
print("| items | same label | largest score change | accuracy before | accuracy after |")
print("|---|---|---|---|---|")
same = sum(b["label"] == a["label"] for b, a in zip(before_topics, after_topics))
change = max(abs(b["scores"][k] - a["scores"][k]) for b, a in zip(before_topics, after_topics) for k in b["scores"])
right = lambda ds: sum(d["label"] == item["label"] for d, item in zip(ds, topics))
print(f"| topics (calibrated) | {same}/{len(topics)} | {change:.3f} | {right(before_topics)}/{len(topics)} | {right(after_topics)}/{len(topics)} |")
same = sum(b["answer"] == a["answer"] for b, a in zip(before_mcq, after_mcq))
change = max(abs(x - y) for b, a in zip(before_mcq, after_mcq) for x, y in zip(b["scores"], a["scores"]))
right = lambda ds: sum(d["answer"] == int(item["answer"]) for d, item in zip(ds, mcq))
print(f"| MCQ | {same}/{len(mcq)} | {change:.3f} | {right(before_mcq)}/{len(mcq)} | {right(after_mcq)}/{len(mcq)} |")
for item, b, a in zip(topics, before_topics, after_topics):
    if b["label"] != a["label"]:
        print(f"\n- topic label moved ({item['lang']}, gold {item['label']}): {b['label']} (margin "
              f"{margin(b['scores'].values()):.3f}) -> {a['label']} (margin {margin(a['scores'].values()):.3f})")
for item, b, a in zip(mcq, before_mcq, after_mcq):
    if b["answer"] != a["answer"]:
        print(f"\n- MCQ answer moved (gold {item['answer']}): {b['answer']} (margin {margin(b['scores']):.3f}) -> "
              f"{a['answer']} (margin {margin(a['scores']):.3f})")
