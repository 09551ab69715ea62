#!/usr/bin/env python3
"""Reference outputs of openai-whisper's text normalizers, for the Swift port's tests; and the spelling map.

Writes Tests/Fixtures/bench/normalizers.json: inputs written for this repository (English numbers, currencies,
ordinals, spellings, contractions, titles, hesitations, brackets; French, Spanish, German, Russian, Hindi, Arabic,
Chinese, Japanese, Vietnamese, emoji) with the outputs of EnglishTextNormalizer, BasicTextNormalizer() and
BasicTextNormalizer(remove_diacritics=True, split_letters=True) where each applies.
Also writes Sources/Bench/EnglishSpellings.swift: the British-to-American map (english.json) that openai-whisper
ships (MIT licence), embedded so that hark needs neither Python nor a resource bundle.
Usage: python3 Tests/Fixtures/make_normalizer_fixtures.py
"""
import json, os
import whisper.normalizers as normalizers
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

english = [
    # numbers in words
    "twenty-five", "twenty five", "one hundred and three", "one hundred three", "two thousand and twenty four",
    "nineteen ninety nine", "nineteen hundred", "a million people", "three million", "two point five", "point five",
    "zero point seven five", "one oh one", "double oh seven", "triple five", "double three two", "seven eight nine",
    "eleven twelve", "forty two", "ninety-nine bottles", "one thousand two hundred thirty four",
    "twelve thousand five hundred", "two and a half", "three and a half million", "a half and a half",
    "first second third", "twenty first century", "the twenty-second of may", "one hundredth", "the fifth element",
    "sixties music", "the nineteen eighties", "twos and threes", "ones and zeros", "sixes", "the seventh seal",
    "thirtieth birthday", "millionth visitor", "two millionths", "it costs five dollars", "five dollars and fifty cents",
    "twenty pounds", "ten euros", "fifty cents", "a dollar", "one dollar", "ten percent", "ten per cent", "per se",
    "minus five degrees", "negative two", "plus three", "positive thinking", "minus", "one two three four",
    "five hundred and six thousand", "three hundred million and one", "a hundred and ten", "hundred",
    "billion dollar idea", "two trillion", "one point two million", "point", "double", "and", "triple the effort",
    "she is one of the ones", "number one", "the one and only", "oh no", "o", "zero", "zero zero seven",
    "nine one one", "four o four", "route sixty six", "seventy-seventh street",
    # digits
    "1,000,000", "1,234.56", "$3.50", "$20 million", "$2 and ¢7", "€5", "£0.99", "$0.05", "10%", "3.14159",
    "192.168.0.1", "1960s", "the 1990s", "274th", "32nd", "21st century", "3rd place", "2nd", "1st", "1s and 0s",
    "10 dollars", "5 cents", "7 pounds", "+44 20", "-5", "$5.5", "12:30", "1/2", "3 and a half", "2.5 million",
    "0.5 billion", "1 million", "1 thousand", "a 1", "1", "001", "007 agent", "100 per cent", "50 percent",
    "version 2.0", "mp3 player", "covid19", "h2o", "4x4", "b2b", "abc123def",
    # spellings, contractions, titles, hesitations, brackets
    "The colour of the neighbour's harbour", "organisation and realisation", "centre theatre metre",
    "I travelled to the catalogue", "analyse the programme", "grey aeroplane", "defence licence",
    "won't", "can't", "let's go", "ain't", "y'all", "wanna", "gotta", "gonna", "i'ma", "imma", "woulda coulda shoulda",
    "ma'am", "I'd been there", "he's been there", "she'd gone", "it's gone", "I'd done it", "he's got it",
    "isn't", "they're", "it's", "I'd", "we'll", "we've", "I'm", "I'd've", "don't you", "o'clock", "rock 'n' roll",
    "Mr. Smith", "Mrs. Jones", "Dr. Who", "St. Louis", "Prof. X", "Capt. Hook", "Gov. Brown", "Gen. Lee",
    "Sen. Warren", "Rep. Ocasio", "Pres. Lincoln", "Rev. King", "Hon. Member", "Asst. Manager", "Lt. Dan",
    "Col. Mustard", "Jr. and Sr.", "John Doe Esq.", "uh I think um", "hmm mm mhm mmm", "Umbrella and uhura",
    "[laughter] hello", "<unk> there", "hello (inaudible) world", "(applause)", "a [b] c (d) e",
    "Hello, world!", "What?! No...", "It's 5 o'clock.", "e-mail", "the U.S.A.", "U.K.", "Ph.D.", "a.m. and p.m.",
    "naïve café résumé", "Zoë Brontë", "Straße", "Œuvre", "Ærø", "smörgåsbord", "🙂 happy", "quote “this”",
    "tab\tand\nnewline", "  leading and trailing  ", "", "ALL CAPS SHOUTING", "MiXeD CaSe",
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
    "He was not an ill-disposed young man.", "If you'd like to test out the voicemail system, dial 8500 now.",
    "The meeting is at 3 p.m. on the 21st; bring $200.", "About 2,500 people attended in 1987.",
]

