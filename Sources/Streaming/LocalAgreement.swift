// LocalAgreement (Machacek et al. 2023): a word is final once the newest hypothesis agrees on it with one of the two
// hypotheses before it.

/// Holds the words committed from the audio still in the buffer and the two previous hypotheses of that audio.
/// Each new hypothesis of the same (grown) buffer is compared, after the committed words, with the previous one and
/// the one before it; the longer of the two common prefixes is committed. The one before counts too because Whisper
/// sometimes flips between two readings of a stretch from pass to pass ("dial 2 now" / "dialed to now"), and two
/// consecutive passes then never agree while every other one does. Words are compared without case or punctuation,
/// because Whisper often adds a comma or a period to the last word once more audio follows it.
public struct LocalAgreement: Sendable {
    /// Committed words of the buffered audio, in the spelling of the hypothesis that confirmed them.
    public private(set) var committed: [String] = []
    /// The latest hypothesis' words after the committed ones: shown as a partial result, may still change.
    public private(set) var tentative: [String] = []
    private var previous: [String] = []
    /// The hypothesis before `previous`.
    private var beforePrevious: [String] = []

    public init() {}

    /// Takes the next hypothesis of the buffer (all its words, committed ones included) and returns the words
    /// it commits.
    public mutating func insert(_ hypothesis: [String]) -> [String] {
        func afterCommitted(_ words: [String]) -> [String] { Array(words.dropFirst(Self.end(of: committed, in: words))) }
        func commonPrefix(_ a: [String], _ b: ArraySlice<String>) -> Int { zip(a, b).prefix { Self.key($0) == Self.key($1) }.count }
        let fresh = afterCommitted(hypothesis)
        // The pass before the previous one counts up to its last word, which it heard with the least audio after
        // it ("123" of a number that grew to "1234", "dial" before "dialed"), while the pass between disagreed.
        var agreed = max(commonPrefix(fresh, afterCommitted(previous)[...]),
                         commonPrefix(fresh, afterCommitted(beforePrevious).dropLast()))
        // A number may still be growing or be respelled ("1, 2" becomes "1234" once its last digits are heard):
        // its digits are committed only once the latest hypothesis has a word other than a digit after them.
        while agreed > 0, Self.isNumber(fresh[agreed - 1]), agreed == fresh.count || Self.isNumber(fresh[agreed]) { agreed -= 1 }
        let newlyCommitted = Array(fresh.prefix(agreed))
        committed += newlyCommitted
        tentative = Array(fresh.dropFirst(agreed))
        beforePrevious = previous
        previous = hypothesis
        return newlyCommitted
    }

    /// Commits the first `count` tentative words without waiting for agreement: the utterance ended, or the
    /// buffer must be cut.
    public mutating func commitTentative(_ count: Int) -> [String] {
        let forced = Array(tentative.prefix(count))
        committed += forced
        tentative.removeFirst(forced.count)
        return forced
    }

    /// Forgets the first `count` committed words together with their audio, which the buffer dropped.
    public mutating func forget(first count: Int) {
        committed.removeFirst(min(count, committed.count))
        previous.removeFirst(min(count, previous.count))
        beforePrevious.removeFirst(min(count, beforePrevious.count))
    }

    /// Where the committed words end in a hypothesis. Usually at their count, but a later pass may write an
    /// earlier stretch in more or fewer words ("25" for "twenty five"); then the last committed words are
    /// looked for a few positions around, so the words after them still line up with the previous hypothesis.
    static func end(of committed: [String], in hypothesis: [String]) -> Int {
        let tail = committed.suffix(2).map(key)
        guard !tail.isEmpty else { return 0 }
        for shift in [0, -1, 1, -2, 2, -3, 3] {
            let end = committed.count + shift
            guard end >= tail.count, end <= hypothesis.count else { continue }
            if hypothesis[(end - tail.count)..<end].map(key) == tail { return end }
        }
        // The same letters in other words: a number written digit by digit in one pass and as one word in the
        // other ("extension 1234" / "extension 1, 2, 3, 4"). The committed end's last few words, as letters, must
        // end the hypothesis' letters up to `end`.
        var letters = ""
        for word in committed.reversed() where letters.count < minimumTailLetters { letters = key(word) + letters }
        guard !letters.isEmpty else { return committed.count }
        for shift in [0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5] {
            let end = committed.count + shift
            guard end >= 1, end <= hypothesis.count else { continue }
            var before = ""
            for word in hypothesis[..<end].reversed() where before.count < letters.count { before = key(word) + before }
            if before.hasSuffix(letters) { return end }
        }
        return committed.count
    }

    /// Letters the committed end is recognized by when its words were respelled: short enough to lie within
    /// the last words, long enough not to turn up elsewhere nearby.
    private static let minimumTailLetters = 8

    /// How many of the first `fresh` words repeat the end of `history`: the longest run of two or more words
    /// that both end `history` and begin `fresh`. Whisper sometimes transcribes a stretch twice when its audio is
    /// still in the buffer after the words were committed (seen at the end of a stream: "... from the PBX. you
    /// can press the pound key to disconnect from the PBX."); a person rarely repeats several words verbatim.
    public static func repeatedPrefixLength(of fresh: [String], after history: [String]) -> Int {
        let longest = min(fresh.count, history.count)
        guard longest >= 2 else { return 0 }
        for length in stride(from: longest, through: 2, by: -1)
        where fresh.prefix(length).map(key) == history.suffix(length).map(key) {
            return length
        }
        return 0
    }

    /// How many of the last `fresh` words repeat, verbatim, the words just before them: a stretch of three or more
    /// words said twice in a row, whose second copy lies within `fresh` (after `history`); repeated as long as
    /// the end repeats. Whisper sometimes loops once at the end of an utterance ("... from the PBX. you can press
    /// the pound key to disconnect from the PBX."), and that pass's words are all committed when the utterance
    /// closes.
    public static func repeatedSuffixLength(of fresh: [String], after history: [String]) -> Int {
        var text = (history + fresh).map(key)
        var kept = fresh.count
        var found = true
        while found {
            found = false
            for length in stride(from: min(kept, text.count / 2), through: 3, by: -1)
            where text.suffix(length) == text.dropLast(length).suffix(length) {
                text.removeLast(length)
                kept -= length
                found = true
                break
            }
        }
        return fresh.count - kept
    }

    /// Digits only, once case and punctuation are set aside ("1234.", ".8", "-0").
    static func isNumber(_ word: String) -> Bool {
        let letters = key(word)
        return !letters.isEmpty && letters.allSatisfy(\.isNumber)
    }

    /// Words are the same when their letters and digits are, whatever the case and punctuation.
    static func key(_ word: String) -> String {
        String(word.lowercased().filter { $0.isLetter || $0.isNumber })
    }
}
