// Word timings: where each word is spoken (the alignment heads' cross-attention, time warping), and openai-whisper's
// rules for words: punctuation kept with its word, durations clipped at sentence ends and after pauses.
import Foundation
import HarkNumerics

/// A word with where it is spoken, in seconds, its tokens and how sure the decoder was of them.
public struct TimedWord: Equatable, Sendable, Codable {
    /// The word as its segment's text holds it, leading space included: a segment's words join to its text.
    public var text: String
    public var start: Double
    public var end: Double
    public var tokens: [Int]
    /// The mean probability the decoder gave the word's tokens.
    public var probability: Float

    public init(text: String, start: Double, end: Double, tokens: [Int], probability: Float) {
        self.text = text
        self.start = start
        self.end = end
        self.tokens = tokens
        self.probability = probability
    }
}

/// The words of one window, and the typical word length that the rules for long words measure against.
struct WindowWords {
    /// Times in seconds from the start of the audio; punctuation already joined to its words (which leaves some
    /// words empty: they still count their tokens, none).
    var words: [TimedWord]
    /// Median duration of the window's words (at most 0.7 s), and twice that.
    var medianDuration: Double
    var maxDuration: Double
}

extension Transcriber {
    /// The median filter over time applied to each head's weights (openai-whisper's and CTranslate2's 7).
    static let alignmentFilterWidth = 7
    /// Languages written without spaces: their words are split wherever a whole character ends.
    static let languagesWithoutSpaces: Set<String> = ["zh", "ja", "th", "lo", "my", "yue"]
    /// Python's string.punctuation: a piece made only of these is a word of its own until punctuation is merged.
    static let asciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    static let sentenceEndMarks = ".。!！?？"

    /// When each of `textTokens` starts, and then when the end of text does (textTokens.count + 1 times, seconds
    /// from the window's start), and the probability the decoder gives each text token after the ones before it
    /// (among text tokens only). The decoder reads start sequence, <|notimestamps|>, the text and <|endoftext|>
    /// in one pass; each alignment head's attention from the token before each text token to the encoder
    /// positions that hold audio (`contentPositions`) is softmaxed, standardized over the tokens, median-filtered
    /// over time and averaged over the heads; the cheapest monotonic path through the negated average gives, for
    /// each token, the first encoder position (20 ms each) it holds. This is openai-whisper's `find_alignment`.
    func alignTokens(memory: CrossMemory, contentPositions: Int, startSequence: [Int], textTokens: [Int])
        -> (starts: [Double], probabilities: [Float]) {
        let specials = model.tokenizer.specials
        let input = startSequence + [specials.noTimestamps] + textTokens + [specials.endOfText]
        let positions = min(contentPositions, memory.positions)
        guard positions > 0, !textTokens.isEmpty else {
            return (Array(repeating: 0, count: textTokens.count + 1), Array(repeating: 0, count: textTokens.count))
        }
        let decoder = model.decoder
        let headDim = decoder.width / decoder.heads
        let heads = model.alignmentHeads
        var weights: [[Float]] = Array(repeating: [], count: heads.count)
        var cache = [DecoderCache(layers: decoder.layers.count)]
        let hidden = decoder([input], caches: &cache, memory: memory) { layer, queries in
            for (index, head) in heads.enumerated() where head.layer == layer {
                let scores = memory.layers[layer].scores(queries, queries: input.count, head: head.head,
                                                         scale: 1 / Float(headDim).squareRoot())
                // Only the positions that hold audio.
                weights[index] = (0..<input.count).flatMap { scores[($0 * memory.positions)..<($0 * memory.positions + positions)] }
            }
        }
        // Rows from <|notimestamps|> (which predicts the first text token) to the last text token (which predicts
        // the end of text).
        let first = startSequence.count, rows = textTokens.count + 1
        var average = [Float](repeating: 0, count: rows * positions)
        for var head in weights where !head.isEmpty {
            Vector.softmaxRows(&head, width: positions)
            TimeAlignment.standardizeColumns(&head, rows: input.count, columns: positions)
            TimeAlignment.medianFilterRows(&head, columns: positions, width: Self.alignmentFilterWidth)
            for i in 0..<(rows * positions) { average[i] += head[first * positions + i] }
        }
        let path = TimeAlignment.warpingPath(cost: average.map { -$0 / Float(heads.count) }, rows: rows, columns: positions)
        // A token starts where the path first enters its row.
        var starts: [Double] = []
        var previousRow = -1
        for step in path where step.row != previousRow {
            starts.append(Double(step.column) * Self.secondsPerTimestep)
            previousRow = step.row
        }
        // Row i predicts text token i; the softmax runs over the text tokens (below <|endoftext|>) only.
        let logits = decoder.logits(hidden.rows(first..<(first + textTokens.count)))
        let textVocabulary = specials.endOfText
        let probabilities = textTokens.indices.map { i -> Float in
            var row = Array(logits.row(i).prefix(textVocabulary))
            Vector.softmaxRows(&row, width: textVocabulary)
            return row[textTokens[i]]
        }
        return (starts, probabilities)
    }

