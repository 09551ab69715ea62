#!/usr/bin/env python3
"""Reference outputs for the Whisper tests, from faster-whisper / CTranslate2 on the same weights.

Run once from the repository root after `Models/install.sh` (`make fixtures`); writes Tests/Fixtures/whisper/.
"""
import json, os, sys
import numpy as np
import ctranslate2
from faster_whisper import WhisperModel
from faster_whisper.feature_extractor import FeatureExtractor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "whisper")
MODELS = os.environ.get("HARK_MODELS", os.path.join(ROOT, "Models", "cache"))
os.makedirs(OUT, exist_ok=True)

# Every bundled recording, with the language the data knows (passed to the recognizer, as Hark does).
SAMPLES = {
    "jfk.flac": "en", "librivox-0870.wav": "en", "librivox-0880.wav": "en", "librivox-0890.flac": "en",
    "asterisk-es-vm-intro.flac": "es", "asterisk-fr-vm-intro.flac": "fr", "asterisk-it-vm-intro.flac": "it",
    "asterisk-ru-vm-intro.flac": "ru", "asterisk-en-demo-instruct.flac": "en",
}


def load_audio(name):
    """The samples Hark decodes: libsndfile (soundfile), channel mean, libsoxr's high-quality resampler to 16 kHz
    (the same library and quality Hark streams through), so both recognizers hear the same audio."""
    import soundfile, soxr
    audio, rate = soundfile.read(os.path.join(ROOT, "Audio", name), dtype="float32", always_2d=True)
    return soxr.resample(audio.mean(axis=1), rate, 16000, quality="HQ").astype(np.float32)


