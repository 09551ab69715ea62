#!/usr/bin/env python3
"""Latency and accuracy of `hark stream` against the batch transcript of the same file.

Usage: analyze.py AUDIO REFERENCE_TEXT BATCH_JSON FAST_JSONL PACED_STAMPED_JSONL PACED_START_FILE
Prints markdown lines: WER of batch, fast stream and paced stream against the reference; the delay from each
word's end (batch timestamps, interpolated by characters within a segment) to the arrival of the final event
that carried it (p50, p95); the delay from speech onset to the first partial.
"""
import difflib, json, re, statistics, sys
import numpy as np, soundfile

audio, reference, batch_json, fast_jsonl, paced_stamped, start_file = sys.argv[1:7]

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

batch = json.load(open(batch_json))
batch_words, batch_ends = [], []
for segment in batch["segments"]:
    pieces = words(segment["text"])
    total = sum(len(p) + 1 for p in pieces)
    seen = 0
    for piece in pieces:
        seen += len(piece) + 1
        batch_words.append(piece)
        batch_ends.append(segment["start"] + (segment["end"] - segment["start"]) * seen / max(1, total))

ref = words(reference)
fast = events(open(fast_jsonl))
start = float(open(start_file).read())
paced, arrivals = [], []
for line in open(paced_stamped):
    stamp, payload = line.split("\t", 1)
    paced.append(json.loads(payload))
    arrivals.append(float(stamp) - start)

def final_words(evts):
    return [w for e in evts if e["type"] == "final" for w in words(e["text"])]

print(f"- WER against the reference transcript: batch {wer(ref, batch_words):.3f}, "
      f"stream piped as fast as possible {wer(ref, final_words(fast)):.3f}, stream paced at real time {wer(ref, final_words(paced)):.3f}")

# Each paced final word, the time its event arrived.
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

delays = delays_after(batch_words, batch_ends)
if delays:
    q = np.percentile(delays, [50, 95])
    print(f"- final-emission delay after each word's end ({len(delays)} of {len(batch_words)} batch words matched): "
          f"p50 {q[0]:.2f} s, p95 {q[1]:.2f} s, max {max(delays):.2f} s")

# The same with the batch transcript's own word timings (`hark transcribe --word-timestamps`), when it has them:
# word ends from the alignment heads instead of interpolation by characters within a segment.
timed_words, timed_ends = [], []
for segment in batch["segments"]:
    for word in segment.get("words", []):
        for piece in words(word["word"]):
            timed_words.append(piece)
            timed_ends.append(word["end"])
timed = delays_after(timed_words, timed_ends) if timed_words else []
if timed:
    q = np.percentile(timed, [50, 95])
    print(f"- the same against the batch transcript's word timings ({len(timed)} of {len(timed_words)} words matched): "
          f"p50 {q[0]:.2f} s, p95 {q[1]:.2f} s, max {max(timed):.2f} s")

samples, rate = soundfile.read(audio, dtype="float32", always_2d=True)
mono = samples.mean(axis=1)
frame = int(0.03 * rate)
energy = [10 * np.log10(np.mean(mono[i:i + frame] ** 2) + 1e-12) for i in range(0, len(mono) - frame, frame)]
onset = next(i for i, e in enumerate(energy) if e > max(energy) - 30) * 0.03
first_partial = next((a for e, a in zip(paced, arrivals) if e["type"] == "partial"), None)
if first_partial is not None:
    print(f"- first partial {first_partial - onset:.2f} s after speech onset (onset at {onset:.2f} s: "
          f"first 30-ms frame within 30 dB of the loudest)")