    /// `tokens` grouped into words (openai-whisper's split_to_word_tokens): first into pieces that decode to whole
    /// characters; then, in languages written with spaces, a piece that begins with a space or is only
    /// punctuation starts a word and any other piece joins the word before it.
    func splitIntoWords(_ tokens: [Int], language: String) -> [[Int]] {
        let tokenizer = model.tokenizer
        let replacement: Unicode.Scalar = "\u{FFFD}"
        let whole = Array(tokenizer.decode(tokens).unicodeScalars)
        var pieces: [[Int]] = []
        var current: [Int] = []
        var offset = 0
        for token in tokens {
            current.append(token)
            let decoded = Array(tokenizer.decode(current).unicodeScalars)
            // A replacement character is a split character, unless the whole text has one there too.
            if let index = decoded.firstIndex(of: replacement), !(offset + index < whole.count && whole[offset + index] == replacement) {
                continue
            }
            pieces.append(current)
            offset += decoded.count
            current = []
        }
        if !current.isEmpty { pieces.append(current) }
        guard !Self.languagesWithoutSpaces.contains(language) else { return pieces }
        var words: [[Int]] = []
        for piece in pieces {
            let text = tokenizer.decode(piece)
            let special = piece[0] >= tokenizer.specials.endOfText
            let punctuation = Self.isSubstring(text.trimmingCharacters(in: .whitespaces), of: Self.asciiPunctuation)
            if special || text.hasPrefix(" ") || punctuation || words.isEmpty {
                words.append(piece)
            } else {
                words[words.count - 1] += piece
            }
        }
        return words
    }

    /// The words of a window's text tokens, timed (seconds from the audio's start: `offset` is the window's
    /// start), with their probabilities; a word longer than twice the window's median word at a sentence end is
    /// cut to that length; then punctuation is joined to its word (faster-whisper's add_word_timestamps, before
    /// the words are dealt to segments).
    func windowWords(memory: CrossMemory, contentPositions: Int, startSequence: [Int], textTokens: [Int],
                     language: String, offset: Double, options: DecodingOptions) -> WindowWords {
        let tokenizer = model.tokenizer
        let (starts, probabilities) = alignTokens(memory: memory, contentPositions: contentPositions,
                                                  startSequence: startSequence, textTokens: textTokens)
        var words: [TimedWord] = []
        var first = 0
        for tokens in splitIntoWords(textTokens, language: language) {
            let last = first + tokens.count
            let probability = probabilities[first..<last].reduce(0, +) / Float(max(1, tokens.count))
            words.append(TimedWord(text: tokenizer.decode(tokens), start: starts[first], end: starts[last],
                                   tokens: tokens, probability: probability))
            first = last
        }
        let durations = words.map { $0.end - $0.start }.filter { $0 != 0 }.sorted()
        var median = 0.0
        if !durations.isEmpty {
            let middle = durations.count / 2
            median = durations.count % 2 == 1 ? durations[middle] : (durations[middle - 1] + durations[middle]) / 2
        }
        median = min(0.7, median)
        let maxDuration = median * 2
        if !durations.isEmpty {
            for i in words.indices.dropFirst() where words[i].end - words[i].start > maxDuration {
                if Self.isSubstring(words[i].text, of: Self.sentenceEndMarks) {
                    words[i].end = words[i].start + maxDuration
                } else if Self.isSubstring(words[i - 1].text, of: Self.sentenceEndMarks) {
                    words[i].start = words[i].end - maxDuration
                }
            }
        }
        Self.mergePunctuation(&words, prepended: options.prependPunctuations, appended: options.appendPunctuations)
        for i in words.indices {
            words[i].start += offset
            words[i].end += offset
        }
        return WindowWords(words: words, medianDuration: median, maxDuration: maxDuration)
    }

