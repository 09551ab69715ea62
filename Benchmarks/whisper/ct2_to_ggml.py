#!/usr/bin/env python3
"""Converts a CTranslate2 Whisper model folder (model.bin, tokenizer.json) to whisper.cpp's ggml file, keeping the
same float16 weights, so that whisper.cpp decodes with the weights Hark and faster-whisper use.
Usage: ct2_to_ggml.py CT2_DIR OUT.bin"""
import json, re, struct, sys
import numpy as np

DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(path):
    """Variables of a CTranslate2 model.bin by name, aliases resolved (layout as in Sources/Whisper/ModelFile.swift)."""
    data, pos = open(path, "rb").read(), 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def string():
        nonlocal pos
        (n,) = take("H")
        pos += n
        return data[pos - n:pos].rstrip(b"\0").decode()

    version = take("I")[0]
    assert version in (5, 6), f"unsupported model.bin version {version}"
    spec, _revision, count = string(), take("I")[0], take("I")[0]
    assert spec == "WhisperSpec", f"not a Whisper model: {spec}"
    out = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        shape = take(f"{rank}I")
        dtype, nbytes = take("B")[0], take("I")[0]
        if dtype not in DTYPES:
            sys.exit(f"{name}: dtype {dtype} not supported (bfloat16)")
        out[name] = np.frombuffer(data, DTYPES[dtype], nbytes // np.dtype(DTYPES[dtype]).itemsize, pos).reshape(shape)
        pos += nbytes
    if pos + 4 <= len(data):
        for _ in range(take("I")[0]):
            alias, target = string(), string()
            out[alias] = out[target]
    return out


def mel_filters(sr=16000, n_fft=400, n_mels=80):
    """Slaney-style mel filterbank (librosa.filters.mel defaults, as openai-whisper ships), shape (n_mels, n_fft//2+1)."""
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp

    def hz_to_mel(f):
        return f / f_sp if f < min_log_hz else min_log_mel + np.log(f / min_log_hz) / logstep

    mels = np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2)
    edges = np.where(mels < min_log_mel, f_sp * mels, min_log_hz * np.exp(logstep * (mels - min_log_mel)))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    widths = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling))
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)  # area normalisation


