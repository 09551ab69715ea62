// The stream driver: VAD-gated utterances, a re-decode every step, LocalAgreement commits and buffer trimming.
import Audio
import Foundation

/// Count, mean and maximum of a cost, in constant memory (a stream may run for days).
public struct RunningCost: Sendable {
    public private(set) var count = 0
    public private(set) var total = 0.0
    public private(set) var maximum = 0.0
    public var mean: Double { count == 0 ? 0 : total / Double(count) }

    mutating func add(_ seconds: Double) {
        count += 1
        total += seconds
        maximum = max(maximum, seconds)
    }
}

public struct StreamOptions: Sendable {
    /// Re-decode the growing buffer after this much new audio. Shorter steps commit words sooner, at the cost of
    /// more passes (Benchmarks/results/stream.md); a pass that takes longer than a step makes the step that long.
    /// Not 400 ms, though its words came 0.2 s sooner: two of its passes over the start of jfk.flac's second
    /// utterance (paced) agreed on a mishearing ("Is not. Why do you can do for you." for "ask not what your
    /// country can do for you"), and the benchmark's paced WER spread to 4.0-6.8%.
    public var stepSeconds = 0.5
    /// The step in whole milliseconds, as `hark stream --step-ms` and the server's `step_ms` give it.
    public var stepMilliseconds: Int {
        get { Int((stepSeconds * 1000).rounded()) }
        set { stepSeconds = Double(newValue) / 1000 }
    }
    /// The step in samples of speech-rate audio: what the audio pump hands over at least.
    public var stepSamples: Int { stepMilliseconds * speechSampleRate / 1000 }
    /// Silence that ends an utterance.
    public var endpointSeconds = 0.8
    /// An utterance longer than this is ended even without a pause.
    public var maxUtteranceSeconds = 60.0
    /// Audio kept from before the detected onset, since the detector needs a few frames to be sure.
    public var preRollSeconds = 0.3
    /// The buffer is cut before reaching Whisper's 30-s window: if no committed segment end allows a trim by
    /// then, the complete segments of the latest hypothesis are committed and cut away.
    public var maxBufferSeconds = 25.0
    /// Once the buffer holds this much audio, it is cut right after its committed words when the recognizer timed
    /// them (Whisper's word timings), so each pass decodes mostly new speech.
    public var wordTrimSeconds = 4.0
    /// Words of committed text fed back as the prompt.
    public var promptWords = 60
    public var vad = VADParameters()

    public init() {}
}

/// Feed it audio as it arrives; it returns the events that audio caused. A file is a stream that ends: call
/// `finish` at the end of input (or on interrupt) to flush the last utterance.
public final class StreamRecognizer<Decoder: UtteranceDecoder> {
    public let options: StreamOptions
    private var decoder: Decoder
    private var vad: VoiceActivityDetector
    private var agreement = LocalAgreement()
    /// Audio not yet a whole VAD frame.
    private var pending: [Float] = []
    /// The last samples before an onset, while no utterance is open.
    private var preRoll: [Float] = []
    /// Audio of the open utterance since the last trim, and where it starts in the input (samples).
    private var buffer: [Float] = []
    private var bufferStart = 0
    private var inUtterance = false
    private var utteranceStart = 0
    private var samplesSeen = 0
    private var silentSamples = 0
    private var samplesSinceDecode = 0
    /// Segments of the latest hypothesis.
    private var segments: [TimedText] = [] {
        didSet { words = HypothesisWord.words(of: segments) }
    }
    /// All words of `segments`, in order, with their times.
    private var words: [HypothesisWord] = []
    private var history: [String] = []
    private var lastPartial = ""
    /// Wall time of each decode pass, for `--stats`.
    public private(set) var decodeCost = RunningCost()
    private static var rate: Double { 16_000 }

    public init(decoder: Decoder, options: StreamOptions = StreamOptions()) {
        self.decoder = decoder
        self.options = options
        vad = VoiceActivityDetector(parameters: options.vad)
    }

