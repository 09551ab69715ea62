#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (Tests/Fuzz/corpus/<target>/): real files cut small, plus the crafted cases.

Small seeds let libFuzzer's mutations reach the structure rather than the data. Needs the crafted fixtures
(Tests/Fixtures/make_crafted_fixtures.py) and a built hark (for the .dmel seed).
Usage: python3 Tests/Fuzz/make_corpus.py
"""
import glob, json, os, shutil, struct, subprocess
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(root, "Tests", "Fuzz", "corpus")
crafted = os.path.join(root, "Tests", "Fixtures", "crafted")
fixtures_audio = os.path.join(root, "Tests", "Fixtures", "audio")


def seed(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def npy(array):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (array.dtype.str, str(array.shape))
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + array.tobytes()


def safetensors(tensors):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, array in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(a.tobytes() for a in tensors.values())


def main():
    shutil.rmtree(corpus, ignore_errors=True)
    for path in glob.glob(os.path.join(crafted, "*.gguf")):
        seed("gguf", os.path.basename(path), read(path))
    for path in glob.glob(os.path.join(crafted, "*", "model.bin")):
        seed("ctranslate2", os.path.basename(os.path.dirname(path)) + ".bin", read(path))
    tiny = os.path.join(crafted, "tiny-whisper")
    seed("whisper-tokenizer", "tiny", read(os.path.join(tiny, "vocabulary.json")) + b"\0" + read(os.path.join(tiny, "tokenizer.json")))
    seed("whisper-tokenizer", "no-timestamps", json.dumps(["a", "<|endoftext|>"]).encode() + b"\0{}")
    for name in ["clip-8k.wav", "clip-u8.wav", "bad-truncated.wav", "bad-zero-rate.wav", "bad-text.wav", "clip.opus", "clip.mp3"]:
        seed("audio", name, read(os.path.join(fixtures_audio, name))[:4096])
    for path in glob.glob(os.path.join(crafted, "wav-*.wav")):
        seed("audio", os.path.basename(path), read(path)[:4096])
    seed("pcm", "s16-16k-mono", bytes([0x12]) + np.arange(-64, 64, dtype=np.int16).tobytes())
    seed("pcm", "f32-48k-stereo", bytes([0x29]) + np.linspace(-1, 1, 64, dtype=np.float32).tobytes())
    seed("safetensors", "two-tensors", safetensors({"a": np.arange(6, dtype=np.float32).reshape(2, 3),
                                                    "conv1.bias": np.zeros(128, np.float32)}))
    silero = read(os.path.join(root, "Models", "cache", "silero-vad", "silero_vad_16k.safetensors"))
    seed("safetensors", "silero-index", silero[:8 + struct.unpack("<Q", silero[:8])[0]])
    seed("npy", "f4.npy", npy(np.arange(6, dtype=np.float32).reshape(2, 3)))
    seed("npy", "f8.npy", npy(np.arange(4, dtype=np.float64)))
    seed("npy", "u1.npy", npy(np.arange(8, dtype=np.uint8).reshape(2, 2, 2)))
    hark = os.path.join(root, ".build", "release", "hark")
    clip = os.path.join(root, "Tests", "Fuzz", "clip.wav")
    import soundfile as sf
    samples, rate = sf.read(os.path.join(fixtures_audio, "clip-8k.wav"), dtype="float32")
    sf.write(clip, samples[:800], rate)
    dmel = os.path.join(corpus, "clip.dmel")
    subprocess.run([hark, "tokenize", clip, "-o", dmel], check=True, capture_output=True)
    seed("dmel", "clip.dmel", read(dmel))
    os.remove(dmel)
    os.remove(clip)
    manifest = [{"id": "a1", "lang": "en", "task": "asr", "audio": ["a.wav"], "text": "hello"},
                {"id": "t1", "lang": "fr", "task": "topic", "audio": ["b.flac"], "label": "sports"},
                {"id": "m1", "lang": "es", "task": "mcq", "audio": ["c.wav"], "text": "p", "question": "q",
                 "options": ["x", "y"], "answer": 1, "dataset_asr": ["p"], "asr_lang": "es"}]
    seed("manifest", "items.jsonl", ("\n".join(json.dumps(m) for m in manifest) + "\n# comment\n{bad\n").encode())
    record = {"key": "k", "item": "a1", "lang": "en", "task": "asr", "config": "asr", "manifest": "m.jsonl", "line": 1,
              "transcripts": [{"text": "hello", "score": -1.5}], "word_errors": {"edits": 1, "reference_length": 2},
              "character_errors": {"edits": 1, "reference_length": 5}, "seconds": 0.5}
    topic = {"key": "k2", "item": "t1", "lang": "fr", "task": "topic", "config": "n1/cal", "manifest": "m.jsonl", "line": 2,
             "prediction": "sports", "expected": "sports", "correct": True, "scores": {"sports": -0.1, "health": -2.0}}
    seed("results", "results.jsonl", (json.dumps(record) + "\n" + json.dumps(topic) + "\n{\"key\": \"partial").encode())
    boundary = "b0undary"
    form = (f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nword\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="temperature"\r\n\r\n0.2\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            f'Content-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n--{boundary}--\r\n')
    seed("multipart", "form", f'multipart/form-data; boundary="{boundary}"\n{form}'.encode())
    seed("multipart", "json", b'application/json\n{"text": "hi", "labels": ["a", "b"], "n_best": 3, "stream": true}')
    frames = b"".join(bytes([len(chunk) // 7]) + chunk for chunk in [np.arange(-7, 7, dtype=np.int16).tobytes(), b"\x01" * 21])
    seed("stream", "s16le", b"format=s16le&rate=16000&channels=1&step_ms=100\n" + frames)
    seed("stream", "f32le-stereo", b"format=f32le&rate=48000&channels=2\n" + bytes([4]) + np.linspace(-1, 1, 7, dtype=np.float32).tobytes())
    for target in sorted(os.listdir(corpus)):
        files = os.listdir(os.path.join(corpus, target))
        print(f"{target}: {len(files)} seeds, {sum(os.path.getsize(os.path.join(corpus, target, f)) for f in files)} bytes")


if __name__ == "__main__":
    main()
