#!/usr/bin/env python3
"""The peer side of the benchmark: faster-whisper transcribing one file, as a separate process so that its
wall time and peak memory are measured the same way as Hark's. Usage: fw_transcribe.py MODEL AUDIO COMPUTE BEAM THREADS"""
import sys
import numpy as np
import soundfile, soxr
from faster_whisper import WhisperModel

model_dir, audio_path, compute_type, beam, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
audio, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
audio = soxr.resample(audio.mean(axis=1), rate, 16000, quality="HQ").astype(np.float32)
model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads)
segments, _ = model.transcribe(audio, language="en", beam_size=beam, vad_filter=False)
print("".join(s.text for s in segments))
