#!/usr/bin/env python3
"""Reference subtitles for word-timed transcripts: openai-whisper's own SRT and VTT writers (`whisper/utils.py`, with
--max_line_width, --max_line_count, --max_words_per_line and --highlight_words) over faster-whisper's word-timed
segments of the bundled English recordings (Tests/Fixtures/whisper/words.json).

utils.py needs nothing beyond the standard library, so it is read from the pinned openai-whisper source package
without installing it (or torch). Writes Tests/Fixtures/whisper/subtitles.json. Needs pip (to download).
"""
import importlib.util, io, json, os, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "whisper")
sys.path.insert(0, os.path.join(ROOT, "Tests", "Tools"))
import openai_whisper_source  # noqa: E402
CASES = [
    {},
    {"max_line_width": 42, "max_line_count": 2},
    {"max_line_width": 20},
    {"max_words_per_line": 5},
    {"max_line_width": 30, "max_line_count": 1, "highlight_words": True},
    {"highlight_words": True},
]


def openai_utils():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "utils.py")
        with open(path, "wb") as f:
            f.write(openai_whisper_source.read("/whisper/utils.py"))
        spec = importlib.util.spec_from_file_location("openai_whisper_utils", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def main():
    utils = openai_utils()
    words = json.load(open(os.path.join(OUT, "words.json")))
    out = []
    for name in ("jfk.flac", "asterisk-en-demo-instruct.flac"):
        result = {"segments": words[name]}
        for options in CASES:
            rendered = {}
            for writer in (utils.WriteSRT("."), utils.WriteVTT(".")):
                buffer = io.StringIO()
                writer.write_result(result, buffer, dict(options))
                rendered[writer.extension] = buffer.getvalue()
            out.append({"recording": name, "options": options, **rendered})
    with open(os.path.join(OUT, "subtitles.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
