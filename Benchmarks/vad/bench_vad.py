#!/usr/bin/env python3
"""Long recordings with VAD and batching, in one run: Hark (`--vad`, `--vad --batch-size 8`, and without VAD)
against faster-whisper's BatchedInferencePipeline(batch_size=8) in float32 and int8, on the 10-minute test recording
(`make long-recording`: the bundled English recordings three times between silence, room noise and tones), the same
Whisper base weights, 2 threads, whole processes (model load included). Each line: wall time, peak memory, WER
against the joined references (lower case, punctuation and hyphens removed; the same for every engine). Then what each engine
writes in the gaps without VAD (word timestamps; a word whose middle is more than 0.4 s from any recording).
Each engine runs `repeats` times (default 3), the engines taking turns within each round so that a slow spell of
the host falls on all of them; the table shows the median run and the speed-ups compare medians.
faster-whisper's batched pipeline decodes without timestamp tokens; Hark keeps them unless given --no-timestamps,
so both Hark lines are compared with it. Writes Benchmarks/results/vad.md. Usage: python3 Benchmarks/vad/bench_vad.py [repeats]   (about 6 minutes a round)
"""
import datetime, json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARK = os.path.join(ROOT, ".build", "release", "hark")
MODEL = os.path.join(ROOT, "Models", "cache", "whisper-base")
LONG = os.path.join(ROOT, ".build", "long-recording", "long.flac")
LAYOUT = os.path.join(ROOT, ".build", "long-recording", "long.json")
THREADS = "2"


def measure(command):
    """Runs command under GNU time: (stdout, wall seconds, peak MB)."""
    with tempfile.NamedTemporaryFile("r") as timing:
        out = subprocess.run(["/usr/bin/time", "-q", "-f", "%e %M", "-o", timing.name] + command, check=True,
                             capture_output=True, text=True, cwd=ROOT).stdout
        wall, rss = timing.read().split()
    return out, float(wall), int(rss) / 1024


def wer(text, reference):
    """Word edit distance over the reference's length, both lower-cased with punctuation and hyphens removed."""
    import re
    def words(t):
        t = re.sub(r"\[\d\d:\d\d\.\d+ --> \d\d:\d\d\.\d+\]", " ", t).lower().replace("-", " ")
        return re.sub(r"[^a-z0-9' ]", " ", t).split()
    ref, hyp = words(reference), words(text)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / len(ref)


