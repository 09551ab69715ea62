#!/usr/bin/env python3
"""Reference outputs for the LLM tests from the `gguf` Python package (llama.cpp's own reader).

Run once from the repository root after `Models/install.sh` (`make fixtures`); writes Tests/Fixtures/llm/.
"""
import json, os
import numpy as np
from gguf import GGUFReader, GGUFValueType
from gguf.quants import dequantize

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


if __name__ == "__main__":
    main()
