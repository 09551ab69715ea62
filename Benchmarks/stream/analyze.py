#!/usr/bin/env python3
"""Latency and accuracy of `hark stream` against the batch transcript of the same file.

Usage: analyze.py AUDIO REFERENCE_TEXT BATCH_JSON FAST_JSONL PACED_STAMPED_JSONL PACED_START_FILE [PACED START ...]
Prints markdown: WER of batch and of the fast stream against the reference, then a row per paced run and their
median: the paced WER, the delay from each word's end to the arrival of the final event that carried it (p50,
p95, max; word ends interpolated by characters within the batch segment, and from the batch transcript's own word
timings when it has them), and the delay from speech onset to the first partial. Where the steps fall moves
with the wall clock, so one paced run says little about the WER.
"""
import difflib, json, re, sys
import numpy as np, soundfile

audio, reference, batch_json, fast_jsonl = sys.argv[1:5]
paced_runs = list(zip(sys.argv[5::2], sys.argv[6::2]))

def words(text):
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()

def wer(ref, hyp):
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref):
        current = [i + 1] + [0] * len(hyp)
        for j, h in enumerate(hyp):
            current[j + 1] = min(previous[j] + (r != h), previous[j + 1] + 1, current[j] + 1)
        previous = current
    return previous[-1] / max(1, len(ref))

def events(lines):
    return [json.loads(line) for line in lines if line.strip()]

def final_words(evts):
    return [w for e in evts if e["type"] == "final" for w in words(e["text"])]

batch = json.load(open(batch_json))
# Word ends interpolated by characters within each segment, and the batch transcript's own word timings
# (`hark transcribe --word-timestamps`) when it has them.
batch_words, batch_ends = [], []
timed_words, timed_ends = [], []
for segment in batch["segments"]:
    pieces = words(segment["text"])
    total = sum(len(p) + 1 for p in pieces)
    seen = 0
    for piece in pieces:
        seen += len(piece) + 1
        batch_words.append(piece)
        batch_ends.append(segment["start"] + (segment["end"] - segment["start"]) * seen / max(1, total))
    for word in segment.get("words", []):
        for piece in words(word["word"]):
            timed_words.append(piece)
            timed_ends.append(word["end"])

ref = words(reference)
print(f"- WER against the reference transcript: batch {wer(ref, batch_words):.3f}, "
      f"stream piped as fast as possible {wer(ref, final_words(events(open(fast_jsonl)))):.3f}")

samples, rate = soundfile.read(audio, dtype="float32", always_2d=True)
mono = samples.mean(axis=1)
frame = int(0.03 * rate)
energy = [10 * np.log10(np.mean(mono[i:i + frame] ** 2) + 1e-12) for i in range(0, len(mono) - frame, frame)]
onset = next(i for i, e in enumerate(energy) if e > max(energy) - 30) * 0.03

def paced_figures(paced_stamped, start_file):
    """WER, delays (interpolated: p50, p95, max; word timings: p50, p95), first partial and matched words."""
    start = float(open(start_file).read())
    paced, arrivals = [], []
    for line in open(paced_stamped):
        stamp, payload = line.split("\t", 1)
        paced.append(json.loads(payload))
        arrivals.append(float(stamp) - start)
    stream_words, stream_arrivals = [], []
    for event, arrival in zip(paced, arrivals):
        if event["type"] == "final":
            for w in words(event["text"]):
                stream_words.append(w)
                stream_arrivals.append(arrival)

    def delays_after(reference_words, reference_ends):
        matcher = difflib.SequenceMatcher(a=reference_words, b=stream_words, autojunk=False)
        return [stream_arrivals[block.b + k] - reference_ends[block.a + k]
                for block in matcher.get_matching_blocks() for k in range(block.size)]

    delays = delays_after(batch_words, batch_ends) or [float("nan")]
    timed = delays_after(timed_words, timed_ends) if timed_words else [float("nan")]
    first_partial = next((a for e, a in zip(paced, arrivals) if e["type"] == "partial"), float("nan"))
    p50, p95 = np.percentile(delays, [50, 95])
    t50, t95 = np.percentile(timed, [50, 95])
    return [wer(ref, final_words(paced)), p50, p95, max(delays), t50, t95, first_partial - onset], len(delays)

print(f"- paced at real time, {len(paced_runs)} run(s); delays in seconds from each word's end to the final event "
      f"that carried it (batch word ends interpolated within segments; the batch transcript's word timings); "
      f"first partial after speech onset (at {onset:.2f} s: the first 30-ms frame within 30 dB of the loudest)")
print()
print("| paced run | WER | delay p50 | p95 | max | p50 (word timings) | p95 (word timings) | first partial | words matched |")
print("|---|---|---|---|---|---|---|---|---|")
rows = []
for number, (paced_stamped, start_file) in enumerate(paced_runs, 1):
    figures, matched = paced_figures(paced_stamped, start_file)
    rows.append(figures)
    print(f"| {number} | {figures[0]:.3f} | " + " | ".join(f"{x:.2f}" for x in figures[1:]) + f" | {matched} of {len(batch_words)} |")
if len(rows) > 1:
    median = np.median(np.array(rows), axis=0)
    print(f"| **median** | **{median[0]:.3f}** | **{median[1]:.2f}** | **{median[2]:.2f}** | "
          + " | ".join(f"{x:.2f}" for x in median[3:]) + " | |")
