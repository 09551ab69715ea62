#!/usr/bin/env python3
"""SIB-Fleurs and Belebele-Fleurs (Hugging Face parquet) to a Hark manifest plus FLAC files.

Usage:
  parquet_to_manifest.py sib      DATASET_ROOT --out DIR [--split test] [--langs eng_Latn,spa_Latn]
  parquet_to_manifest.py belebele DATASET_ROOT --out DIR [--split test] [--langs ...]
DATASET_ROOT holds data/<lang>/<split>-*.parquet as the datasets publish them. Writes DIR/manifest.jsonl and
DIR/audio/<lang>/<file>.flac. SIB-Fleurs: one topic item per recording (a sentence has several speakers), with the
reference text and the dataset's whisper-large-v3 transcript of that recording as dataset_asr. Belebele-Fleurs: one
mcq item per question, its audio the passage's recordings in order, dataset_asr their transcripts joined.
Needs pyarrow and soundfile (for this tool only; hark reads the manifest and FLAC itself).
"""
import argparse, glob, io, json, os, sys
import pyarrow.parquet as pq
import soundfile as sf

SIB_LABELS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]


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


def require(row, columns, where):
    missing = [c for c in columns if c not in row]
    if missing:
        sys.exit(f"{where}: missing column(s) {', '.join(missing)} (is this the dataset's parquet?)")


def sib_items(row, lang, out_dir, where):
    require(row, ["fleurs_id", "filename", "raw_transcription", "whisper_asr", "category", "audio"], where)
    for k, (name, audio) in enumerate(zip(row["filename"], row["audio"])):
        asr = row["whisper_asr"][k] if k < len(row["whisper_asr"] or []) else None
        yield {"id": f"sib/{lang}/{row['fleurs_id']}/{k}", "lang": lang, "task": "topic",
               "audio": write_flac(audio, out_dir, lang, name), "text": row["raw_transcription"],
               "dataset_asr": asr, "label": SIB_LABELS[row["category"]]}


def belebele_items(row, lang, out_dir, where):
    require(row, ["link", "question_number", "flores_passage", "question", "mc_answer1", "mc_answer2", "mc_answer3",
                  "mc_answer4", "correct_answer_num", "filename", "audio"], where)
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
    convert = sib_items if args.dataset == "sib" else belebele_items
    os.makedirs(args.out, exist_ok=True)
    lines = []
    for lang in langs:
        files = sorted(glob.glob(os.path.join(args.root, "data", lang, f"{args.split}-*.parquet")))
        if not files:
            sys.exit(f"{os.path.join(args.root, 'data', lang)}: no {args.split}-*.parquet")
        for path in files:
            for number, row in enumerate(pq.read_table(path).to_pylist()):
                for item in convert(row, lang, args.out, f"{path} row {number}"):
                    lines.append(json.dumps({k: v for k, v in item.items() if v is not None}, ensure_ascii=False, sort_keys=True))
    manifest = os.path.join(args.out, "manifest.jsonl")
    with open(manifest + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(manifest + ".tmp", manifest)
    print(f"{len(lines)} items written to {manifest}", file=sys.stderr)


if __name__ == "__main__":
    main()
