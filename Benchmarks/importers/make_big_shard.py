#!/usr/bin/env python3
"""Writes a synthetic SIB-Fleurs-shaped parquet shard of about --mb MB, to measure parquet_to_manifest.py's memory.

Usage: make_big_shard.py ROOT/data/<lang>/test-00000-of-00001.parquet [--mb 500] [--seed 0]
Every column of SIB-Fleurs' test shards, each row a sentence with 2-4 recordings (audio[] as {bytes, path} holding
16 kHz 16-bit WAV of 3-8 s of a sine under noise, which compresses as little as speech does), written in row groups
of 64 rows as Hugging Face datasets does. Needs pyarrow, soundfile and numpy.
"""
import argparse, io, os
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import soundfile as sf

RATE = 16000
ROW_GROUP = 64
SCHEMA = pa.schema([
    ("sentence", pa.string()), ("URL", pa.string()), ("id", pa.int32()), ("domain", pa.string()),
    ("topic", pa.string()), ("has_image", pa.int32()), ("has_hyperlink", pa.int32()), ("fleurs_id", pa.int32()),
    ("filename", pa.list_(pa.string())), ("raw_transcription", pa.string()), ("transcription", pa.string()),
    ("num_samples", pa.list_(pa.int64())),
    ("speaker_id", pa.list_(pa.int64())), ("gender", pa.list_(pa.string())), ("whisper_asr", pa.list_(pa.string())),
    ("whisper_asr_cer", pa.list_(pa.float64())), ("whisper_asr_wer", pa.list_(pa.float64())),
    ("seamlessm4t_asr", pa.list_(pa.string())), ("index_id", pa.int64()), ("category", pa.int64()),
    ("audio", pa.list_(pa.struct([("bytes", pa.binary()), ("path", pa.string())]))),
])
TOPICS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]


def wav(rng):
    """Returns the WAV bytes of a 3-8 s sine of random pitch under noise, and its sample count."""
    n = int(rng.uniform(3, 8) * RATE)
    t = np.arange(n) / RATE
    samples = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 400) * t) + 0.1 * rng.standard_normal(n)
    buffer = io.BytesIO()
    sf.write(buffer, samples.astype(np.float32), RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue(), n


def row(rng, number):
    """One sentence row with its recordings, in SIB-Fleurs' columns."""
    sentence = f"Sentence {number} of the synthetic shard, about {TOPICS[number % 7]}, long enough to look real."
    count = int(rng.integers(2, 5))
    recordings = [wav(rng) for _ in range(count)]
    names = [f"{10**19 + number * 10 + k}.wav" for k in range(count)]
    return dict(sentence=sentence, URL=f"https://en.wikinews.org/{number}", id=number, domain="wikinews",
                topic=TOPICS[number % 7], has_image=0, has_hyperlink=number % 2, fleurs_id=1000 + number,
                filename=names, raw_transcription=sentence, transcription=sentence.lower(),
                num_samples=[n for _, n in recordings], speaker_id=[int(rng.integers(0, 500)) for _ in names],
                gender=[["MALE", "FEMALE"][k % 2] for k in range(count)],
                whisper_asr=[sentence] * count, whisper_asr_cer=[0.01] * count, whisper_asr_wer=[0.05] * count,
                seamlessm4t_asr=[sentence.lower()] * count, index_id=number, category=number % 7,
                audio=[{"bytes": b, "path": name} for (b, _), name in zip(recordings, names)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path")
    parser.add_argument("--mb", type=float, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.path)), exist_ok=True)
    rng = np.random.default_rng(args.seed)
    rows, audio_bytes = 0, 0
    # One row group at a time, as datasets writes them, rather than the whole shard as one table.
    with pq.ParquetWriter(args.path, SCHEMA) as writer:
        while audio_bytes < args.mb * 1e6:
            group = [row(rng, rows + i) for i in range(ROW_GROUP)]
            writer.write_table(pa.Table.from_pylist(group, schema=SCHEMA), row_group_size=ROW_GROUP)
            rows += len(group)
            audio_bytes += sum(len(a["bytes"]) for r in group for a in r["audio"])
    print(f"{args.path}: {rows} rows, {os.path.getsize(args.path) / 1e6:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
