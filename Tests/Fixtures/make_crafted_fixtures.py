#!/usr/bin/env python3
"""Tiny model files, valid and hostile, for the loader tests and the fuzzers' seed corpora (Tests/Fixtures/crafted/).

Valid miniatures, small enough to fuzz (their layouts as docs/FORMATS and the loaders describe them):
- tiny-whisper/: a CTranslate2 Whisper folder (model.bin version 6, float16 weights, width 8, 2 heads, one encoder
  and one decoder layer, 13 tokens: the specials Hark needs), config.json, vocabulary.json, tokenizer.json.
- tiny-gemma3.gguf: a GGUF v3 gemma3 model (one layer, width 8, 2 query heads, 1 key-value head, head size 4,
  SentencePiece vocabulary of the 256 byte tokens plus 4), float32 tensors.
Hostile variants, one per class of bug that crafted files found in llama.cpp's GGUF reader and its kin (each a
few hundred bytes; the test names the field each must be refused at):
- gguf-*.gguf, wav-*.wav, and ct2-*/ holding the one file (model.bin or config.json) that replaces tiny-whisper's.
Values are deterministic (a fixed seed). Usage: python3 Tests/Fixtures/make_crafted_fixtures.py
"""
import json, os, shutil, struct
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "crafted")
rng = np.random.default_rng(7)

# ---------------------------------------------------------------- CTranslate2 model.bin

CT2_DTYPES = {np.float32: 0, np.int8: 1, np.int16: 2, np.int32: 3, np.float16: 4}


def ct2_string(text):
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def ct2_variable(name, array, shape=None, dtype=None, byte_count=None):
    shape = list(array.shape) if shape is None else shape
    raw = array.tobytes()
    code = CT2_DTYPES[array.dtype.type] if dtype is None else dtype
    header = ct2_string(name) + struct.pack("<B", len(shape)) + b"".join(struct.pack("<I", d) for d in shape)
    return header + struct.pack("<B", code) + struct.pack("<I", len(raw) if byte_count is None else byte_count) + raw


def ct2_file(variables, aliases=(), count=None, spec="WhisperSpec"):
    body = struct.pack("<I", 6) + ct2_string(spec) + struct.pack("<I", 1)
    body += struct.pack("<I", len(variables) if count is None else count) + b"".join(variables)
    body += struct.pack("<I", len(aliases)) + b"".join(ct2_string(a) + ct2_string(t) for a, t in aliases)
    return body


VOCABULARY = ["!", "a", "b", "Ġa", "<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|translate|>",
              "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|notimestamps|>"] \
    + [f"<|{0.02 * step:.2f}|>" for step in range(1501)]
WIDTH, MELS = 8, 80


def whisper_variables(heads=2.0):
    def weight(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float16)

    def layer_norm(prefix):
        return [ct2_variable(f"{prefix}/gamma", np.ones(WIDTH, np.float32)),
                ct2_variable(f"{prefix}/beta", np.zeros(WIDTH, np.float32))]

    def linear(prefix, rows, columns):
        return [ct2_variable(f"{prefix}/weight", weight(rows, columns)),
                ct2_variable(f"{prefix}/bias", np.zeros(rows, np.float32))]

    def ffn(prefix):
        return layer_norm(f"{prefix}/layer_norm") + linear(f"{prefix}/linear_0", 4 * WIDTH, WIDTH) \
            + linear(f"{prefix}/linear_1", WIDTH, 4 * WIDTH)

    variables = [ct2_variable("encoder/conv1/weight", weight(WIDTH, MELS, 3)),
                 ct2_variable("encoder/conv1/bias", np.zeros(WIDTH, np.float32)),
                 ct2_variable("encoder/conv2/weight", weight(WIDTH, WIDTH, 3)),
                 ct2_variable("encoder/conv2/bias", np.zeros(WIDTH, np.float32)),
                 ct2_variable("encoder/position_encodings/encodings", weight(1500, WIDTH)),
                 ct2_variable("encoder/num_heads", np.array(heads, np.float32).reshape(())),
                 ct2_variable("decoder/num_heads", np.array(heads, np.float32).reshape(()))]
    variables += layer_norm("encoder/layer_0/self_attention/layer_norm")
    variables += linear("encoder/layer_0/self_attention/linear_0", 3 * WIDTH, WIDTH)
    variables += linear("encoder/layer_0/self_attention/linear_1", WIDTH, WIDTH)
    variables += ffn("encoder/layer_0/ffn") + layer_norm("encoder/layer_norm")
    variables += [ct2_variable("decoder/embeddings/weight", weight(len(VOCABULARY), WIDTH)),
                  ct2_variable("decoder/position_encodings/encodings", weight(448, WIDTH))]
    variables += layer_norm("decoder/layer_0/self_attention/layer_norm")
    variables += linear("decoder/layer_0/self_attention/linear_0", 3 * WIDTH, WIDTH)
    variables += linear("decoder/layer_0/self_attention/linear_1", WIDTH, WIDTH)
    variables += layer_norm("decoder/layer_0/attention/layer_norm")
    variables += linear("decoder/layer_0/attention/linear_0", WIDTH, WIDTH)
    variables += linear("decoder/layer_0/attention/linear_1", 2 * WIDTH, WIDTH)
    variables += linear("decoder/layer_0/attention/linear_2", WIDTH, WIDTH)
    variables += ffn("decoder/layer_0/ffn") + layer_norm("decoder/layer_norm")
    return variables


