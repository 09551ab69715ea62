#!/usr/bin/env python3
"""faster-whisper without VAD, with word timestamps, on one file: its words as JSON lines (word, start, end), for
counting what it writes in the gaps of the long test recording. Usage: fw_words.py MODEL AUDIO THREADS"""
import json, sys
import soundfile
from faster_whisper import WhisperModel

model_dir, audio_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
audio, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads)
segments, _ = model.transcribe(audio.mean(axis=1), language="en", word_timestamps=True, vad_filter=False)
for segment in segments:
    for word in segment.words:
        print(json.dumps({"word": word.word, "start": word.start, "end": word.end}))
