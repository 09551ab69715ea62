#!/usr/bin/env python3
"""Reference outputs for the Audio and Features tests, from the reference implementations.

Run once from the repository root (`make fixtures`); the small outputs under Tests/Fixtures/ are committed.
Needs: numpy, soundfile, librosa, faster-whisper (pip), sox, flac, oggenc, opusenc, lame (Debian), and the
openai/whisper source for mel_filters.npz (OPENAI_WHISPER_GIT, a git dir of github.com/openai/whisper).
"""
import io, os, struct, subprocess, sys
import numpy as np
import soundfile as sf
import librosa

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures")
FEAT = os.path.join(OUT, "features")
AUD = os.path.join(OUT, "audio")
os.makedirs(FEAT, exist_ok=True)
os.makedirs(AUD, exist_ok=True)


def load16k(name):
    x, sr = sf.read(os.path.join(ROOT, "Audio", name), dtype="float32")
    assert sr == 16000 and x.ndim == 1, (name, sr, x.shape)
    return x


def whisper_mel_filters(n_mels):
    git_dir = os.environ.get("OPENAI_WHISPER_GIT", "/work/.mirror/openai+whisper/repo")
    blob = subprocess.run(["git", "--git-dir", git_dir, "show", "HEAD:whisper/assets/mel_filters.npz"],
                          check=True, capture_output=True).stdout
    with np.load(io.BytesIO(blob)) as f:
        return f[f"mel_{n_mels}"]


def whisper_log_mel(audio, filters):
    """openai-whisper's log_mel_spectrogram in float64 numpy: torch.stft(400, 160, hann periodic, center reflect)."""
    n_fft, hop = 400, 160
    x = np.pad(audio.astype(np.float64), n_fft // 2, mode="reflect")
    window = np.hanning(n_fft + 1)[:-1]
    frames = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    spec = np.fft.rfft(x[idx] * window, axis=1)
    power = np.abs(spec[:-1]) ** 2                      # drop the last frame, as whisper does
    mel = power @ filters.T.astype(np.float64)         # [frames, mels]
    log_spec = np.log10(np.clip(mel, 1e-10, None))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)


def dmel_tokens(audio, hop=200):
    """The dMel recipe: STFT(n_fft 1024, hann 800 centred, hop 200, reflect), amplitude, Slaney mel 80ch
    80-7600 Hz, log10 floor 1e-10, clip [-7, 2], nearest of 16 centres -7 + 0.6k (ties to the lower)."""
    stft = librosa.stft(audio.astype(np.float64), n_fft=1024, hop_length=hop, win_length=800, window="hann",
                        center=True, pad_mode="reflect")
    magnitude = np.sqrt(np.maximum(np.abs(stft) ** 2, 1e-10))
    filters = librosa.filters.mel(sr=16000, n_fft=1024, n_mels=80, fmin=80, fmax=7600, dtype=np.float64)
    log_mel = np.log10(np.maximum(filters @ magnitude, 1e-10)).T   # [frames, 80]
    position = (np.clip(log_mel, -7, 2) + 7) / 0.6
    return np.clip(np.ceil(position - 0.5), 0, 15).astype(np.uint8)


def features_fixtures():
    for n in (80, 128):
        np.save(os.path.join(FEAT, f"mel_filters_{n}.npy"), whisper_mel_filters(n).astype(np.float32))
    from faster_whisper.feature_extractor import FeatureExtractor
    cases = [("librivox-0870.wav", 80), ("librivox-0880.wav", 80), ("librivox-0880.wav", 128)]
    for name, n in cases:
        audio = load16k(name)
        ref = whisper_log_mel(audio, whisper_mel_filters(n))
        fw = FeatureExtractor(feature_size=n)(audio, padding=0)[:, :-0 or None].T
        print(f"{name} {n}: frames {ref.shape[0]}, max |openai - faster-whisper| = {np.abs(fw[:ref.shape[0]] - ref).max():.2e}")
        np.save(os.path.join(FEAT, f"{os.path.splitext(name)[0]}-logmel{n}.npy"), ref)
    for name in ("librivox-0870.wav", "librivox-0890.flac"):
        tokens = np.ascontiguousarray(dmel_tokens(load16k(name)))
        print(f"{name} dmel: {tokens.shape}")
        np.save(os.path.join(FEAT, f"{os.path.splitext(name)[0]}-dmel.npy"), tokens)