WHISPER_CONFIG = {"suppress_ids": [0], "suppress_ids_begin": [4], "alignment_heads": [[0, 0], [0, 1]],
                  "lang_ids": [6]}


def whisper_folder(name, model_bin=None, config=None):
    """The whole folder for tiny-whisper; for a hostile case only the file that differs from tiny-whisper's."""
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    if model_bin is not None:
        with open(os.path.join(folder, "model.bin"), "wb") as f:
            f.write(model_bin)
    if config is not None:
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f)
    if name == "tiny-whisper":
        with open(os.path.join(folder, "vocabulary.json"), "w") as f:
            json.dump(VOCABULARY, f)
        with open(os.path.join(folder, "tokenizer.json"), "w") as f:
            json.dump({"model": {"type": "BPE", "merges": ["Ġ a"]}}, f)


def whisper_fixtures():
    whisper_folder("tiny-whisper", ct2_file(whisper_variables()), WHISPER_CONFIG)
    # Sizes from the file multiplied without overflow checks: 2^32-1 to the power 4 wraps a 64-bit count.
    whisper_folder("ct2-dimension-overflow", ct2_file([ct2_variable(
        "encoder/conv1/weight", np.zeros(2, np.float32), shape=[0xFFFFFFFF] * 4, byte_count=8)]))
    # A string (here the spec name) whose length runs past the end of the file.
    whisper_folder("ct2-string-past-end", struct.pack("<I", 6) + struct.pack("<H", 0xFFFF) + b"Whisper")
    # Four billion variables promised by a file of a hundred bytes.
    whisper_folder("ct2-variable-count", ct2_file([ct2_variable("x", np.zeros(1, np.float32))], count=0xFFFFFFFF))
    # Attention heads that are not a positive whole divisor of the width: NaN (an Int conversion that traps), 0, 3.
    def heads_only(heads):
        return ct2_file([ct2_variable("encoder/conv1/weight", np.zeros((WIDTH, 1, 3), np.float16)),
                         ct2_variable("decoder/embeddings/weight", np.zeros((1, WIDTH), np.float16)),
                         ct2_variable("encoder/num_heads", np.array(heads, np.float32).reshape(()))])
    whisper_folder("ct2-heads-nan", heads_only(float("nan")))
    whisper_folder("ct2-heads-zero", heads_only(0.0))
    whisper_folder("ct2-heads-three", heads_only(3.0))
    # config.json naming a head and a token the model does not have.
    whisper_folder("ct2-alignment-head", config=dict(WHISPER_CONFIG, alignment_heads=[[0, 7]]))
    whisper_folder("ct2-suppress-id", config=dict(WHISPER_CONFIG, suppress_ids=[-5, 99999]))


# ---------------------------------------------------------------- GGUF

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)


def gguf_string(text):
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def gguf_value(kind, value):
    formats = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?", U64: "Q", I64: "q", F64: "d"}
    if kind == STRING:
        return gguf_string(value)
    if kind == ARRAY:
        element, items = value
        return struct.pack("<IQ", element, len(items)) + b"".join(gguf_value(element, v) for v in items)
    return struct.pack("<" + formats[kind], value)


