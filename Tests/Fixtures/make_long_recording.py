#!/usr/bin/env python3
"""A 10-minute test recording for long-form transcription: the bundled English recordings, each three times, with
stretches of silence, near-silence, room noise and music-like tones between them.

Deterministic (numpy's PCG64 from a fixed seed, sox's resampler, 16-bit FLAC), so the suite makes it on any machine
(`make long-recording`) and it equals the one the committed references were made from; `long.json` lists where each
recording and each gap lies (in samples at 16 kHz), the reference text, and the SHA-256 of the samples.
Usage: make_long_recording.py OUT_FOLDER   (writes OUT_FOLDER/long.flac and OUT_FOLDER/long.json). Needs numpy,
soundfile and sox.
"""
import csv, hashlib, json, os, subprocess, sys
import numpy as np
import soundfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RATE = 16000
TOTAL_SECONDS = 600
RECORDINGS = ["jfk.flac", "librivox-0870.wav", "asterisk-en-demo-instruct.flac", "librivox-0880.wav", "librivox-0890.flac"]
GAP_KINDS = ["silence", "room-noise", "tones", "near-silence"]


def recording(name):
    """The recording as 16-kHz mono float samples, resampled by sox."""
    raw = subprocess.run(["sox", os.path.join(ROOT, "Audio", name), "-t", "raw", "-e", "float", "-b", "32", "-c", "1",
                          "-r", str(RATE), "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def room_noise(rng, n):
    """Brown-ish noise (integrated white noise, leaky) at about -45 dBFS with a slow swell, like a ventilated room."""
    white = rng.standard_normal(n)
    brown = np.zeros(n)
    level = 0.0
    for i in range(n):  # a leaky integrator: most energy below a few hundred Hz
        level = 0.995 * level + white[i]
        brown[i] = level
    brown /= np.sqrt(np.mean(brown ** 2))
    swell = 1 + 0.3 * np.sin(2 * np.pi * np.arange(n) / (RATE * 7.3))
    return 0.0056 * brown * swell + 0.001 * white


def tones(rng, n):
    """Music-like tones: notes of a pentatonic scale with harmonics, a plucked envelope, a sustained chord below."""
    out = np.zeros(n)
    scale = [220.0, 246.94, 277.18, 329.63, 369.99, 440.0, 493.88, 554.37]
    t = 0
    while t < n:
        length = int(RATE * rng.choice([0.25, 0.5, 0.5, 1.0]))
        frequency = rng.choice(scale)
        k = np.arange(min(length, n - t))
        envelope = np.exp(-k / (RATE * 0.18)) * np.minimum(1, k / 80)
        note = sum(np.sin(2 * np.pi * frequency * h * k / RATE) / h for h in (1, 2, 3, 4))
        out[t:t + len(k)] += 0.12 * envelope * note
        t += length
    k = np.arange(n)
    chord = sum(np.sin(2 * np.pi * f * k / RATE) for f in (110.0, 138.59, 164.81))
    return out + 0.03 * chord


def main():
    out_folder = sys.argv[1]
    os.makedirs(out_folder, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(20261130))
    texts = {row["file"]: row["transcript"] for row in csv.DictReader(open(os.path.join(ROOT, "Audio", "transcripts.tsv")), delimiter="\t")}
    pieces = [name for _ in range(3) for name in RECORDINGS]
    audio = {name: recording(name) for name in RECORDINGS}
    speech_samples = sum(len(audio[name]) for name in pieces)
    gap_count = len(pieces) + 1
    weights = rng.uniform(0.6, 1.4, gap_count)
    gap_lengths = np.floor(weights / weights.sum() * (TOTAL_SECONDS * RATE - speech_samples)).astype(int)

    parts, layout_pieces, layout_gaps = [], [], []
    position = 0
    for index in range(gap_count):
        kind = GAP_KINDS[index % len(GAP_KINDS)]
        n = int(gap_lengths[index])
        if kind == "silence":
            gap = np.zeros(n)
        elif kind == "near-silence":
            gap = 0.0003 * rng.standard_normal(n)
        elif kind == "room-noise":
            gap = room_noise(rng, n)
        else:
            gap = tones(rng, n)
        parts.append(gap)
        layout_gaps.append({"kind": kind, "start": position, "end": position + n})
        position += n
        if index < len(pieces):
            name = pieces[index]
            parts.append(audio[name])
            layout_pieces.append({"file": name, "start": position, "end": position + len(audio[name]), "text": texts[name]})
            position += len(audio[name])
    samples = np.clip(np.concatenate(parts), -1, 1)
    pcm = np.round(samples * 32767).astype("<i2")
    soundfile.write(os.path.join(out_folder, "long.flac.tmp"), pcm, RATE, format="FLAC", subtype="PCM_16")
    os.replace(os.path.join(out_folder, "long.flac.tmp"), os.path.join(out_folder, "long.flac"))
    layout = {"sample_rate": RATE, "samples": len(pcm), "sha256": hashlib.sha256(pcm.tobytes()).hexdigest(),
              "text": " ".join(piece["text"] for piece in layout_pieces), "pieces": layout_pieces, "gaps": layout_gaps}
    with open(os.path.join(out_folder, "long.json"), "w") as f:
        json.dump(layout, f, indent=1, ensure_ascii=False)
    print(f"{out_folder}/long.flac: {len(pcm) / RATE:.1f} s, {len(layout_pieces)} recordings, {len(layout_gaps)} gaps")


if __name__ == "__main__":
    main()