def sh(*args):
    subprocess.run(args, check=True, capture_output=True)


def audio_fixtures():
    """One second of real speech in every format and layout the Audio stage must read, plus broken files."""
    speech = load16k("librivox-0870.wav")
    clip = speech[int(1.0 * 16000):int(2.0 * 16000)]
    np.save(os.path.join(AUD, "clip16k.npy"), clip)
    base = os.path.join(AUD, "clip16k.wav")
    sf.write(base, clip, 16000, subtype="PCM_16")
    p = lambda name: os.path.join(AUD, name)
    for subtype, name in [("PCM_U8", "clip-u8.wav"), ("PCM_24", "clip-s24.wav"), ("PCM_32", "clip-s32.wav"),
                          ("FLOAT", "clip-f32.wav"), ("DOUBLE", "clip-f64.wav")]:
        sf.write(p(name), clip, 16000, subtype=subtype)
    sh("flac", "-s", "-f", "-o", p("clip.flac"), base)
    sh("oggenc", "-Q", "-q", "4", "-o", p("clip.ogg"), base)
    sh("opusenc", "--quiet", "--bitrate", "32", base, p("clip.opus"))
    sh("lame", "--quiet", "-b", "64", base, p("clip.mp3"))
    # Other rates and two channels: sox's very-high-quality resampler, the same signal in both channels.
    sh("sox", base, "-c", "2", p("clip-44k-stereo.flac"), "rate", "-v", "44100")
    sh("sox", base, "-c", "2", p("clip-48k-stereo.flac"), "rate", "-v", "48000")
    sh("sox", base, p("clip-8k.wav"), "rate", "-v", "8000")
    # Broken inputs.
    wav = open(base, "rb").read()
    open(p("bad-empty.wav"), "wb").close()
    with open(p("bad-text.wav"), "w") as f:
        f.write("This is a text file, not audio.\n")
    open(p("bad-truncated.wav"), "wb").write(wav[:44 + 2 * 4000 + 1])          # ends mid-sample
    data_size_offset = wav.index(b"data") + 4
    claims_more = bytearray(wav[:44 + 2 * 4000])
    struct.pack_into("<I", claims_more, data_size_offset, 2 * 16000)               # header says 1 s, file holds 0.25 s
    open(p("bad-claims-more.wav"), "wb").write(bytes(claims_more))
    fmt = wav.index(b"fmt ") + 8
    zero_channels = bytearray(wav[:44 + 2 * 1600]); struct.pack_into("<H", zero_channels, fmt + 2, 0)
    open(p("bad-zero-channels.wav"), "wb").write(bytes(zero_channels))
    zero_rate = bytearray(wav[:44 + 2 * 1600]); struct.pack_into("<I", zero_rate, fmt + 4, 0)
    open(p("bad-zero-rate.wav"), "wb").write(bytes(zero_rate))
    poisoned = clip[:1600].copy(); poisoned[800] = np.nan
    sf.write(p("bad-nan.wav"), poisoned, 16000, subtype="FLOAT")
    poisoned = clip[:1600].copy(); poisoned[100] = np.inf
    sf.write(p("bad-inf.wav"), poisoned, 16000, subtype="FLOAT")
    os.remove(base)


if __name__ == "__main__":
    what = sys.argv[1:] or ["audio", "features"]
    if "audio" in what:
        audio_fixtures()
    if "features" in what:
        features_fixtures()
