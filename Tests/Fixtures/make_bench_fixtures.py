#!/usr/bin/env python3
"""Miniature replicas of the datasets `hark bench` imports, for the importer tests (no real data is reachable here).

- fleurs/: the FLEURS release layout, <lang>/<split>.tsv (7 tab-separated columns, no header: id, file name,
  raw transcription, normalized transcription, spelled characters, sample count, gender) and
  <lang>/audio/<split>/<file>.wav, with one row whose audio is missing and one malformed row.
- sib-fleurs/data/<lang>/test-00000-of-00001.parquet: SIB-Fleurs' columns as its dataset card lists them
  (sentence, URL, id, domain, topic, has_image, has_hyperlink, fleurs_id, filename[], raw_transcription,
  transcription, num_samples[], speaker_id[], gender[], whisper_asr[], whisper_asr_cer[], whisper_asr_wer[],
  seamlessm4t_asr[], index_id, category (class id 0-6), audio[] as {bytes, path}).
- belebele-fleurs/data/<lang>/test-00000-of-00001.parquet: Belebele's columns (link, question_number,
  flores_passage, question, mc_answer1-4, correct_answer_num, dialect) plus the passage's FLEURS recordings
  (audio[] as {bytes, path}, filename[], whisper_asr[]).
Audio: short cuts of the bundled recordings, 16 kHz 16-bit. Usage: python3 Tests/Fixtures/make_bench_fixtures.py
"""
import io, os, shutil
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import soundfile as sf

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "bench")
audio_dir = os.path.join(here, "..", "..", "Audio")


def clip(name, start, seconds):
    data, rate = sf.read(os.path.join(audio_dir, name), dtype="float32", always_2d=True)
    assert rate == 16000, name
    return data[int(start * rate):int((start + seconds) * rate), 0]


