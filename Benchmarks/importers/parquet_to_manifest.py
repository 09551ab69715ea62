#!/usr/bin/env python3
"""SIB-Fleurs and Belebele-Fleurs (Hugging Face parquet) to a Hark manifest plus FLAC files.

Usage:
  parquet_to_manifest.py sib      DATASET_ROOT --out DIR [--split test] [--langs eng_Latn,spa_Latn]
  parquet_to_manifest.py belebele DATASET_ROOT --out DIR [--split test] [--langs ...]
DATASET_ROOT holds data/<lang>/<split>-*.parquet as the datasets publish them. Writes DIR/manifest.jsonl and
DIR/audio/<lang>/<file>.flac. SIB-Fleurs: one topic item per recording (a sentence has several speakers), with the
reference text and the dataset's whisper-large-v3 transcript of that recording as dataset_asr. Belebele-Fleurs: one
mcq item per question, its audio the passage's recordings in order, dataset_asr their transcripts joined.
Reads each parquet file a few rows at a time (only the columns it uses), so memory follows one row group, not the
shard's size or the number of languages. Needs pyarrow and soundfile (for this tool only; hark reads the manifest and
FLAC itself).
"""
import argparse, glob, io, json, os, sys
import pyarrow as pa
import pyarrow.parquet as pq
import soundfile as sf

SIB_LABELS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]
SIB_COLUMNS = ["fleurs_id", "filename", "raw_transcription", "whisper_asr", "category", "audio"]
BELEBELE_COLUMNS = ["link", "question_number", "flores_passage", "question", "mc_answer1", "mc_answer2", "mc_answer3",
                    "mc_answer4", "correct_answer_num", "filename", "audio"]
BELEBELE_OPTIONAL = ["whisper_asr"]
# Rows per batch: a SIB-Fleurs or Belebele-Fleurs row carries several recordings (a megabyte or more of WAV), so
# Python holds a few rows' audio rather than the whole shard's (Benchmarks/results/importers.md: 1.8 GB -> 0.3 GB).
BATCH_ROWS = 16


def write_flac(audio, out_dir, lang, name):
    """Decodes one {bytes, path} audio cell and writes it as FLAC; returns the path relative to the manifest."""
    samples, rate = sf.read(io.BytesIO(audio["bytes"]), dtype="float32")
    relative = os.path.join("audio", lang, os.path.splitext(os.path.basename(name))[0] + ".flac")
    target = os.path.join(out_dir, relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if not os.path.exists(target):
        tmp = target + ".tmp"
        sf.write(tmp, samples, rate, format="FLAC")
        os.replace(tmp, target)
    return relative


def unreadable(path, error):
    """Exits with one line naming the file (Arrow's messages can span several)."""
    sys.exit(f"{path}: unreadable parquet ({' '.join(str(error).split())})")


def open_parquet(path, required, optional=()):
    """Opens a parquet file (reading its footer only); returns it and the columns to read, or exits naming the file."""
    try:
        # pre_buffer off and a read buffer: pages are read as they are decoded, not a whole row group's audio at once.
        parquet = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except (pa.ArrowException, OSError) as error:
        unreadable(path, error)
    names = parquet.schema_arrow.names
    missing = [c for c in required if c not in names]
    if missing:
        sys.exit(f"{path}: missing column(s) {', '.join(missing)} (is this the dataset's parquet?)")
    return parquet, list(required) + [c for c in optional if c in names]


def rows(parquet, columns, path):
    """Yields the file's rows in order as dicts, reading BATCH_ROWS at a time; exits if a page cannot be read."""
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            yield from batch.to_pylist()
    except (pa.ArrowException, OSError) as error:
        unreadable(path, error)


def sib_items(row, lang, out_dir):
    for k, (name, audio) in enumerate(zip(row["filename"], row["audio"])):
        asr = row["whisper_asr"][k] if k < len(row["whisper_asr"] or []) else None
        yield {"id": f"sib/{lang}/{row['fleurs_id']}/{k}", "lang": lang, "task": "topic",
               "audio": write_flac(audio, out_dir, lang, name), "text": row["raw_transcription"],
               "dataset_asr": asr, "label": SIB_LABELS[row["category"]]}


def belebele_items(row, lang, out_dir):
    slug = row["link"].rstrip("/").rsplit("/", 1)[-1]
    item = {"id": f"belebele/{lang}/{slug}/{row['question_number']}", "lang": lang, "task": "mcq",
            "audio": [write_flac(a, out_dir, lang, n) for n, a in zip(row["filename"], row["audio"])],
            "text": row["flores_passage"], "question": row["question"],
            "options": [row[f"mc_answer{i}"] for i in range(1, 5)], "answer": int(row["correct_answer_num"])}
    if row.get("whisper_asr"):
        item["dataset_asr"] = " ".join(t.strip() for t in row["whisper_asr"])
    yield item


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", choices=["sib", "belebele"])
    parser.add_argument("root")
    parser.add_argument("--out", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--langs")
    args = parser.parse_args()
    langs = args.langs.split(",") if args.langs else sorted(os.listdir(os.path.join(args.root, "data")))
    convert, required, optional = ((sib_items, SIB_COLUMNS, ()) if args.dataset == "sib"
                                   else (belebele_items, BELEBELE_COLUMNS, BELEBELE_OPTIONAL))
    # Every language's files are found and their columns checked before any audio is converted, so a long import
    # does not fail on its last language.
    shards = []
    for lang in langs:
        files = sorted(glob.glob(os.path.join(args.root, "data", lang, f"{args.split}-*.parquet")))
        if not files:
            sys.exit(f"{os.path.join(args.root, 'data', lang)}: no {args.split}-*.parquet")
        for path in files:
            open_parquet(path, required, optional)
            shards.append((lang, path))
    os.makedirs(args.out, exist_ok=True)
    manifest = os.path.join(args.out, "manifest.jsonl")
    count = 0
    # Lines go straight to a temporary file, which replaces the manifest only once every shard is converted and is
    # removed if the import stops, so an interrupted run leaves neither a partial manifest nor a stray .tmp.
    try:
        with open(manifest + ".tmp", "w", encoding="utf-8") as f:
            for lang, path in shards:
                parquet, columns = open_parquet(path, required, optional)
                for row in rows(parquet, columns, path):
                    for item in convert(row, lang, args.out):
                        line = json.dumps({k: v for k, v in item.items() if v is not None}, ensure_ascii=False,
                                          sort_keys=True)
                        # Newlines between lines and one after the last: the bytes the whole-list join wrote.
                        f.write(("\n" if count else "") + line)
                        count += 1
            f.write("\n")
        os.replace(manifest + ".tmp", manifest)
    except BaseException:
        if os.path.exists(manifest + ".tmp"):
            os.remove(manifest + ".tmp")
        raise
    print(f"{count} items written to {manifest}", file=sys.stderr)


if __name__ == "__main__":
    main()
