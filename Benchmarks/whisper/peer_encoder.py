#!/usr/bin/env python3
"""The peers' encoder on one 30-s window of the same recording, for bench_encoder.sh: CTranslate2 (faster-whisper's
engine) in float32 and int8, timed around `encode` alone, and whisper.cpp (pywhispercpp), whose own timings count
its encoder passes. Prints `NAME median SECONDS runs S1 S2 ...` per engine.
Usage: peer_encoder.py CT2_MODEL_DIR GGML_MODEL AUDIO THREADS REPEATS"""
import os, re, statistics, sys, tempfile, time
import numpy as np
import soundfile, soxr

if len(sys.argv) != 6:
    sys.exit(__doc__)
model_dir, ggml, audio_path, threads, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
audio, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
audio = soxr.resample(audio.mean(axis=1), rate, 16000, quality="HQ").astype(np.float32)[: 30 * 16000]


def report(name, seconds):
    print(f"{name} median {statistics.median(seconds):.3f} runs {' '.join(f'{s:.3f}' for s in seconds)}", flush=True)


import ctranslate2
from faster_whisper.feature_extractor import FeatureExtractor
features = FeatureExtractor()(audio)[None, :, :3000].astype(np.float32)
for compute_type in ("float32", "int8"):
    model = ctranslate2.models.Whisper(model_dir, device="cpu", compute_type=compute_type, inter_threads=1,
                                       intra_threads=threads)
    window = ctranslate2.StorageView.from_array(np.ascontiguousarray(features))
    model.encode(window, to_cpu=True)  # first call: allocations and packing
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.encode(window, to_cpu=True)
        seconds.append(time.perf_counter() - start)
    report(f"ctranslate2-{compute_type}", seconds)

# whisper.cpp prints its timings from C on stderr: send that to a file and read the encoder's per-pass time.
from pywhispercpp.model import Model
model = Model(ggml, n_threads=threads, language="en", redirect_whispercpp_logs_to=None, print_progress=False,
              print_realtime=False)
seconds = []
with tempfile.TemporaryFile(mode="w+") as log:
    saved = os.dup(2)
    for _ in range(repeats + 1):
        os.dup2(log.fileno(), 2)
        try:
            model.transcribe(audio)
            model.print_timings()
        finally:
            os.dup2(saved, 2)
    log.seek(0)
    text = log.read()
# Cumulative since the model was made: each print covers the passes so far; the first transcription is a warm-up.
totals = [(float(ms), int(n)) for ms, n in re.findall(r"encode time =\s*([\d.]+) ms /\s*(\d+) runs", text)]
previous = None
for total, count in totals:
    if previous is not None and count > previous[1]:
        seconds.append((total - previous[0]) / (count - previous[1]) / 1000)
    previous = (total, count)
report("whisper.cpp", seconds)