def byte_decoder():
    """GPT-2's byte-level BPE alphabet, printable character -> byte."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars, extra = {b: b for b in printable}, 0
    for b in range(256):
        if b not in chars:
            chars[b], extra = 256 + extra, extra + 1
    return {chr(c): b for b, c in chars.items()}


def tensors(v, n_enc, n_dec):
    """(openai-whisper name, array) pairs in the shapes whisper.cpp expects; fused projections split."""
    yield "encoder.positional_embedding", v["encoder/position_encodings/encodings"]
    for i in (1, 2):
        yield f"encoder.conv{i}.weight", v[f"encoder/conv{i}/weight"]
        yield f"encoder.conv{i}.bias", v[f"encoder/conv{i}/bias"].reshape(-1, 1)  # whisper.cpp wants [n, 1]
    yield "encoder.ln_post.weight", v["encoder/layer_norm/gamma"]
    yield "encoder.ln_post.bias", v["encoder/layer_norm/beta"]
    yield "decoder.positional_embedding", v["decoder/position_encodings/encodings"]
    yield "decoder.token_embedding.weight", v["decoder/embeddings/weight"]
    yield "decoder.ln.weight", v["decoder/layer_norm/gamma"]
    yield "decoder.ln.bias", v["decoder/layer_norm/beta"]

    def block(src, dst, layers):
        for i in range(layers):
            s, d = f"{src}/layer_{i}", f"{dst}.blocks.{i}"
            attn = [(f"{s}/self_attention", f"{d}.attn")] + ([(f"{s}/attention", f"{d}.cross_attn")] if src == "decoder" else [])
            for ct, oa in attn:
                yield oa + "_ln.weight", v[f"{ct}/layer_norm/gamma"]
                yield oa + "_ln.bias", v[f"{ct}/layer_norm/beta"]
                if oa.endswith("cross_attn"):  # linear_0 = query, linear_1 = fused key|value, linear_2 = out
                    q_w, q_b = v[f"{ct}/linear_0/weight"], v[f"{ct}/linear_0/bias"]
                    (k_w, v_w), (k_b, v_b) = np.split(v[f"{ct}/linear_1/weight"], 2), np.split(v[f"{ct}/linear_1/bias"], 2)
                    out = f"{ct}/linear_2"
                else:  # linear_0 = fused query|key|value, linear_1 = out
                    (q_w, k_w, v_w), (q_b, k_b, v_b) = np.split(v[f"{ct}/linear_0/weight"], 3), np.split(v[f"{ct}/linear_0/bias"], 3)
                    out = f"{ct}/linear_1"
                # openai-whisper's key projection has no bias; CTranslate2 stores zeros there (and a constant
                # added to every key of a query would not change the softmax anyway).
                assert not np.any(k_b), f"{ct}: non-zero key bias"
                yield oa + ".query.weight", q_w
                yield oa + ".query.bias", q_b
                yield oa + ".key.weight", k_w
                yield oa + ".value.weight", v_w
                yield oa + ".value.bias", v_b
                yield oa + ".out.weight", v[f"{out}/weight"]
                yield oa + ".out.bias", v[f"{out}/bias"]
            yield d + ".mlp_ln.weight", v[f"{s}/ffn/layer_norm/gamma"]
            yield d + ".mlp_ln.bias", v[f"{s}/ffn/layer_norm/beta"]
            for ct, oa in ((0, 0), (1, 2)):
                yield f"{d}.mlp.{oa}.weight", v[f"{s}/ffn/linear_{ct}/weight"]
                yield f"{d}.mlp.{oa}.bias", v[f"{s}/ffn/linear_{ct}/bias"]

    yield from block("encoder", "encoder", n_enc)
    yield from block("decoder", "decoder", n_dec)


def main(src, dst):
    v = read_ct2(f"{src}/model.bin")
    n_enc = len({m.group(1) for k in v if (m := re.match(r"encoder/layer_(\d+)/", k))})
    n_dec = len({m.group(1) for k in v if (m := re.match(r"decoder/layer_(\d+)/", k))})
    n_vocab, n_state = v["decoder/embeddings/weight"].shape
    n_mels = v["encoder/conv1/weight"].shape[1]
    hparams = [n_vocab, v["encoder/position_encodings/encodings"].shape[0], n_state, v["encoder/num_heads"].item(), n_enc,
               v["decoder/position_encodings/encodings"].shape[0], n_state, v["decoder/num_heads"].item(), n_dec, n_mels, 1]

    # Byte-level BPE tokens in id order, up to the first special token (whisper.cpp names the specials itself).
    tok = json.load(open(f"{src}/tokenizer.json", encoding="utf-8"))
    special = {t["content"] for t in tok["added_tokens"] if t.get("special")}
    by_id = sorted((i, t) for t, i in tok["model"]["vocab"].items() if t not in special)
    assert [i for i, _ in by_id] == list(range(len(by_id))), "token ids are not contiguous"
    decode = byte_decoder()
    words = [bytes(decode[c] for c in t) for _, t in by_id]

    with open(dst, "wb") as f:
        f.write(struct.pack("<12i", 0x67676D6C, *hparams))  # magic "ggml", hparams, ftype 1 (float16 matrices)
        filters = mel_filters(n_mels=n_mels)
        f.write(struct.pack("<2i", *filters.shape) + filters.tobytes())
        f.write(struct.pack("<i", len(words)))
        for w in words:
            f.write(struct.pack("<i", len(w)) + w)
        count = 0
        for name, a in tensors(v, n_enc, n_dec):
            # Like convert-pt-to-ggml.py: 1-D tensors, conv biases and positional embeddings float32, the rest float16.
            f32 = a.ndim < 2 or name.endswith(("conv1.bias", "conv2.bias", "positional_embedding"))
            a = np.ascontiguousarray(a, np.float32 if f32 else np.float16)
            raw = name.encode()
            f.write(struct.pack(f"<{3 + a.ndim}i", a.ndim, len(raw), 0 if f32 else 1, *reversed(a.shape)) + raw)
            f.write(a.tobytes())
            count += 1
    print(f"{dst}: {count} tensors, {len(words)} tokens, hparams {hparams}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
