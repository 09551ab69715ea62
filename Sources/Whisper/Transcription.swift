// What recognition returns: segments with times, tokens and scores, the detected language, and the n-best list.

/// One decoded hypothesis of a window, as beam search ranks them.
public struct Hypothesis: Equatable, Sendable, Codable {
    public var text: String
    public var tokens: [Int]
    /// Sum of the token log-probabilities.
    public var logProbability: Float
    /// logProbability divided by the token count (the reference's avg_logprob).
    public var averageLogProbability: Float

    public init(text: String, tokens: [Int], logProbability: Float, averageLogProbability: Float) {
        self.text = text
        self.tokens = tokens
        self.logProbability = logProbability
        self.averageLogProbability = averageLogProbability
    }
}

/// A stretch of speech with its text, as Whisper's timestamp tokens delimit it.
public struct Segment: Equatable, Sendable, Codable {
    public var start: Double
    public var end: Double
    public var text: String
    public var tokens: [Int]
    public var averageLogProbability: Float
    public var noSpeechProbability: Float
    public var compressionRatio: Float
    public var temperature: Float
    /// The words with their times, when `DecodingOptions.wordTimestamps` asked for them.
    public var words: [TimedWord]

    public init(start: Double, end: Double, text: String, tokens: [Int], averageLogProbability: Float,
                noSpeechProbability: Float, compressionRatio: Float, temperature: Float, words: [TimedWord] = []) {
        self.start = start
        self.end = end
        self.text = text
        self.tokens = tokens
        self.averageLogProbability = averageLogProbability
        self.noSpeechProbability = noSpeechProbability
        self.compressionRatio = compressionRatio
        self.temperature = temperature
        self.words = words
    }
}

/// A language and the probability the model gave it.
public struct LanguageProbability: Equatable, Sendable, Codable {
    public var language: String
    public var probability: Float

    public init(language: String, probability: Float) {
        self.language = language
        self.probability = probability
    }
}

/// The whole result for one input.
public struct Transcription: Equatable, Sendable, Codable {
    public var language: String
    /// Top detected languages, most likely first (empty when the language was given).
    public var languageProbabilities: [LanguageProbability]
    public var segments: [Segment]
    /// Up to beam-size hypotheses for the whole input, best first: each window's k-th hypothesis joined.
    public var nBest: [Hypothesis]
    public var duration: Double

    public var text: String { segments.map(\.text).joined() }

    public init(language: String, languageProbabilities: [LanguageProbability], segments: [Segment],
                nBest: [Hypothesis], duration: Double) {
        self.language = language
        self.languageProbabilities = languageProbabilities
        self.segments = segments
        self.nBest = nBest
        self.duration = duration
    }
}