    /// The words of each of a window's segments (text tokens only), timed, with each segment's bounds fitted to
    /// its words (`fit`); `lastSpeech` is where speech before the window ended. Words are dealt to segments by
    /// their token counts (punctuation joined across a segment's edge goes with the segment its word ends in).
    /// The next window still starts where the timestamps say, not at the last word's end as in the reference:
    /// timing words never changes the text (with the reference's rule the 10-minute test recording lost
    /// sentences, as a text that stops before the speech does gets its last word's end at the window's end).
    func timeWords(of segments: inout [(start: Double, end: Double, tokens: [Int])], memory: CrossMemory, contentPositions: Int,
                   startSequence: [Int], language: String, offset: Double, lastSpeech: Double,
                   options: DecodingOptions) -> [[TimedWord]] {
        let timed = windowWords(memory: memory, contentPositions: contentPositions, startSequence: startSequence,
                                textTokens: segments.flatMap(\.tokens), language: language, offset: offset, options: options)
        var lastSpeech = lastSpeech
        var segmentWords = [[TimedWord]](repeating: [], count: segments.count)
        var next = 0
        for k in segments.indices {
            var counted = 0
            while next < timed.words.count && counted < segments[k].tokens.count {
                if !timed.words[next].text.isEmpty { segmentWords[k].append(timed.words[next]) }
                counted += timed.words[next].tokens.count
                next += 1
            }
            var (start, end) = (segments[k].start, segments[k].end)
            Self.fit(&segmentWords[k], start: &start, end: &end, lastSpeech: lastSpeech,
                     medianDuration: timed.medianDuration, maxDuration: timed.maxDuration)
            segments[k].start = Self.milliseconds(start)
            segments[k].end = Self.milliseconds(end)
            for w in segmentWords[k].indices {
                segmentWords[k][w].start = Self.milliseconds(segmentWords[k][w].start)
                segmentWords[k][w].end = Self.milliseconds(segmentWords[k][w].end)
            }
            if !segmentWords[k].isEmpty { lastSpeech = segments[k].end }
        }
        return segmentWords
    }

    /// Opening punctuation joins the word after it, closing punctuation the word before (openai-whisper's
    /// merge_punctuations); the word it leaves is empty.
    static func mergePunctuation(_ words: inout [TimedWord], prepended: String, appended: String) {
        var i = words.count - 2, j = words.count - 1
        while i >= 0 {
            if words[i].text.hasPrefix(" ") && isSubstring(words[i].text.trimmingCharacters(in: .whitespaces), of: prepended) {
                words[j].text = words[i].text + words[j].text
                words[j].tokens = words[i].tokens + words[j].tokens
                words[i].text = ""
                words[i].tokens = []
            } else {
                j = i
            }
            i -= 1
        }
        i = 0
        j = 1
        while j < words.count {
            if !words[i].text.hasSuffix(" ") && isSubstring(words[j].text, of: appended) {
                words[i].text += words[j].text
                words[i].tokens += words[j].tokens
                words[j].text = ""
                words[j].tokens = []
            } else {
                i = j
            }
            j += 1
        }
    }

    /// Fits a segment's words and bounds to each other (faster-whisper's rules, then the bounds become the words'):
    /// the first word after a pause (more than four median words since `lastSpeech`) that is too long is cut to
    /// twice the median, as is the second when it is; a first word that starts well before the segment's timestamp
    /// starts at the timestamp, a last word that ends well after it ends there.
    static func fit(_ words: inout [TimedWord], start: inout Double, end: inout Double, lastSpeech: Double,
                    medianDuration median: Double, maxDuration: Double) {
        guard !words.isEmpty else { return }
        if words[0].end - lastSpeech > median * 4 && (words[0].end - words[0].start > maxDuration
            || (words.count > 1 && words[1].end - words[0].start > maxDuration * 2)) {
            if words.count > 1 && words[1].end - words[1].start > maxDuration {
                let boundary = max(words[1].end / 2, words[1].end - maxDuration)
                words[0].end = boundary
                words[1].start = boundary
            }
            words[0].start = max(0, words[0].end - maxDuration)
        }
        if start < words[0].end && start - 0.5 > words[0].start {
            words[0].start = max(0, min(words[0].end - median, start))
        }
        if end > words[words.count - 1].start && end + 0.5 < words[words.count - 1].end {
            words[words.count - 1].end = max(words[words.count - 1].start + median, end)
        }
        start = words[0].start
        end = words[words.count - 1].end
    }

    /// How unlike speech a segment's words are (faster-whisper's hallucination test): improbable, very short or
    /// very long words among its first eight (punctuation aside).
    static func isAnomaly(_ words: [TimedWord]) -> Bool {
        guard !words.isEmpty else { return false }
        let punctuation = "\"'“¿([{-\"'.。,，!！?？:：”)]}、"
        let counted = words.filter { !isSubstring($0.text, of: punctuation) }.prefix(8)
        let score = counted.reduce(0.0) { total, word in
            let duration = word.end - word.start
            var score = word.probability < 0.15 ? 1.0 : 0
            if duration < 0.133 { score += (0.133 - duration) * 15 }
            if duration > 2 { score += duration - 2 }
            return total + score
        }
        return score >= 3 || score + 0.01 >= Double(counted.count)
    }

    /// Seconds rounded to the millisecond: sums of a window offset and 20-ms steps would print as 3.3000000000000003.
    static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// Python's `needle in haystack` for strings, which the reference's punctuation tests use: a substring test,
    /// true for the empty string.
    static func isSubstring(_ needle: String, of haystack: String) -> Bool {
        needle.isEmpty || haystack.contains(needle)
    }
}
