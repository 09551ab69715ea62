#!/usr/bin/env python3
"""Reference outputs for the text normalizer tests from openai-whisper's own normalizers; and the spelling map.

Run from the repository root with `pip install openai-whisper`; writes Tests/Fixtures/bench/normalizers.json and
Sources/Scoring/Resources/english.json: the British-to-American map that openai-whisper ships (MIT licence), as a
resource of the Scoring module.
"""
import json, os
import whisper
import whisper.normalizers
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "bench")

NUMBERS_IN_WORDS = [
    "twenty-five", "twenty five", "one hundred and three", "one hundred three", "two point five",
    "three point one four one five nine", "zero point zero five", "point five", "a million", "one million",
    "two million three hundred thousand", "five thousand and one", "nineteen ninety-nine", "nineteen oh five",
    "two thousand and twenty four", "twenty twenty-four", "in the year two thousand", "seventeen seventy-six",
    "the nineteen sixties", "the eighties", "twenty first", "twenty-first", "the twenty first century",
    "one hundred and first", "first second third fourth fifth", "the twelfth night", "ninetieth birthday",
    "a hundredth", "two millionth", "double oh seven", "triple five", "double two three", "call one oh one",
    "my number is five five five one two three four", "oh oh seven", "zero zero seven", "two and a half",
    "three and a half million", "a dog and a half", "minus five degrees", "negative twenty", "plus two",
    "plus or minus", "twelve dollars", "one dollar", "fifty cents", "five dollars and fifty cents",
    "twenty pounds", "three euros", "ten percent", "ten per cent", "fifty percent off", "one two three",
    "ones and twos", "sixes and sevens", "the nineties", "thirties", "hundreds of people", "thousands",
    "one of them", "the one", "this one is better", "eleven twelve thirteen", "nine hundred ninety nine",
    "one thousand two hundred thirty four", "a quarter past three", "one decillion", "five trillion and six",
    "twenty thousand leagues", "four hundred and twenty", "seventy seven", "sixty-six", "eighty eight point eight",
    "one point two point three", "point", "the point is", "double trouble", "triple threat",
    "two hundred and fifty thousand dollars", "forty two percent", "ninety nine cents", "three hundred euros",
]

NUMBERS_IN_DIGITS = [
    "1,000,000", "$3.50", "$20 million", "$0.50", "$0.05", "€5", "£100", "¢25", "25%", "3.14",
    "192.168.0.1", "1960s", "the 1990s", "274th", "32nd", "1st place", "2nd", "3rd", "4 th", "100 s",
    "1 st", "10,5", "3,5 million", "12:30", "9/11", "1/2", "-5", "+5", "5-10", "2024", "007", "0.0",
    "1", "1s", "$1", "$2 and ¢7", "$2 ¢7", "1 2 3", "4x4", "a1b2", "covid19", "mp3", "24/7", "100 percent",
    "50 per cent", "5 dollars", "3 pounds 50", "one 2 three", "2 point 5", "10.", "pages 10-20",
]

BRITISH_SPELLINGS = [
    "colour", "The colour of the harbour", "organise the organisation", "centre", "theatre", "travelled",
    "analyse", "defence", "licence", "grey", "programme", "catalogue", "aluminium", "favourite neighbour",
    "realise", "apologise", "behaviour", "honour", "labour", "jewellery", "cheque", "tyre", "mould",
    "paediatric", "manoeuvre",
]

CONTRACTIONS = [
    "won't", "I won't go", "can't", "I can't", "let's go", "ain't", "y'all", "I wanna go", "we gotta", "gonna",
    "i'ma", "imma", "woulda", "coulda", "shoulda", "yes ma'am", "I'd've", "I'd been there", "he's been",
    "I'd gone", "she's gone", "I'd done it", "it's got", "don't", "you're", "it's", "he'd", "we'll", "they've",
    "I'm", "isn't", "wasn't", "shouldn't've", "rock 'n' roll", "the dog 's bone", "o'clock", "Jones's",
    "James' book", "'quoted'",
]

HONORIFICS = [
    "Mr. Smith", "Mrs. Smith", "Dr. Jones", "Prof. X", "St. Louis", "Capt. Kirk", "Gov. Brown", "Gen. Lee",
    "Sen. Warren", "Rep. Lewis", "Pres. Lincoln", "Rev. King", "Hon. member", "Asst. manager", "Assoc. Prof.",
    "Lt. Dan", "Col. Mustard", "Sammy Davis Jr.", "John Smith Sr.", "Esq.", "Ald. Jones", "Mr Smith",
    "mister smith", "dr who",
]

BRACKETS_AND_HESITATIONS = [
    "hello [music] world", "hello <unk> world", "(laughs) yes", "no (inaudible) way", "a [b] c (d) e <f> g",
    "[unclosed bracket", "(unclosed paren", "nested (a (b) c)", "uh I think um yes", "hmm okay", "mm mhm mmm",
    "uhh umm", "Um, well, uh...", "hmmm", "yummy umbrella", "uh-huh", "[ Music ]", "(())",
]

SYMBOLS = [
    "Hello, world!", "What?! No...", "a & b", "rock & roll", "@user #hashtag", "e-mail", "well-known",
    "\"quoted\"", "«guillemets»", "semi;colon:colon", "x * y = z", "a/b\\c", "~tilde~", "under_score",
    "50° north", "©2024 ™", "½ cup", "x²", "ﬁ ligature", "…ellipsis", "tab\tseparated\nnewline",
    "  leading and trailing  ", "", "   ", "A.B.C.", "U.S.A.", "e.g. this", "ph.d.", "3.5.", "end.",
    "..", "$$", "%", "$ 5", "5 %", "5%.", "£5.99", "€3,50", "twenty $", "HELLO WORLD",
]

