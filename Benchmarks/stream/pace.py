#!/usr/bin/env python3
"""Writes an audio file's samples to stdout as 16 kHz mono s16le, at real time (as a microphone would) or as fast
as the reader takes them.

Usage: pace.py AUDIO [--fast] [--loop-minutes M --gap-s G] [--start-file PATH]
  --fast            no pacing (a file piped in)
  --loop-minutes M  repeat the file, with G seconds of silence between copies, until M minutes were written
  --start-file P    write the wall-clock time (seconds since the epoch) of the first sample to P
"""
import argparse, sys, time
import numpy as np, soundfile, soxr

parser = argparse.ArgumentParser()
parser.add_argument("audio")
parser.add_argument("--fast", action="store_true")
parser.add_argument("--loop-minutes", type=float, default=0)
parser.add_argument("--gap-s", type=float, default=2)
parser.add_argument("--start-file")
args = parser.parse_args()

samples, rate = soundfile.read(args.audio, dtype="float32", always_2d=True)
mono = soxr.resample(samples.mean(axis=1), rate, 16_000)
pcm = (np.clip(mono, -1, 1) * 32767).round().astype("<i2").tobytes()
if args.loop_minutes:
    copy = pcm + bytes(int(args.gap_s * 16_000) * 2)
    total = int(args.loop_minutes * 60 * 16_000) * 2
    pcm = (copy * (total // len(copy) + 1))[:total]

chunk = 16_000 * 2 // 50  # 20 ms, the period of a typical capture device
out = sys.stdout.buffer
start = time.time()
if args.start_file:
    with open(args.start_file, "w") as f:
        f.write(f"{start}\n")
try:
    for offset in range(0, len(pcm), chunk):
        if not args.fast:
            # Sleep until this chunk has been "recorded".
            delay = start + offset / (2 * 16_000) + 0.02 - time.time()
            if delay > 0:
                time.sleep(delay)
        out.write(pcm[offset:offset + chunk])
        out.flush()
except BrokenPipeError:
    pass
