#!/usr/bin/env python3
"""The whisper.cpp peer of the benchmark (through the pywhispercpp wheel), transcribing one file in its own process
like fw_transcribe.py; prints the text on stdout and whisper.cpp's system info on stderr.
Usage: wcpp_transcribe.py MODEL_GGML AUDIO BEAM THREADS [LANG]   (BEAM 1 = greedy; MODEL from ct2_to_ggml.py)"""
import sys
import numpy as np
import soundfile, soxr
from pywhispercpp.model import Model

if len(sys.argv) not in (5, 6):
    sys.exit(__doc__)
model_path, audio_path, beam, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
language = sys.argv[5] if len(sys.argv) > 5 else "en"
audio, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
audio = soxr.resample(audio.mean(axis=1), rate, 16000, quality="HQ").astype(np.float32)
# Strategy 0 is greedy, anything else beam search; other decoding settings stay at whisper.cpp's defaults
# (timestamps on, temperature fallback), as faster-whisper's stay at its own.
model = Model(model_path, params_sampling_strategy=0 if beam == 1 else 1, redirect_whispercpp_logs_to=None,
              n_threads=threads, language=language, print_progress=False, print_realtime=False,
              beam_search={"beam_size": beam, "patience": -1.0})
print(Model.system_info(), file=sys.stderr)
print("".join(s.text for s in model.transcribe(audio)))
