#!/usr/bin/env python3
"""The peer side of the VAD benchmark: faster-whisper's BatchedInferencePipeline (Silero VAD, chunks of at most
30 s, batch_size chunks decoded together; its defaults otherwise: beam 5, no timestamps) on one file, as a separate
process so that wall time and peak memory are measured as Hark's are. Prints the text.
Usage: fw_batched.py MODEL AUDIO COMPUTE BATCH THREADS"""
import sys
import numpy as np
import soundfile
from faster_whisper import BatchedInferencePipeline, WhisperModel

model_dir, audio_path, compute_type, batch, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
audio, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
assert rate == 16000, "the benchmark's recording is 16 kHz"
model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads)
pipeline = BatchedInferencePipeline(model)
segments, _ = pipeline.transcribe(audio.mean(axis=1), language="en", batch_size=batch)
print("".join(s.text for s in segments))
