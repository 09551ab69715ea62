// The stream driver: VAD-gated utterances, a re-decode every step, LocalAgreement commits and buffer trimming.
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
    /// Re-decode the growing buffer after this much new audio.
    public var stepSeconds = 1.0
    /// Silence that ends an utterance.
    public var endpointSeconds = 0.8
    /// An utterance longer than this is ended even without a pause.
    public var maxUtteranceSeconds = 60.0
    /// Audio kept from before the detected onset, since the detector needs a few frames to be sure.
    public var preRollSeconds = 0.3
    /// The buffer is cut before reaching Whisper's 30-s window: if no committed segment end allows a trim by
    /// then, the complete segments of the latest hypothesis are committed and cut away.
    public var maxBufferSeconds = 25.0
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
    /// Segments of the latest hypothesis, with the words of each.
    private var segments: [(text: TimedText, words: [String])] = []
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
        let agreed = agreement.insert(segments.flatMap(\.words))
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
        try hypothesize()
        if let event = finalEvent(agreement.insert(segments.flatMap(\.words))) { events.append(event) }
        if bufferIsOverLimit, segments.count > 1 {
            // No agreement came in time: take the complete segments as they are, keeping the last one open.
            let complete = segments.dropLast().reduce(0) { $0 + $1.words.count }
            let forced = max(0, complete - agreement.committed.count)
            if let event = finalEvent(agreement.commitTentative(forced)) { events.append(event) }
        }
        trimCommittedSegments()
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
            let start = segments.last.map { seconds(bufferStart) + $0.text.start } ?? seconds(bufferStart)
            events.append(StreamEvent(kind: .partial, start: start, end: seconds(bufferStart + buffer.count), text: partial))
        }
        return events
    }

    private func hypothesize() throws {
        samplesSinceDecode = 0
        // Only text whose audio is gone: words still in the buffer would be in the prompt and the audio both,
        // and Whisper then continues after them instead of transcribing them again.
        let prompt = history.dropLast(agreement.committed.count).suffix(options.promptWords).joined(separator: " ")
        let started = Date()
        segments = try decoder.decode(buffer, prompt: prompt, previous: segments.map(\.text)).map { segment in
            (segment, segment.text.split(separator: " ").map(String.init))
        }
        decodeCost.add(Date().timeIntervalSince(started))
    }

    /// The buffer is still too long: the hypothesis is one long segment, or the pass stopped before the end of
    /// the audio. All of it is committed and its audio cut; the audio after its last timestamp stays in the
    /// buffer, since no pass has transcribed it yet.
    private func cutAfterHypothesis() -> [StreamEvent] {
        let event = finalEvent(agreement.commitTentative(agreement.tentative.count))
        let samples = min(buffer.count, max(0, Int((segments.last?.text.end ?? 0) * Self.rate)))
        buffer.removeFirst(samples)
        bufferStart += samples
        agreement = LocalAgreement()
        segments = []
        return event.map { [$0] } ?? []
    }

    /// Drops the audio of the leading segments whose words are all committed, but never the latest segment,
    /// whose end time may still move: Whisper places a segment end well once speech continues after it.
    private func trimCommittedSegments() {
        var words = 0
        var cut: (seconds: Double, words: Int, segments: Int)?
        for (index, segment) in segments.dropLast().enumerated() {
            words += segment.words.count
            guard words <= agreement.committed.count else { break }
            cut = (segment.text.end, words, index + 1)
        }
        guard let cut else { return }
        let samples = min(buffer.count, Int(cut.seconds * Self.rate))
        buffer.removeFirst(samples)
        bufferStart += samples
        agreement.forget(first: cut.words)
        segments.removeFirst(cut.segments)
        for index in segments.indices {
            segments[index].text.start -= cut.seconds
            segments[index].text.end -= cut.seconds
        }
    }

    // MARK: Events

    /// A final event for words just committed, timed by interpolating within their segments by characters.
    private func finalEvent(_ words: [String]) -> StreamEvent? {
        guard !words.isEmpty else { return nil }
        history += words
        let kept = options.promptWords + agreement.committed.count
        if history.count > kept { history.removeFirst(history.count - kept) }
        let lastIndex = agreement.committed.count - 1
        let firstIndex = lastIndex - words.count + 1
        return StreamEvent(kind: .final, start: seconds(bufferStart) + wordTime(firstIndex, end: false),
                           end: seconds(bufferStart) + wordTime(lastIndex, end: true), text: words.joined(separator: " "))
    }

    /// Where word `index` of the hypothesis starts or ends within the buffer, in seconds; Whisper's last
    /// timestamp can lie past the audio.
    private func wordTime(_ index: Int, end: Bool) -> Double {
        min(interpolatedWordTime(index, end: end), Double(buffer.count) / Self.rate)
    }

    private func interpolatedWordTime(_ index: Int, end: Bool) -> Double {
        var first = 0
        for segment in segments {
            if index < first + segment.words.count {
                let local = index - first
                let characters = segment.words.map { $0.count + 1 }
                let before = characters.prefix(end ? local + 1 : local).reduce(0, +)
                let fraction = Double(before) / Double(max(1, characters.reduce(0, +)))
                return segment.text.start + fraction * (segment.text.end - segment.text.start)
            }
            first += segment.words.count
        }
        return segments.last?.text.end ?? Double(buffer.count) / Self.rate
    }

    private func seconds(_ samples: Int) -> Double { Double(samples) / Self.rate }

    private var bufferIsOverLimit: Bool { Double(buffer.count) > options.maxBufferSeconds * Self.rate }
}