other = [
    "Bonjour, comment ça va ?", "L'été dernier, nous sommes allés à Noël.", "Veuillez laisser votre message après le bip.",
    "¿Dónde está la estación?", "¡Qué día tan bonito!", "El niño comió piñas en Málaga.",
    "Por favor deje su mensaje después del tono.", "Größe, Übung und Äpfel.", "Der Weiße Hai (1975)",
    "Привет, как дела?", "Оставьте сообщение после сигнала.", "Ёлка и ещё.", "Съешь же ещё этих мягких французских булок",
    "नमस्ते, आप कैसे हैं?", "मैं बाज़ार जा रहा हूँ।", "भारत की राजधानी नई दिल्ली है",
    "مرحبا كيف حالك؟", "السَّلَامُ عَلَيْكُمْ", "你好，世界！", "我喜欢吃苹果。", "今天天气很好",
    "こんにちは、世界。", "東京タワーに行きました！", "カタカナとひらがな", "Xin chào, bạn khỏe không?",
    "Tiếng Việt có dấu", "Đà Nẵng và Hà Nội", "Ελληνικά: Καλημέρα!", "שלום עולם", "Dziękuję bardzo, Łódź",
    "Ça coûte 5 €.", "Straße № 5", "ﬁne ligature", "½ and ¼", "x² + y²", "١٢٣ أرقام", "१२३ संख्या",
    "emoji 👍🏽 and 👨‍👩‍👧", "[música] hola", "(risas) vale", "<unk> nada", "Ça, c'est la vie!",
    "Crème brûlée à la française", "Mañana — quizás", "«Guillemets» et ‹chevrons›", "Kraków i Gdańsk",
    "Čeština: příliš žluťoučký kůň", "Türkçe: İstanbul ve ığdır", "Română: șapte țări", "Íslenska: þorn og eð",
    "Norsk: blåbærsyltetøy", "Dansk: æble og ø",
]

english_normalizer, basic = EnglishTextNormalizer(), BasicTextNormalizer()
strip_and_split = BasicTextNormalizer(remove_diacritics=True, split_letters=True)
cases = [{"input": s, "english": english_normalizer(s), "basic": basic(s)} for s in english]
cases += [{"input": s, "basic": basic(s), "basic_diacritics_split": strip_and_split(s)} for s in other]
os.makedirs(os.path.join(root, "Tests/Fixtures/bench"), exist_ok=True)
with open(os.path.join(root, "Tests/Fixtures/bench/normalizers.json"), "w", encoding="utf-8") as f:
    json.dump({"source": "openai-whisper " + __import__("whisper").__version__, "cases": cases}, f, ensure_ascii=False, indent=1)
print(len(cases), "cases,", sum(len(c) - 1 for c in cases), "outputs")

mapping = json.load(open(os.path.join(os.path.dirname(normalizers.__file__), "english.json")))
with open(os.path.join(root, "Sources/Bench/EnglishSpellings.swift"), "w", encoding="utf-8") as f:
    f.write("// British-to-American spellings of Whisper's English normalizer (openai-whisper's english.json, MIT licence).\n")
    f.write("// Generated by Tests/Fixtures/make_normalizer_fixtures.py; embedded so that hark needs no resource bundle.\n\n")
    f.write("enum EnglishSpellings {\n    static let json = #\"\"\"\n")
    f.write(json.dumps(mapping, ensure_ascii=False, indent=0, sort_keys=True))
    f.write("\n\"\"\"#\n}\n")