def transcripts():
    out = {}
    for model_name in ("whisper-base", "whisper-tiny.en"):
        model = WhisperModel(os.path.join(MODELS, model_name), device="cpu", compute_type="float32", cpu_threads=2)
        for name, lang in SAMPLES.items():
            if model_name == "whisper-tiny.en" and lang != "en":
                continue
            audio = load_audio(name)
            entry = {}
            for label, beam in (("greedy", 1), ("beam5", 5)):
                segments, info = model.transcribe(audio, language=lang if model_name == "whisper-base" else None,
                                                  beam_size=beam, temperature=0.0, without_timestamps=True,
                                                  condition_on_previous_text=False, vad_filter=False)
                entry[label] = "".join(s.text for s in segments)
            if model_name == "whisper-base":
                _, _, probs = model.detect_language(audio)
                entry["detected"] = [[l, round(p, 4)] for l, p in probs[:3]]
            out[f"{model_name}/{name}"] = entry
            print(model_name, name, entry, flush=True)
    with open(os.path.join(OUT, "transcripts.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


def engine_internals():
    """Encoder output and first-step log-probs for one window, plus the exact input samples used."""
    audio = load_audio("librivox-0880.wav")
    np.save(os.path.join(OUT, "librivox-0880-samples.npy"), audio.astype(np.float32))
    features = FeatureExtractor()(audio)                    # faster-whisper pads 160 samples
    window = np.zeros((80, 3000), dtype=np.float32)
    window[:, :min(3000, features.shape[1])] = features[:, :3000]
    model = ctranslate2.models.Whisper(os.path.join(MODELS, "whisper-base"), device="cpu", compute_type="float32")
    view = ctranslate2.StorageView.from_array(window[None])
    encoded = np.array(model.encode(view, to_cpu=True))[0]   # [1500, 512]
    np.save(os.path.join(OUT, "librivox-0880-encoder-rows.npy"), np.ascontiguousarray(encoded[::100]))  # 15 rows
    np.save(os.path.join(OUT, "librivox-0880-encoder-norms.npy"), np.linalg.norm(encoded, axis=1).astype(np.float32))
    prompt = [50258, 50259, 50359, 50363]                   # sot, en, transcribe, notimestamps
    result = model.generate(view, [prompt], beam_size=1, return_logits_vocab=True, max_length=6,
                            suppress_blank=False, suppress_tokens=[])[0]
    logits = np.array(result.logits[0][0], dtype=np.float64)
    logprobs = logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()
    np.save(os.path.join(OUT, "librivox-0880-step0-logprobs.npy"), logprobs.astype(np.float32))
    print("first step top-5:", np.argsort(-logprobs)[:5], "encoder norm mean", np.linalg.norm(encoded, axis=1).mean())


TOKENIZER_TEXTS = [
    " Hello world.", " And so, my fellow Americans, ask not what your country can do for you.",
    " It's 28.8 kilobits, isn't it?", " Por favor, déjese su mensaje después del tono.",
    " Оставьте сообщение после сигнала.", " 東京は日本の首都です。", " naïve café — 100% sure!",
    "  two  spaces and\ttabs", " emoji 🙂 test", " Dashwood's PBX, IAX & VoIP",
]


def tokenizer_ids():
    """Token ids of prompt texts from faster-whisper's tokenizer (the Hugging Face tokenizer.json)."""
    from faster_whisper.tokenizer import Tokenizer
    import tokenizers
    hf = tokenizers.Tokenizer.from_file(os.path.join(MODELS, "whisper-base", "tokenizer.json"))
    tokenizer = Tokenizer(hf, multilingual=True, task="transcribe", language="en")
    out = [{"text": t, "ids": tokenizer.encode(t)} for t in TOKENIZER_TEXTS]
    for entry in out:
        assert tokenizer.decode(entry["ids"]) == entry["text"], entry
    with open(os.path.join(OUT, "tokenizer.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


# Long recordings with pauses, made from the bundled clips; the Swift test builds the same sample arrays.
GAP_CASES = {
    "pause-then-late-start": [("librivox-0880.wav", 0), (None, 10), ("jfk.flac", 0), (None, 2), ("librivox-0870.wav", 0),
                              ("librivox-0890.flac", 0), ("jfk.flac", 0), ("librivox-0880.wav", 0), ("librivox-0870.wav", 0)],
    "long-pause-across-window": [("librivox-0880.wav", 0), (None, 6), ("librivox-0890.flac", 0), (None, 14), ("jfk.flac", 0),
                                 ("librivox-0870.wav", 0), ("librivox-0890.flac", 0), ("jfk.flac", 0)],
}


def long_form_gaps():
    """faster-whisper greedy without timestamps on long audio with pauses: it seeks a whole window after each
    window and loses the speech after an early end-of-text."""
    model = WhisperModel(os.path.join(MODELS, "whisper-base"), device="cpu", compute_type="float32", cpu_threads=2)
    out = {}
    for case, parts in GAP_CASES.items():
        audio = np.concatenate([load_audio(n) if n else np.zeros(int(s * 16000), np.float32) for n, s in parts])
        segments, _ = model.transcribe(audio, language="en", beam_size=1, temperature=0.0, without_timestamps=True,
                                       condition_on_previous_text=False, vad_filter=False)
        out[case] = "".join(s.text for s in segments)
        print(case, out[case])
    with open(os.path.join(OUT, "long-form-gaps.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


def word_alignment():
    """CTranslate2's align() (the DTW over alignment-head cross-attention that faster-whisper's word_timestamps
    uses) on the first window of two recordings: each text token's start time, before faster-whisper's
    duration and punctuation heuristics."""
    fw = WhisperModel(os.path.join(MODELS, "whisper-base"), device="cpu", compute_type="float32", cpu_threads=2)
    model = fw.model
    out = {}
    for name in ("jfk.flac", "asterisk-en-demo-instruct.flac"):
        audio = load_audio(name)
        segments, _ = fw.transcribe(audio[:30 * 16000], language="en", beam_size=1, temperature=0.0,
                                    without_timestamps=True, condition_on_previous_text=False, vad_filter=False)
        tokens = [t for s in segments for t in s.tokens if t < 50257]
        features = FeatureExtractor()(audio)
        content = min(3000, features.shape[1] - 1)
        window = np.zeros((80, 3000), dtype=np.float32)
        window[:, :content] = features[:, :content]
        encoded = model.encode(ctranslate2.StorageView.from_array(window[None]), to_cpu=True)
        result = model.align(encoded, [50258, 50259, 50359], [tokens], content, median_filter_width=7)[0]
        text_indices = np.array([p[0] for p in result.alignments])
        time_indices = np.array([p[1] for p in result.alignments])
        jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
        starts = (time_indices[jumps] / 50.0).round(2).tolist()
        probabilities = [round(float(p), 6) for p in result.text_token_probs]
        out[name] = {"tokens": tokens, "content_frames": int(content), "token_starts": starts,
                     "token_probabilities": probabilities}
        print(name, len(tokens), "tokens; starts", starts[:8], "...", starts[-3:])
    with open(os.path.join(OUT, "word-alignment.json"), "w") as f:
        json.dump(out, f, indent=1)


def words():
    """faster-whisper's word_timestamps=True (its defaults: beam 5, punctuation merged, duration rules) on the
    bundled English recordings: each segment's words with start, end and probability."""
    fw = WhisperModel(os.path.join(MODELS, "whisper-base"), device="cpu", compute_type="float32", cpu_threads=2)
    out = {}
    for name, lang in SAMPLES.items():
        if lang != "en":
            continue
        segments, _ = fw.transcribe(load_audio(name), language="en", word_timestamps=True, vad_filter=False)
        out[name] = [{"start": s.start, "end": s.end, "text": s.text,
                      "words": [{"word": w.word, "start": w.start, "end": w.end, "probability": round(w.probability, 6)}
                                for w in s.words]} for s in segments]
        print(name, sum(len(s["words"]) for s in out[name]), "words")
    with open(os.path.join(OUT, "words.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    what = sys.argv[1:] or ["internals", "transcripts", "gaps", "tokenizer", "alignment", "words"]
    if "words" in what:
        words()
    if "alignment" in what:
        word_alignment()
    if "tokenizer" in what:
        tokenizer_ids()
    if "gaps" in what:
        long_form_gaps()
    if "internals" in what:
        engine_internals()
    if "transcripts" in what:
        transcripts()
