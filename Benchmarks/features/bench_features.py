#!/usr/bin/env python3
"""Times Whisper log-mel and dMel extraction: Hark against openai-whisper (torch CPU), faster-whisper's numpy
FeatureExtractor and librosa, on the same 10-minute 16 kHz recording, in one run, on one core.

Hark is timed end to end through its CLI (decode the WAV, extract, write .npy); the peers are timed on audio
already in memory, which favours them. Each measurement is the median of --repeats runs.
Usage: bench_features.py WAV HARK_BINARY [--repeats N]
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
import numpy as np
import soundfile as sf


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wav")
    ap.add_argument("hark")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    audio, sr = sf.read(args.wav, dtype="float32")
    assert sr == 16000 and audio.ndim == 1
    duration = len(audio) / sr
    out = os.path.join(tempfile.mkdtemp(), "f.npy")
    rows = []

    def hark(kind):
        subprocess.run([args.hark, "features", args.wav, "--kind", kind, "-o", out], check=True, capture_output=True)

    rows.append(("log-mel", "hark (CLI, decode + extract + write)", median_seconds(lambda: hark("whisper-mel"), args.repeats)))
    rows.append(("dmel", "hark (CLI, decode + extract + write)", median_seconds(lambda: hark("dmel"), args.repeats)))

    try:
        import torch, whisper
        torch.set_num_threads(1)
        tensor = torch.from_numpy(audio)
        rows.append(("log-mel", "openai-whisper log_mel_spectrogram (torch CPU)",
                     median_seconds(lambda: whisper.log_mel_spectrogram(tensor), args.repeats)))
    except ImportError as error:
        print(f"openai-whisper/torch not installed ({error}); skipped", file=sys.stderr)

    from faster_whisper.feature_extractor import FeatureExtractor
    extractor = FeatureExtractor()
    rows.append(("log-mel", "faster-whisper FeatureExtractor (numpy)", median_seconds(lambda: extractor(audio, padding=0), args.repeats)))

    import librosa

    def librosa_whisper_mel():
        power = np.abs(librosa.stft(audio, n_fft=400, hop_length=160, window="hann", center=True, pad_mode="reflect")) ** 2
        mel = librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) @ power[:, :-1]
        log_spec = np.log10(np.maximum(mel, 1e-10))
        return (np.maximum(log_spec, log_spec.max() - 8) + 4) / 4

    def librosa_dmel():
        magnitude = np.sqrt(np.maximum(np.abs(librosa.stft(audio, n_fft=1024, hop_length=200, win_length=800, window="hann",
                                                           center=True, pad_mode="reflect")) ** 2, 1e-10))
        mel = librosa.filters.mel(sr=16000, n_fft=1024, n_mels=80, fmin=80, fmax=7600) @ magnitude
        return np.log10(np.maximum(mel, 1e-10))

    rows.append(("log-mel", "librosa (stft + mel)", median_seconds(librosa_whisper_mel, args.repeats)))
    rows.append(("dmel", "librosa (stft + mel)", median_seconds(librosa_dmel, args.repeats)))

    print(f"audio: {args.wav}, {duration:.0f} s; median of {args.repeats} runs; one core (taskset), OMP/BLAS threads 1\n")
    print("| features | implementation | seconds | x real time | Hark speed-up |")
    print("|---|---|---|---|---|")
    hark_time = {kind: t for kind, name, t in rows if name.startswith("hark")}
    for kind, name, seconds in rows:
        print(f"| {kind} | {name} | {seconds:.3f} | {duration / seconds:.0f} | {seconds / hark_time[kind]:.1f}x |")


if __name__ == "__main__":
    main()