def wav_bytes(samples):
    buffer = io.BytesIO()
    sf.write(buffer, samples, 16000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


clips = [clip("librivox-0870.wav", 0, 1.0), clip("librivox-0880.wav", 0, 1.2), clip("librivox-0870.wav", 2, 0.8)]

# FLEURS release layout.
fleurs = os.path.join(out, "fleurs")
shutil.rmtree(fleurs, ignore_errors=True)
rows = {
    "en_us": [("1001", "10001.wav", "The Quick Brown Fox.", "the quick brown fox", "t h e | q u i c k", 16000, "MALE", clips[0]),
              ("1002", "10002.wav", "Jumps over 2 dogs!", "jumps over 2 dogs", "j u m p s", 19200, "FEMALE", clips[1]),
              ("1003", "10003.wav", "Its audio is missing.", "its audio is missing", "i t s", 12800, "MALE", None)],
    "cmn_hans_cn": [("2001", "20001.wav", "你好，世界。", "你好 世界", "你 好", 12800, "FEMALE", clips[2])],
}
for lang, lang_rows in rows.items():
    os.makedirs(os.path.join(fleurs, lang, "audio", "test"))
    with open(os.path.join(fleurs, lang, "test.tsv"), "w", encoding="utf-8") as tsv:
        for (sid, name, raw, norm, chars, n, gender, samples) in lang_rows:
            tsv.write("\t".join([sid, name, raw, norm, chars, str(n), gender]) + "\n")
            if samples is not None:
                sf.write(os.path.join(fleurs, lang, "audio", "test", name), samples, 16000, subtype="PCM_16")
        if lang == "cmn_hans_cn":
            tsv.write("2002\tonly three\tcolumns\n")

audio_type = pa.list_(pa.struct([("bytes", pa.binary()), ("path", pa.string())]))

# SIB-Fleurs parquet.
sib = os.path.join(out, "sib-fleurs")
shutil.rmtree(sib, ignore_errors=True)
os.makedirs(os.path.join(sib, "data", "eng_Latn"))
sib_rows = [
    dict(sentence="The probe measured the planet's magnetic field.", URL="https://en.wikinews.org/a", id=11, domain="wikinews",
         topic="science", has_image=0, has_hyperlink=0, fleurs_id=1501, filename=["1501a.wav", "1501b.wav"],
         raw_transcription="The probe measured the planet's magnetic field.", transcription="the probe measured the planet's magnetic field",
         num_samples=[16000, 19200], speaker_id=[7, 9], gender=["MALE", "FEMALE"],
         whisper_asr=["The probe measured the planets magnetic field.", "The probe measured the planet's magnetic fields."],
         whisper_asr_cer=[0.02, 0.03], whisper_asr_wer=[0.14, 0.14],
         seamlessm4t_asr=["the probe measured the planet magnetic field", "the probe measure the planet's magnetic field"],
         index_id=40, category=0, audio=[{"bytes": wav_bytes(clips[0]), "path": "1501a.wav"}, {"bytes": wav_bytes(clips[1]), "path": "1501b.wav"}]),
    dict(sentence="The goalkeeper saved a penalty in the last minute.", URL="https://en.wikinews.org/b", id=12, domain="wikinews",
         topic="sports", has_image=0, has_hyperlink=1, fleurs_id=1502, filename=["1502a.wav"],
         raw_transcription="The goalkeeper saved a penalty in the last minute.", transcription="the goalkeeper saved a penalty in the last minute",
         num_samples=[12800], speaker_id=[3], gender=["FEMALE"],
         whisper_asr=["The goalkeeper saved a penalty in the last minute."], whisper_asr_cer=[0.0], whisper_asr_wer=[0.0],
         seamlessm4t_asr=["the goalkeeper saved a penalty in the last minute"],
         index_id=41, category=3, audio=[{"bytes": wav_bytes(clips[2]), "path": "1502a.wav"}]),
]
sib_schema = pa.schema([
    ("sentence", pa.string()), ("URL", pa.string()), ("id", pa.int32()), ("domain", pa.string()), ("topic", pa.string()),
    ("has_image", pa.int32()), ("has_hyperlink", pa.int32()), ("fleurs_id", pa.int32()), ("filename", pa.list_(pa.string())),
    ("raw_transcription", pa.string()), ("transcription", pa.string()), ("num_samples", pa.list_(pa.int64())),
    ("speaker_id", pa.list_(pa.int64())), ("gender", pa.list_(pa.string())), ("whisper_asr", pa.list_(pa.string())),
    ("whisper_asr_cer", pa.list_(pa.float64())), ("whisper_asr_wer", pa.list_(pa.float64())),
    ("seamlessm4t_asr", pa.list_(pa.string())), ("index_id", pa.int64()), ("category", pa.int64()), ("audio", audio_type),
])
pq.write_table(pa.Table.from_pylist(sib_rows, schema=sib_schema), os.path.join(sib, "data", "eng_Latn", "test-00000-of-00001.parquet"))

# Belebele-Fleurs parquet.
bele = os.path.join(out, "belebele-fleurs")
shutil.rmtree(bele, ignore_errors=True)
os.makedirs(os.path.join(bele, "data", "spa_Latn"))
bele_rows = [
    dict(link="https://en.wikibooks.org/x", question_number=1,
         flores_passage="El tren sale a las ocho. Llega a Madrid a las diez.",
         question="¿A qué hora llega el tren a Madrid?", mc_answer1="A las ocho", mc_answer2="A las nueve",
         mc_answer3="A las diez", mc_answer4="A las once", correct_answer_num=3, dialect="spa_Latn",
         filename=["3001.wav", "3002.wav"], whisper_asr=["El tren sale a las ocho.", "Llega a Madrid a las diez."],
         audio=[{"bytes": wav_bytes(clips[0]), "path": "3001.wav"}, {"bytes": wav_bytes(clips[2]), "path": "3002.wav"}]),
]
bele_schema = pa.schema([
    ("link", pa.string()), ("question_number", pa.int64()), ("flores_passage", pa.string()), ("question", pa.string()),
    ("mc_answer1", pa.string()), ("mc_answer2", pa.string()), ("mc_answer3", pa.string()), ("mc_answer4", pa.string()),
    ("correct_answer_num", pa.int64()), ("dialect", pa.string()), ("filename", pa.list_(pa.string())),
    ("whisper_asr", pa.list_(pa.string())), ("audio", audio_type),
])
pq.write_table(pa.Table.from_pylist(bele_rows, schema=bele_schema), os.path.join(bele, "data", "spa_Latn", "test-00000-of-00001.parquet"))
print("wrote", out)