NON_ENGLISH = [
    "Bonjour, ça va? Très bien!", "L'été dernier, nous sommes allés à la plage.", "Où est la bibliothèque?",
    "Ñandú, pingüino, ¿qué tal?", "¡Hola! Mañana será otro día.", "Straße, Größe, Übermäßig",
    "Fußgängerübergänge sind schön.", "Ærøskøbing og Ørsted", "Łódź jest piękna", "Þórður og Dóra",
    "Œuvre, cœur", "Привет, как дела?", "Съешь же ещё этих мягких французских булок.", "नमस्ते, आप कैसे हैं?",
    "मैं हिंदी बोलता हूँ।", "مرحبا، كيف حالك؟", "السَّلَامُ عَلَيْكُمْ", "你好，世界！", "我爱北京天安门。",
    "こんにちは、世界！", "東京タワーは３３３メートルです。", "ｶﾀｶﾅ ＡＢＣ １２３", "Tiếng Việt có dấu: đẹp quá!",
    "Hà Nội mùa thu", "Xin chào các bạn", "I love 🍕 and 🎉!", "👨‍👩‍👧‍👦 family", "👍🏽 ok", "🇫🇷 France",
    "Ελληνικά ΟΔΟΣ", "ΣΟΦΟΣ Σ", "שָׁלוֹם", "สวัสดีครับ", "안녕하세요", "İstanbul", "ﾊﾝｶｸ", "ǅemal",
    "a\u0301 combining", "\u00e9 precomposed", "١٢٣ arabic digits", "٣ dollars", "१२३ रुपये", "café 2.5",
]

# Corners of the number reader and of Python's str semantics that a port could easily get wrong.
EDGE_CASES = [
    "zero hundred", "zero zero", "oh", "o o o", "minus dollars", "the ninth", "the nineth", "nineteenth", "sixes",
    "twenty sixes", "ninety firsts", "one two three four five six seven eight nine ten", "twenty twenty twenty",
    "one hundred two hundred", "a thousand thousand", "two point five million dollars", "point five hundred",
    "one point five thousandth", "three hundreds", "one millionth", "five hundred and", "and one", "and and two",
    "double", "triple oh", "double twenty", "five double oh", "per cent", "ten per", "ten per hundred",
    "plus five minus three", "one dollar and five cents", "three dollars ninety nine", "$5 and ¢99", "$0.999",
    "£0.5 and $0.07", "1.2.3.4", "10.0.0.1 and 1.5", "0.10", "2.000", "00012", "1.50 million", "$1.5 million",
    "one and a half", "and a half", "a half", "hundred and a half", "zero and a half and a half",
    "12345678901234567890123456789", "nine nonillion", "one decillionth", "forty-two thousand and seven hundred",
    "tenth eleventh", "seventy-first", "twenty zero", "twenty oh five", "ten ten", "eleven hundred", "first one",
    "ones", "1st 2nd 3 rd", "5 s", "it's 5 o'clock", "the 80's", "I've got 99 problems", "Mr. & Mrs. Smith",
    "st. st st", "mrs.mr.", "DR. DRE", "won'tcha", "can't've", "hmm, mm-hmm, uh-oh, um-hum",
    "ΣΑΣ ΑΣΑ", "όσος ΌΣΟΣ", "Σ.", "AΣ1", "İİ", "ǈ ǉ", "ß ẞ", "ﬀ ﬃ", "Ⅻ ⅻ", "① ② ③", "x y", "a b", "a　b",
    "a​b", "ab", "ab", "tab		end	", "ZWJ a‍b", "कि़", "é̂", "́ leading mark",
    "🏳️‍🌈 flag", "Ⓐ Ⓑ", "٣٫٥ percent", "१,२३४", "$١٢", "२ dollars", "١.٥ million",
    "0 oh", "zero oh", "0 double five", "0 hundred", "0 thousandth", "0.5 hundredth", "1.25 thousand",
]

INPUTS = (NUMBERS_IN_WORDS + NUMBERS_IN_DIGITS + BRITISH_SPELLINGS + CONTRACTIONS + HONORIFICS
          + BRACKETS_AND_HESITATIONS + SYMBOLS + NON_ENGLISH + EDGE_CASES)


def main():
    english = EnglishTextNormalizer()
    basic = BasicTextNormalizer()
    basic_without_diacritics = BasicTextNormalizer(remove_diacritics=True)
    basic_split_letters = BasicTextNormalizer(split_letters=True)
    assert len(set(INPUTS)) == len(INPUTS), "duplicate inputs"
    cases = [
        {
            "input": text,
            "english": english(text),
            "basic": basic(text),
            "basicRemoveDiacritics": basic_without_diacritics(text),
            "basicSplitLetters": basic_split_letters(text),
        }
        for text in INPUTS
    ]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "normalizers.json"), "w", encoding="utf-8") as f:
        json.dump({"whisperVersion": whisper.__version__, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases")

    mapping = json.load(open(os.path.join(os.path.dirname(whisper.normalizers.__file__), "english.json")))
    with open(os.path.join(ROOT, "Sources", "Scoring", "Resources", "english.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(mapping, ensure_ascii=False, indent=0, sort_keys=True))
        f.write("\n")


if __name__ == "__main__":
    main()
