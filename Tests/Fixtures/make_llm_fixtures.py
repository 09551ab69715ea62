#!/usr/bin/env python3
"""Reference outputs for the LLM tests from the `gguf` Python package (llama.cpp's own reader) and llama.cpp.

Run once from the repository root after `Models/install.sh` (`make fixtures`); writes Tests/Fixtures/llm/.
With `--llama-reference PATH` it writes only llama.cpp's tokens, logits and path-to-path spread to PATH: `make test`
does that on the machine that runs the tests, because logits move in their last bits from one CPU's kernels to
another's, and llama.cpp's spread is only a fair bound when measured on the same CPU as Hark's logits.
"""
import json, os, sys
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "llm")
MODELS = os.environ.get("HARK_MODELS", os.path.join(ROOT, "Models", "cache"))
os.makedirs(OUT, exist_ok=True)


def summarize(field):
    """A metadata value as JSON; arrays as their count and first and last eight items."""
    kind = field.types[0].name
    value = field.contents()
    if kind != "ARRAY":
        return {"type": kind, "value": value}
    element = field.types[1].name
    items = list(value)
    return {"type": "ARRAY", "element": element, "count": len(items), "first": items[:8], "last": items[-8:]}


def main():
    from gguf import GGUFReader
    from gguf.quants import dequantize
    reader = GGUFReader(os.path.join(MODELS, "gemma-3-270m-q4_k_m.gguf"))
    metadata = {name: summarize(field) for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    tensors = [{"name": t.name, "type": t.tensor_type.name, "dims": [int(d) for d in t.shape],
                "offset": int(t.data_offset), "bytes": int(t.n_bytes)} for t in reader.tensors]
    with open(os.path.join(OUT, "gemma-dump.json"), "w") as f:
        json.dump({"metadata": metadata, "tensors": tensors}, f, ensure_ascii=False, indent=0)
    # The first two rows of the first tensor of each stored type, dequantized by the reference.
    samples = {}
    for t in reader.tensors:
        kind = t.tensor_type.name
        if kind in samples:
            continue
        rows = np.asarray(t.data)[:2] if len(t.shape) > 1 else np.asarray(t.data)
        values = dequantize(rows, t.tensor_type).astype(np.float32).reshape(-1)
        np.save(os.path.join(OUT, f"dequantized-{kind}.npy"), values)
        samples[kind] = {"tensor": t.name, "values": int(values.size)}
        print(kind, t.name, values.size, values[:4])
    with open(os.path.join(OUT, "dequantized.json"), "w") as f:
        json.dump(samples, f, indent=1)


PROMPTS = [
    "The capital of France is",
    "Topic: science/technology. Sentence: The new telescope can see distant galaxies.",
    "La capital de España es Madrid y la de Portugal es",
    "Столица России — это",
    "Question: What is two plus two?\nAnswer:",
]

TOKENIZER_TEXTS = [
    "Hello world", " Hello world", "Hello  world", "The quick brown fox jumps over the lazy dog.",
    "It's 28.8 kilobits, isn't it?", "naïve café — 100% sure!", "Por favor, déjese su mensaje después del tono.",
    "Оставьте сообщение после сигнала.", "Съешь же ещё этих мягких французских булок",
    "مرحبا بالعالم", "اللغة العربية جميلة", "नमस्ते दुनिया", "हिन्दी एक भाषा है।",
    "東京は日本の首都です。", "我爱自然语言处理", "한국어 문장입니다", "emoji 🙂👍🏽 test",
    "tabs\tand\nnewlines", "science/technology", "   leading spaces",
]


def llama_reference(path=os.path.join(OUT, "llama-reference.json")):
    """Tokens and next-token logits from llama.cpp (llama-cpp-python) on the same GGUF."""
    from llama_cpp import Llama
    llm = Llama(model_path=os.path.join(MODELS, "gemma-3-270m-q4_k_m.gguf"), logits_all=True, n_ctx=512,
                n_threads=2, verbose=False)
    probe = np.random.default_rng(0).choice(llm.n_vocab(), 256, replace=False).astype(np.int64)
    prompts = []
    for text in PROMPTS:
        tokens = llm.tokenize(text.encode(), add_bos=True, special=False)
        llm.reset()
        llm.eval(tokens)
        logits = np.array(llm.scores[: len(tokens)], dtype=np.float32)
        top = np.argsort(-logits, axis=1)[:, :10]
        prompts.append({"text": text, "tokens": tokens, "top_ids": top.tolist(),
                        "top_logits": np.take_along_axis(logits, top, axis=1).tolist(),
                        "probe_logits": logits[:, probe].tolist()})
        print(text, tokens[:8], top[-1, :3])
    consistency = self_consistency(prompts, probe)
    texts = [{"text": t, "ids": llm.tokenize(t.encode(), add_bos=False, special=False)} for t in TOKENIZER_TEXTS]
    llm.reset()
    greedy = llm.create_completion(PROMPTS[0], max_tokens=16, temperature=0.0, top_k=1)["choices"][0]["text"]
    with open(path, "w") as f:
        json.dump({"probe_ids": probe.tolist(), "prompts": prompts, "tokenizer": texts, "self_consistency": consistency,
                   "greedy": {"prompt": PROMPTS[0], "max_tokens": 16, "text": greedy}}, f, ensure_ascii=False)


def self_consistency(prompts, probe):
    """How far llama.cpp's logits move when only its execution path changes (the same GGUF, machine and thread
    count): the prompt fed one token at a time instead of in one batch, and flash attention instead of the
    default kernels. Measured on the same ids as the reference (top 10 and probes), against the reference."""
    from llama_cpp import Llama
    variants = {"one_token_per_batch": {"n_batch": 1, "n_ubatch": 1}, "flash_attention": {"flash_attn": True}}
    stats = {}
    for name, options in variants.items():
        llm = Llama(model_path=os.path.join(MODELS, "gemma-3-270m-q4_k_m.gguf"), logits_all=True, n_ctx=512,
                    n_threads=2, verbose=False, **options)
        differences, position_means, agreeing, positions = [], [], 0, 0
        for prompt in prompts:
            llm.reset()
            llm.eval(prompt["tokens"])
            logits = np.array(llm.scores[: len(prompt["tokens"])], dtype=np.float32)
            for row, ids, top, probed in zip(logits, prompt["top_ids"], prompt["top_logits"], prompt["probe_logits"]):
                position = list(np.abs(row[ids + probe.tolist()] - np.array(top + probed)))
                differences += position
                position_means.append(float(np.mean(position)))
                agreeing += int(np.argmax(row) == ids[0])
                positions += 1
        stats[name] = {"max_abs": float(max(differences)), "mean_abs": float(np.mean(differences)),
                       "worst_position_mean_abs": max(position_means), "top1_agreeing": agreeing, "positions": positions}
        print(name, stats[name])
    return stats


if __name__ == "__main__":
    if sys.argv[1:2] == ["--llama-reference"]:
        llama_reference(sys.argv[2])
    else:
        main()
        llama_reference()