def gguf_file(metadata, tensors, alignment=32, tensor_count=None, raw_metadata=b""):
    """metadata: [(key, kind, value)]; tensors: [(name, dims fastest first, ggml type, bytes)]."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors) if tensor_count is None else tensor_count,
                                 len(metadata) + (1 if raw_metadata else 0))
    head += b"".join(gguf_string(k) + struct.pack("<I", kind) + gguf_value(kind, v) for k, kind, v in metadata)
    head += raw_metadata
    offset, table, data = 0, b"", b""
    for name, dims, kind, raw in tensors:
        table += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        table += struct.pack("<IQ", kind, offset)
        padded = raw + b"\0" * (-len(raw) % alignment)
        data += padded
        offset += len(padded)
    head += table
    return head + b"\0" * (-len(head) % alignment) + data


GEMMA = dict(layers=1, width=8, heads=2, kv_heads=1, head_dim=4, feed_forward=16)
GEMMA_TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>"] + [f"<0x{b:02X}>" for b in range(256)] + ["▁a", "a", "▁"]


def gemma_metadata(**overrides):
    g = dict(GEMMA, **overrides)
    types = [3, 3, 3, 2] + [6] * 256 + [1, 1, 1]
    return [("general.architecture", STRING, "gemma3"),
            ("gemma3.block_count", U32, g["layers"]), ("gemma3.embedding_length", U32, g["width"]),
            ("gemma3.feed_forward_length", U32, g["feed_forward"]), ("gemma3.attention.head_count", U32, g["heads"]),
            ("gemma3.attention.head_count_kv", U32, g["kv_heads"]), ("gemma3.attention.key_length", U32, g["head_dim"]),
            ("gemma3.attention.value_length", U32, g["head_dim"]),
            ("gemma3.attention.layer_norm_rms_epsilon", F32, 1e-6), ("gemma3.rope.freq_base", F32, 1e6),
            ("gemma3.attention.sliding_window", U32, 512), ("gemma3.context_length", U32, 32768),
            ("tokenizer.ggml.model", STRING, "llama"),
            ("tokenizer.ggml.tokens", ARRAY, (STRING, GEMMA_TOKENS)),
            ("tokenizer.ggml.scores", ARRAY, (F32, [0.0] * 260 + [-1.0, -2.0, -3.0])),
            ("tokenizer.ggml.token_type", ARRAY, (I32, types)),
            ("tokenizer.ggml.bos_token_id", U32, 2), ("tokenizer.ggml.eos_token_id", U32, 1)]


def gemma_tensors():
    g = GEMMA
    w, q, kv, ff = g["width"], g["heads"] * g["head_dim"], g["kv_heads"] * g["head_dim"], g["feed_forward"]

    def tensor(name, rows, columns=None):
        shape = (rows,) if columns is None else (rows, columns)
        values = (rng.standard_normal(shape) * 0.1).astype(np.float32)
        return (name, list(reversed(shape)), 0, values.tobytes())

    tensors = [tensor("token_embd.weight", len(GEMMA_TOKENS), w), tensor("output_norm.weight", w)]
    p = "blk.0."
    tensors += [tensor(p + "attn_norm.weight", w), tensor(p + "attn_q.weight", q, w), tensor(p + "attn_k.weight", kv, w),
                tensor(p + "attn_v.weight", kv, w), tensor(p + "attn_output.weight", w, q),
                tensor(p + "attn_q_norm.weight", g["head_dim"]), tensor(p + "attn_k_norm.weight", g["head_dim"]),
                tensor(p + "post_attention_norm.weight", w), tensor(p + "ffn_norm.weight", w),
                tensor(p + "ffn_gate.weight", ff, w), tensor(p + "ffn_up.weight", ff, w),
                tensor(p + "ffn_down.weight", w, ff), tensor(p + "post_ffw_norm.weight", w)]
    return tensors


def gguf_fixtures():
    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    write("tiny-gemma3.gguf", gguf_file(gemma_metadata(), gemma_tensors()))
    small = [("general.architecture", STRING, "gemma3")]
    # An array whose element type is not a GGUF type (llama.cpp cast it unchecked).
    write("gguf-array-element-type.gguf", gguf_file(small, [], raw_metadata=gguf_string("tokenizer.ggml.scores")
                                                    + struct.pack("<IIQ", ARRAY, 77, 4) + b"\0" * 16))
    # 2^40 array elements promised by a file of a hundred bytes.
    write("gguf-array-count.gguf", gguf_file(small, [], raw_metadata=gguf_string("tokenizer.ggml.tokens")
                                             + struct.pack("<IIQ", ARRAY, U32, 1 << 40) + b"\0" * 16))
    # A string length of 2^63.
    write("gguf-string-length.gguf", gguf_file(small, [], raw_metadata=gguf_string("x")[:0]
                                               + struct.pack("<Q", 1 << 63) + b"general.name"))
    # Tensor dimensions whose product wraps 64 bits (llama.cpp: 2^42+1 times a stride).
    write("gguf-dimension-overflow.gguf", gguf_file(small, [("token_embd.weight", [(1 << 31) - 1] * 4, 0, b"\0" * 32)]))
    # general.alignment of 2^62 (rounding the data offset up overflows) and of 0.
    write("gguf-alignment-huge.gguf", gguf_file(small + [("general.alignment", U64, 1 << 62)], []))
    write("gguf-alignment-zero.gguf", gguf_file(small + [("general.alignment", U32, 0)], []))
    # Hyperparameters are refused before the tokenizer and tensors are read, so those cases carry neither.
    hyperparameters = [m for m in gemma_metadata() if not m[0].startswith("tokenizer.")]
    # block_count of 2^40: more layers than the tensor table (and any memory) holds.
    write("gguf-block-count.gguf", gguf_file(
        [m if m[0] != "gemma3.block_count" else ("gemma3.block_count", U64, 1 << 40) for m in hyperparameters], []))
    # Layer sizes whose product wraps (heads x head size).
    write("gguf-head-overflow.gguf", gguf_file(
        [m for m in gemma_metadata(heads=1 << 31, head_dim=1 << 31) if not m[0].startswith("tokenizer.")], []))
    # A token type that is not an Int32, a byte token spelled <0x-1> where <0xFF> should be, and a BOS id beyond
    # the vocabulary: refused with the tokenizer, before the tensors.
    def tokenizer_case(key, value):
        return gguf_file([m if m[0] != key else (key,) + value for m in gemma_metadata()], [])
    types = [m for m in gemma_metadata() if m[0] == "tokenizer.ggml.token_type"][0][2][1]
    write("gguf-token-type.gguf", tokenizer_case("tokenizer.ggml.token_type", (ARRAY, (I64, types[:-1] + [1 << 40]))))
    tokens = GEMMA_TOKENS[:259] + ["<0x-1>"] + GEMMA_TOKENS[260:]
    write("gguf-byte-token.gguf", tokenizer_case("tokenizer.ggml.tokens", (ARRAY, (STRING, tokens))))
    write("gguf-bos-id.gguf", tokenizer_case("tokenizer.ggml.bos_token_id", (U32, 70000)))
    # Two tensors of the same name (a dictionary built from the table traps on the second).
    write("gguf-duplicate-tensor.gguf", gguf_file(small, [("a", [8], 0, b"\0" * 32), ("a", [8], 0, b"\0" * 32)]))


# ---------------------------------------------------------------- WAV


def wav(rate, channels, bits=16, frames=4, data_size=None, format_code=1):
    block = channels * bits // 8
    payload = b"\0" * (frames * block)
    size = len(payload) if data_size is None else data_size
    fmt = struct.pack("<HHIIHH", format_code, channels, rate, rate * block & 0xFFFFFFFF, block & 0xFFFF, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def wav_fixtures():
    for name, data in [("wav-rate-1hz.wav", wav(1, 1)), ("wav-rate-huge.wav", wav(0x7FFFFFFF, 1)),
                       ("wav-channels-1000.wav", wav(16000, 1000))]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    whisper_fixtures()
    gguf_fixtures()
    wav_fixtures()
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) if os.path.isdir(path) else os.path.getsize(path)
        print(f"{name}: {size} bytes")
