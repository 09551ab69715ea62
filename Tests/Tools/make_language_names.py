#!/usr/bin/env python3
"""The English names of Whisper's languages, as OpenAI's API reports them (`"language": "english"` in verbose_json):
openai-whisper's LANGUAGES table, read from the pinned source package without installing it (its tokenizer needs
tiktoken). Writes Sources/Server/Resources/languages.json. Needs pip (to download).
"""
import ast, json, os

import openai_whisper_source

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Sources", "Server", "Resources", "languages.json")


def languages():
    source = openai_whisper_source.read("/whisper/tokenizer.py").decode()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "LANGUAGES":
            return ast.literal_eval(node.value)
    raise SystemExit("LANGUAGES not found in tokenizer.py")


def main():
    table = languages()
    with open(OUT, "w") as f:
        json.dump(table, f, indent=0, ensure_ascii=False)
        f.write("\n")
    print(len(table), "languages")


if __name__ == "__main__":
    main()