def words_in_gaps(words, pieces):
    return [w for w in words if min(max(a - (w["start"] + w["end"]) / 2, (w["start"] + w["end"]) / 2 - b, 0)
                                   for a, b in pieces) > 0.4]


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    subprocess.run(["make", "-s", "deps", "models", "build", "long-recording"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    layout = json.load(open(LAYOUT))
    reference = layout["text"]
    pieces = [(p["start"] / 16000, p["end"] / 16000) for p in layout["pieces"]]
    hark = [HARK, "transcribe", "--language", "en", "--threads", THREADS]
    runs = [
        ("Hark, no VAD (beam 5)", hark + [LONG]),
        ("Hark --vad", hark + ["--vad", LONG]),
        ("Hark --vad --batch-size 8", hark + ["--vad", "--batch-size", "8", LONG]),
        ("Hark --vad --batch-size 8, int8", hark + ["--vad", "--batch-size", "8", "--compute-type", "int8", LONG]),
        # faster-whisper's batched pipeline decodes without timestamp tokens (its default): the same work.
        ("Hark --vad --batch-size 8 --no-timestamps", hark + ["--vad", "--batch-size", "8", "--no-timestamps", LONG]),
        ("faster-whisper batched 8, float32", ["python3", "Benchmarks/vad/fw_batched.py", MODEL, LONG, "float32", "8", THREADS]),
        ("faster-whisper batched 8, int8", ["python3", "Benchmarks/vad/fw_batched.py", MODEL, LONG, "int8", "8", THREADS]),
    ]
    results = {name: [] for name, _ in runs}
    for round in range(repeats):
        for name, command in runs:
            out, wall, rss = measure(command)
            results[name].append((wall, rss, wer(out, reference)))
            print(f"round {round + 1}, {name}: {wall:.2f} s, {rss:.0f} MB, WER {results[name][-1][2]:.4f}", flush=True)
    rows = []
    for name, _ in runs:
        walls = [wall for wall, _, _ in results[name]]
        rows.append((name, statistics.median(walls), max(rss for _, rss, _ in results[name]), results[name][0][2], walls))
    times = {name: wall for name, wall, _, _, _ in rows}

    # What the engines write in the gaps without VAD.
    def hark_words(extra):
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(hark + extra + ["--word-timestamps", "-o", folder, "--output-format", "json", LONG], cwd=ROOT,
                           check=True, capture_output=True)
            transcript = json.load(open(os.path.join(folder, "long.json")))
        return [{"word": w["word"], "start": w["start"], "end": w["end"]} for s in transcript["segments"] for w in s["words"]]
    fw = subprocess.run(["python3", "Benchmarks/vad/fw_words.py", MODEL, LONG, THREADS], cwd=ROOT, check=True,
                        capture_output=True, text=True).stdout
    fw_words = [json.loads(line) for line in fw.splitlines() if line.strip()]
    gaps = {"Hark, no VAD": words_in_gaps(hark_words([]), pieces), "Hark --vad": words_in_gaps(hark_words(["--vad"]), pieces),
            "faster-whisper, no VAD": words_in_gaps(fw_words, pieces)}

    machine = subprocess.run([os.path.join(ROOT, "Benchmarks", "machine.sh")], capture_output=True, text=True, check=True).stdout.strip()
    lines = [
        "# Long recordings: VAD and batching",
        "",
        f"Date: {datetime.date.today()}; machine: {machine}; Whisper base (the same CTranslate2",
        f"weights for both engines), 2 threads, language en, beam 5, whole processes with model load, {repeats} rounds",
        "(the engines take turns within a round): the median wall time, each run's in brackets, the largest peak memory.",
        "Command: `python3 Benchmarks/vad/bench_vad.py`. Audio: `make long-recording` (600 s: the bundled English",
        "recordings three times, 302 s of speech, between silence, near-silence, room noise and tones).",
        "",
        "| run | wall (runs) | peak memory | WER |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {wall:.2f} s ({', '.join(f'{x:.1f}' for x in walls)}) | {rss:.0f} MB | {w * 100:.2f}% |"
              for name, wall, rss, w, walls in rows]
    b8, b8int8 = times["Hark --vad --batch-size 8"], times["Hark --vad --batch-size 8, int8"]
    lines += [
        "",
        f"- Hark `--vad --batch-size 8` against faster-whisper batched 8: float16 vs float32 "
        f"**{times['faster-whisper batched 8, float32'] / b8:.2f}x**, int8 vs int8 "
        f"**{times['faster-whisper batched 8, int8'] / b8int8:.2f}x** (goal 1.5x).",
        f"- Without timestamp tokens, as faster-whisper's batched pipeline decodes by default (segments are then the "
        f"speech chunks): float16 vs float32 **{times['faster-whisper batched 8, float32'] / times['Hark --vad --batch-size 8 --no-timestamps']:.2f}x**.",
        f"- Against Hark without VAD: **{times['Hark, no VAD (beam 5)'] / b8:.2f}x** (goal 2x); against Hark `--vad` "
        f"without batching: {times['Hark --vad'] / b8:.2f}x.",
        "",
        "## Words in the gaps (word timestamps, a word's middle more than 0.4 s from every recording)",
        "",
    ]
    for name, found in gaps.items():
        shown = ", ".join(f"{w['word'].strip()!r} at {w['start']:.1f}-{w['end']:.1f} s" for w in found[:8])
        lines.append(f"- {name}: {len(found)} words" + (f" ({shown}{', ...' if len(found) > 8 else ''})" if found else ""))
    os.makedirs(os.path.join(ROOT, "Benchmarks", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "Benchmarks", "results", "vad.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
