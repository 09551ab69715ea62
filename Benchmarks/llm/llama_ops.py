#!/usr/bin/env python3
"""Checks, op by op, that Hark's reading of llama.cpp's arithmetic is right: runs llama.cpp (llama-cpp-python) on
the GGUF with an eval callback that copies every intermediate tensor, then recomputes each op of every layer in
numpy from llama.cpp's own inputs, with the roundings Hark reproduces (8-bit activation rows before quantized
products, half-precision V, GELU through a half table, RMS norms summed in double), and prints the relative error.
Errors near 1e-7 mean the op is reproduced up to summation order; a last-bit difference there can still move an
8-bit rounding, which is why whole-model logits differ more (see Gemma3Tests).
Usage: llama_ops.py MODEL.gguf [TOKEN_IDS, default 2,818,5279,529,7001,563 = "<bos>The capital of France is"]
"""
import ctypes as C, glob, os, sys
import numpy as np
import llama_cpp
from gguf import GGUFReader
from gguf.quants import dequantize


class Tensor(C.Structure):
    pass


# struct ggml_tensor, as in ggml.h (GGML_MAX_DIMS 4, GGML_MAX_OP_PARAMS 64 bytes, GGML_MAX_SRC 10, GGML_MAX_NAME 64)
Tensor._fields_ = [("type", C.c_int), ("buffer", C.c_void_p), ("ne", C.c_int64 * 4), ("nb", C.c_size_t * 4),
                   ("op", C.c_int), ("op_params", C.c_int32 * 16), ("flags", C.c_int32),
                   ("src", C.POINTER(Tensor) * 10), ("view_src", C.c_void_p), ("view_offs", C.c_size_t),
                   ("data", C.c_void_p), ("name", C.c_char * 64), ("extra", C.c_void_p), ("padding", C.c_char * 8)]


def llama_intermediates(model, tokens):
    """Every F32 tensor llama.cpp computes for one batch, by name (later tensors of the same name win)."""
    found = {}

    @llama_cpp.ggml_backend_sched_eval_callback
    def keep(pointer, ask, _):
        t = C.cast(pointer, C.POINTER(Tensor)).contents
        if not ask and t.type == 0 and t.data:  # GGML_TYPE_F32
            ne, nb = list(t.ne), list(t.nb)
            raw = np.frombuffer((C.c_char * (nb[3] * ne[3])).from_address(t.data), dtype=np.uint8)
            view = np.lib.stride_tricks.as_strided(raw, shape=(ne[3], ne[2], ne[1], ne[0] * 4), strides=(nb[3], nb[2], nb[1], 1))
            found[t.name.decode()] = np.ascontiguousarray(view).view(np.float32).reshape(-1, ne[0]).copy()
        return True

    params = llama_cpp.llama_context_default_params()
    params.n_ctx, params.n_threads, params.n_threads_batch = 512, 2, 2
    params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED  # as the reference fixture (Llama's default)
    params.cb_eval = keep
    weights = llama_cpp.llama_model_load_from_file(model.encode(), llama_cpp.llama_model_default_params())
    context = llama_cpp.llama_init_from_model(weights, params)
    ids = (llama_cpp.llama_token * len(tokens))(*tokens)
    assert llama_cpp.llama_decode(context, llama_cpp.llama_batch_get_one(ids, len(tokens))) == 0
    return found


def q8_0(x):
    blocks = x.reshape(-1, 32)
    amax = np.abs(blocks).max(1, keepdims=True)
    scale = (amax / np.float32(127)).astype(np.float16).astype(np.float32)
    inverse = np.where(amax != 0, np.float32(127) / np.where(amax == 0, 1, amax), 0).astype(np.float32)
    return (scale * np.round(blocks * inverse)).reshape(x.shape)


def q8_K(x):
    blocks = x.reshape(-1, 256)
    signed_max = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(1)][:, None]
    inverse = np.float32(-127) / signed_max
    return ((np.float32(1) / inverse) * np.minimum(127, np.round(inverse * blocks))).reshape(x.shape)


def gelu_half_table(x):
    h = x.astype(np.float16).astype(np.float32)
    g = (0.5 * h * (1 + np.tanh(np.float32(0.7978845608028654) * h * (1 + np.float32(0.044715) * h * h)))).astype(np.float16).astype(np.float32)
    return np.where(x <= -10, 0, np.where(x >= 10, x, g))


def main():
    model = sys.argv[1]
    tokens = [int(t) for t in (sys.argv[2] if len(sys.argv) > 2 else "2,818,5279,529,7001,563").split(",")]
    reader = GGUFReader(model)
    stored = {t.name: t for t in reader.tensors}

    def weight(name):
        t = stored[name]
        values = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        return values.reshape([int(d) for d in reversed(t.shape)]) if len(t.shape) > 1 else values.reshape(-1)

    def product(x, name):
        kind = stored[name].tensor_type.name
        rounded = q8_0(x) if kind in ("Q8_0", "Q5_0", "Q4_0") else q8_K(x) if kind.endswith("_K") else x
        return rounded @ weight(name).T

    def rms(x, w):
        squares = (x * x).astype(np.float64).sum(-1, keepdims=True)
        return (x * (np.float32(1) / np.sqrt((squares / x.shape[-1]).astype(np.float32) + np.float32(1e-6)))) * w

    got = llama_intermediates(model, tokens)

    def relative(a, b):
        a = a[-len(b):]  # the last layer keeps only the rows whose logits are asked for (the last token's)
        return float(np.linalg.norm(a - b) / np.linalg.norm(b))

    print("layer  ffn_norm  gate      up        geglu     down      post_ffn  attn_out  v")
    for layer in range(int(reader.fields["gemma3.block_count"].parts[-1][0])):
        p, g = f"blk.{layer}.", (lambda n: got[f"{n}-{layer}"])
        checks = [relative(rms(g("sa_out"), weight(p + "ffn_norm.weight")), g("ffn_norm")),
                  relative(product(g("ffn_norm"), p + "ffn_gate.weight"), g("ffn_gate")),
                  relative(product(g("ffn_norm"), p + "ffn_up.weight"), g("ffn_up")),
                  relative(gelu_half_table(g("ffn_gate")) * g("ffn_up"), g("ffn_geglu")),
                  relative(product(g("ffn_geglu"), p + "ffn_down.weight"), g("ffn_out")),
                  relative(rms(g("ffn_out"), weight(p + "post_ffw_norm.weight")), g("ffn_post_norm")),
                  relative(rms(product(g("kqv_out"), p + "attn_output.weight"), weight(p + "post_attention_norm.weight")), g("attn_post_norm")),
                  relative(product(g("attn_norm"), p + "attn_v.weight"), g("Vcur").reshape(len(tokens), -1))]
        print(f"{layer:5d}  " + "  ".join(f"{c:.1e}" for c in checks))


if __name__ == "__main__":
    main()
