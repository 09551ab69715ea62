#!/usr/bin/env python3
"""Reference outputs for the Silero VAD tests: speech probabilities from silero-vad's own ONNX graph under
onnxruntime, and speech timestamps from faster-whisper's get_speech_timestamps on those probabilities.

silero-vad 6.2.3 ships its 16-kHz weights twice with different values: in the ONNX and TorchScript models, and in
`silero_vad_16k.safetensors` (the file Hark reads; conv1 weights differ by up to 4.0). So the reference runs the
ONNX graph `silero_vad_16k_op15.onnx` with its weights replaced by the safetensors tensors (same names, same
shapes): the same network, on the weights Hark uses. faster-whisper's rules then run on those probabilities (its
model is swapped for one that returns them), and, for comparison only, on faster-whisper's own model
(`silero_vad_v6.onnx`).

Run from the repository root after `Models/install.sh vad` and `make long-recording` (`make fixtures`); writes
Tests/Fixtures/vad/reference.json. Needs numpy, soundfile, soxr, onnx, onnxruntime and faster-whisper (pip).
"""
import json, os, subprocess, sys, tempfile, zipfile
import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper
import faster_whisper.vad as fw_vad

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "vad")
MODELS = os.environ.get("HARK_MODELS", os.path.join(ROOT, "Models", "cache"))
WEIGHTS = os.path.join(MODELS, "silero-vad", "silero_vad_16k.safetensors")
LONG = os.path.join(ROOT, ".build", "long-recording", "long.flac")
SILERO_WHEEL = "silero-vad==6.2.3"
RECORDINGS = ["jfk.flac", "librivox-0870.wav", "librivox-0880.wav", "librivox-0890.flac", "asterisk-es-vm-intro.flac",
              "asterisk-fr-vm-intro.flac", "asterisk-it-vm-intro.flac", "asterisk-ru-vm-intro.flac",
              "asterisk-en-demo-instruct.flac"]
# The option sets the tests check: faster-whisper's VadOptions defaults (sequential vad_filter), and the ones its
# BatchedInferencePipeline passes (160 ms pauses, at most 30 s of speech).
OPTIONS = {"default": {}, "batched": {"min_silence_duration_ms": 160, "max_speech_duration_s": 30}}


def load_audio(path):
    """The samples Hark decodes: libsndfile (soundfile), channel mean, libsoxr's high-quality resampler to 16 kHz."""
    import soundfile, soxr
    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    return (soxr.resample(audio, rate, 16000, quality="HQ") if rate != 16000 else audio).astype(np.float32)


def safetensors(path):
    import struct
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    return {k: np.frombuffer(data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], dtype="<f4").reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


def reference_session():
    """silero-vad's 16-kHz ONNX graph with the safetensors weights in place of its own."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", folder, SILERO_WHEEL], check=True)
        wheel = [f for f in os.listdir(folder) if f.endswith(".whl")][0]
        with zipfile.ZipFile(os.path.join(folder, wheel)) as z:
            graph = onnx.load_from_string(z.read("silero_vad/data/silero_vad_16k_op15.onnx"))
    weights = safetensors(WEIGHTS)
    names = {"stft_conv.weight": "model.stft.forward_basis_buffer", "final_conv.weight": "model.decoder.decoder.2.weight",
             "final_conv.bias": "model.decoder.decoder.2.bias"}
    for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        names[f"lstm_cell.{part}"] = f"model.decoder.rnn.{part}"
    for k in range(1, 5):
        names[f"conv{k}.weight"] = f"model.encoder.{k - 1}.reparam_conv.weight"
        names[f"conv{k}.bias"] = f"model.encoder.{k - 1}.reparam_conv.bias"
    replaced = set()
    for initializer in graph.graph.initializer:
        for ours, theirs in names.items():
            if initializer.name == theirs:
                initializer.CopyFrom(numpy_helper.from_array(weights[ours], theirs))
                replaced.add(ours)
    for node in graph.graph.node:  # the small tensors are stored as Constant nodes
        if node.op_type == "Constant" and node.output[0] in names.values():
            ours = [k for k, v in names.items() if v == node.output[0]][0]
            for attribute in node.attribute:
                if attribute.name == "value":
                    attribute.t.CopyFrom(numpy_helper.from_array(weights[ours], ""))
                    replaced.add(ours)
    assert replaced == set(weights), f"not replaced: {set(weights) - replaced}"
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])


def probabilities(session, audio):
    """One probability per 512-sample frame, the last zero-padded; 64 samples of context, state carried (as
    silero-vad's OnnxWrapper runs it)."""
    frames = -(-len(audio) // 512)
    padded = np.pad(audio, (0, frames * 512 - len(audio)))
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros((1, 64), np.float32)
    out = []
    for i in range(frames):
        x = np.concatenate([context, padded[None, i * 512:(i + 1) * 512]], axis=1)
        p, state = session.run(None, {"input": x, "state": state, "sr": np.array(16000, dtype=np.int64)})
        context = x[:, -64:]
        out.append(float(p[0, 0]))
    return out


def speech(audio, probs, options):
    """faster-whisper's get_speech_timestamps on these probabilities (it pads len % 512 up, one more frame when the
    length is a multiple of 512: that frame is all zeros, scored like the last)."""
    class Model:
        def __call__(self, padded):
            frames = len(padded) // 512
            extra = frames - len(probs)
            return np.array(probs + [reference_tail] * extra, dtype=np.float32)
    reference_tail = 0.0
    if len(audio) % 512 == 0:  # score the extra all-zero frame with the network, state carried
        reference_tail = probabilities_tail(audio)
    original = fw_vad.get_vad_model
    fw_vad.get_vad_model = lambda: Model()
    try:
        return [[s["start"], s["end"]] for s in fw_vad.get_speech_timestamps(audio, fw_vad.VadOptions(**options))]
    finally:
        fw_vad.get_vad_model = original


def probabilities_tail(audio):
    return probabilities(SESSION, np.concatenate([audio, np.zeros(512, np.float32)]))[-1]


def stock_speech(audio, options):
    fw_vad.get_vad_model.cache_clear()
    return [[s["start"], s["end"]] for s in fw_vad.get_speech_timestamps(audio, fw_vad.VadOptions(**options))]


SESSION = None


def main():
    global SESSION
    os.makedirs(OUT, exist_ok=True)
    SESSION = reference_session()
    paths = {name: os.path.join(ROOT, "Audio", name) for name in RECORDINGS}
    if os.path.exists(LONG):
        paths["long.flac"] = LONG
    else:
        print(f"{LONG} missing (make long-recording): left out", file=sys.stderr)
    result = {}
    for name, path in paths.items():
        audio = load_audio(path)
        probs = probabilities(SESSION, audio)
        entry = {"samples": len(audio), "probabilities": [round(p, 6) for p in probs]}
        entry["speech"] = {key: speech(audio, probs, options) for key, options in OPTIONS.items()}
        entry["speech_faster_whisper_model"] = {key: stock_speech(audio, options) for key, options in OPTIONS.items()}
        result[name] = entry
        print(name, len(probs), "frames;", {k: len(v) for k, v in entry["speech"].items()}, "stretches")
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