    /// Runs the detector over `samples`, opens and closes utterances, and re-decodes once a step of new
    /// utterance audio has accumulated (at most once per call, so a caller that hands over large blocks
    /// decodes less often).
    public func feed(_ samples: [Float]) throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        pending += samples
        let frame = options.vad.frameSamples
        var consumed = 0
        while pending.count - consumed >= frame {
            let frameSamples = pending[consumed..<(consumed + frame)]
            consumed += frame
            let speech = vad.process(frameSamples)
            samplesSeen += frame
            if !inUtterance {
                preRoll += frameSamples
                let keep = Int(options.preRollSeconds * Self.rate)
                if preRoll.count > keep { preRoll.removeFirst(preRoll.count - keep) }
                if speech { openUtterance() }
                continue
            }
            buffer += frameSamples
            samplesSinceDecode += frame
            silentSamples = speech ? 0 : silentSamples + frame
            if Double(silentSamples) >= options.endpointSeconds * Self.rate
                || Double(samplesSeen - utteranceStart) >= options.maxUtteranceSeconds * Self.rate {
                events += try closeUtterance()
            }
        }
        pending.removeFirst(consumed)
        if inUtterance, Double(samplesSinceDecode) >= options.stepSeconds * Self.rate {
            events += try step()
        }
        return events
    }

    /// Ends the stream: the open utterance is decoded once more and all of it committed.
    public func finish() throws -> [StreamEvent] {
        if inUtterance {
            buffer += pending
            pending = []
            return try closeUtterance()
        }
        return []
    }

    // MARK: Utterances

    private func openUtterance() {
        inUtterance = true
        buffer = preRoll
        preRoll = []
        bufferStart = samplesSeen - buffer.count
        utteranceStart = bufferStart
        silentSamples = 0
        samplesSinceDecode = buffer.count
        agreement = LocalAgreement()
        segments = []
        lastPartial = ""
    }

    private func closeUtterance() throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        try hypothesize()
        let agreed = agreement.insert(words.map(\.text))
        let rest = agreement.commitTentative(agreement.tentative.count)
        if let event = finalEvent(agreed + rest) { events.append(event) }
        events.append(StreamEvent(kind: .endOfUtterance, start: seconds(bufferStart), end: seconds(samplesSeen), text: ""))
        inUtterance = false
        buffer = []
        segments = []
        agreement = LocalAgreement()
        return events
    }

    /// One LocalAgreement round: decode, commit what two hypotheses agree on, show the rest, trim.
    private func step() throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        if try hypothesize(), let event = finalEvent(agreement.insert(words.map(\.text))) { events.append(event) }
        if bufferIsOverLimit, segments.count > 1 {
            // No agreement came in time: take the complete segments as they are, keeping the last one open.
            let complete = words.filter { $0.segment < segments.count - 1 }.count
            let forced = max(0, complete - agreement.committed.count)
            if let event = finalEvent(agreement.commitTentative(forced)) { events.append(event) }
        }
        trimCommitted()
        if bufferIsOverLimit {
            events += cutAfterHypothesis()
            if bufferIsOverLimit {
                events += try closeUtterance()
                return events
            }
        }
        let partial = agreement.tentative.joined(separator: " ")
        if partial != lastPartial {
            lastPartial = partial
            let start = segments.last.map { seconds(bufferStart) + $0.start } ?? seconds(bufferStart)
            events.append(StreamEvent(kind: .partial, start: start, end: seconds(bufferStart + buffer.count), text: partial))
        }
        return events
    }

    /// Decodes the buffer. Returns false, keeping the previous hypothesis, when the pass heard nothing in a
    /// buffer that held words: the buffer still holds that speech, so the pass failed (Whisper ending at once,
    /// its no-speech gate on a few words in a padded window, or a repetition loop that was dropped). Taking it
    /// would lose the words at the end of an utterance.
    @discardableResult
    private func hypothesize() throws -> Bool {
        samplesSinceDecode = 0
        // Only text whose audio is gone: words still in the buffer would be in the prompt and the audio both,
        // and Whisper then continues after them instead of transcribing them again.
        let prompt = history.dropLast(agreement.committed.count).suffix(options.promptWords).joined(separator: " ")
        var hypothesis = try timedDecode(prompt: prompt)
        // Whisper sometimes ends at once after the prompt, on a buffer whose words it heard a step before (5 of a
        // paced run's 141 passes came back empty, its no-speech gate aside; tried again without the prompt, such
        // passes had their words). Once more without it now, rather than a step later.
        if hypothesis.isEmpty && !words.isEmpty && !prompt.isEmpty { hypothesis = try timedDecode(prompt: "") }
        if hypothesis.isEmpty && !words.isEmpty { return false }
        segments = hypothesis
        return true
    }

    /// One decode of the buffer, its wall time counted for `--stats`.
    private func timedDecode(prompt: String) throws -> [TimedText] {
        let started = Date()
        defer { decodeCost.add(Date().timeIntervalSince(started)) }
        return try decoder.decode(buffer, prompt: prompt, previous: segments)
    }

    /// The buffer is still too long: the hypothesis is one long segment, or the pass stopped before the end of
    /// the audio. All of it is committed and its audio cut; the audio after its last timestamp stays in the
    /// buffer, since no pass has transcribed it yet.
    private func cutAfterHypothesis() -> [StreamEvent] {
        let event = finalEvent(agreement.commitTentative(agreement.tentative.count))
        let samples = min(buffer.count, max(0, Int((segments.last?.end ?? 0) * Self.rate)))
        buffer.removeFirst(samples)
        bufferStart += samples
        agreement = LocalAgreement()
        segments = []
        return event.map { [$0] } ?? []
    }

    /// Drops the audio of committed words. With timed words and a buffer of `wordTrimSeconds` or more, the cut is
    /// before the last committed word (a word's start is where the previous one ends), if a word follows it: that
    /// word stays in the buffer, committed, so a cut a little late (word times are only as good as the attention
    /// they come from) clips a word already final, and the next pass starts on speech it has context for. A cut
    /// right after the last committed word left a word's tail at the buffer's start, and Whisper made up words
    /// for it. Otherwise the cut is at the end of the leading segments whose words are all committed, but never
    /// of the latest segment, whose end time may still move: Whisper places a segment end well once speech
    /// continues after it.
    private func trimCommitted() {
        let committed = min(agreement.committed.count, words.count)
        guard committed > 0 else { return }
        if committed >= 2, committed < words.count, words[committed - 2].isAligned,
           Double(buffer.count) >= options.wordTrimSeconds * Self.rate {
            cut(at: words[committed - 2].end, words: committed - 1)
            return
        }
        var count = 0
        var end: Double?
        for (index, segment) in segments.dropLast().enumerated() {
            let inSegment = words.filter { $0.segment == index }.count
            guard count + inSegment <= committed else { break }
            count += inSegment
            end = segment.end
        }
        if let end { cut(at: end, words: count) }
    }

    /// Drops the buffer's first `seconds` and the hypothesis' first `count` words, which that audio held.
    private func cut(at seconds: Double, words count: Int) {
        let samples = min(buffer.count, max(0, Int(seconds * Self.rate)))
        let shift = Double(samples) / Self.rate
        buffer.removeFirst(samples)
        bufferStart += samples
        agreement.forget(first: count)
        var dropped = count
        var kept: [TimedText] = []
        for (index, var segment) in segments.enumerated() {
            let inSegment = words.filter { $0.segment == index }.count
            if dropped >= inSegment {
                dropped -= inSegment
                continue
            }
            if dropped > 0 {
                // Cut inside this segment (timed words only): it now starts at its first kept word.
                segment.words.removeFirst(dropped)
                segment.tokens = segment.words.flatMap(\.tokens)
                segment.text = segment.words.map(\.text).joined()
                segment.start = segment.words[0].start
                dropped = 0
            }
            segment.start = max(0, segment.start - shift)
            segment.end = max(segment.start, segment.end - shift)
            for index in segment.words.indices {
                segment.words[index].start = max(0, segment.words[index].start - shift)
                segment.words[index].end = max(0, segment.words[index].end - shift)
            }
            kept.append(segment)
        }
        segments = kept
    }

    // MARK: Events

    /// A final event for words just committed, timed by the hypothesis' words.
    /// Words that only repeat the text committed just before them, or a stretch said twice at their end, are dropped.
    private func finalEvent(_ newlyCommitted: [String]) -> StreamEvent? {
        var committedWords = Array(newlyCommitted.dropFirst(LocalAgreement.repeatedPrefixLength(of: newlyCommitted, after: history)))
        let repeatedEnd = LocalAgreement.repeatedSuffixLength(of: committedWords, after: history)
        committedWords.removeLast(repeatedEnd)
        guard !committedWords.isEmpty else { return nil }
        history += committedWords
        let kept = options.promptWords + agreement.committed.count
        if history.count > kept { history.removeFirst(history.count - kept) }
        let lastIndex = agreement.committed.count - 1 - repeatedEnd
        let firstIndex = lastIndex - committedWords.count + 1
        return StreamEvent(kind: .final, start: seconds(bufferStart) + wordTime(firstIndex, end: false),
                           end: seconds(bufferStart) + wordTime(lastIndex, end: true), text: committedWords.joined(separator: " "))
    }

    /// Where word `index` of the hypothesis starts or ends within the buffer, in seconds; Whisper's last
    /// timestamp can lie past the audio.
    private func wordTime(_ index: Int, end: Bool) -> Double {
        let bufferSeconds = Double(buffer.count) / Self.rate
        guard words.indices.contains(index) else { return min(segments.last?.end ?? bufferSeconds, bufferSeconds) }
        return min(end ? words[index].end : words[index].start, bufferSeconds)
    }

    private func seconds(_ samples: Int) -> Double { Double(samples) / Self.rate }

    private var bufferIsOverLimit: Bool { Double(buffer.count) > options.maxBufferSeconds * Self.rate }
}

/// A word of a hypothesis: its text, where it lies in the buffer, and which segment holds it.
struct HypothesisWord {
    let text: String
    let start: Double
    let end: Double
    let segment: Int
    /// Timed by the recognizer; otherwise interpolated within its segment by characters.
    let isAligned: Bool

    static func words(of segments: [TimedText]) -> [HypothesisWord] {
        var words: [HypothesisWord] = []
        for (index, segment) in segments.enumerated() {
            if !segment.words.isEmpty {
                words += segment.words.map {
                    HypothesisWord(text: $0.text.trimmingCharacters(in: .whitespaces), start: $0.start, end: $0.end, segment: index,
                                   isAligned: true)
                }
                continue
            }
            let texts = segment.text.split(separator: " ").map(String.init)
            let characters = texts.map { $0.count + 1 }
            let total = Double(max(1, characters.reduce(0, +)))
            var before = 0
            for (text, count) in zip(texts, characters) {
                let start = segment.start + Double(before) / total * (segment.end - segment.start)
                before += count
                let end = segment.start + Double(before) / total * (segment.end - segment.start)
                words.append(HypothesisWord(text: text, start: start, end: end, segment: index, isAligned: false))
            }
        }
        return words
    }
}
