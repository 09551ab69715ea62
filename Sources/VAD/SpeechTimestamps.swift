// Where speech is, from frame probabilities: faster-whisper's get_speech_timestamps rules, sample for sample.

/// The rules' settings, with faster-whisper's `VadOptions` defaults.
public struct SpeechDetectionOptions: Sendable, Equatable {
    /// A frame at or above this probability is speech.
    public var threshold: Float = 0.5
    /// Below this a frame is silence; between it and `threshold` a frame continues what came before.
    /// nil means max(threshold - 0.15, 0.01).
    public var negativeThreshold: Float? = nil
    /// Speech shorter than this is dropped.
    public var minSpeechMilliseconds = 0
    /// Longer speech is cut at its last pause of more than 98 ms, or, without one, where it reaches this length.
    public var maxSpeechSeconds = Double.infinity
    /// A pause must last this long to end a stretch of speech.
    public var minSilenceMilliseconds = 2000
    /// Each stretch of speech is widened by this much on both sides (by half the gap where two would overlap).
    public var speechPadMilliseconds = 400

    public init() {}
}

public enum SpeechTimestamps {
    /// The stretches of speech, as sample ranges of audio of `sampleCount` samples, from the probabilities of its
    /// 512-sample frames (`SileroVAD.speechProbabilities`).
    public static func speech(probabilities: [Float], sampleCount: Int, options: SpeechDetectionOptions = .init()) -> [Range<Int>] {
        let rate = Double(SileroVAD.sampleRate), window = SileroVAD.frameSamples
        let threshold = options.threshold
        let negativeThreshold = options.negativeThreshold ?? max(threshold - 0.15, 0.01)
        let minSpeechSamples = rate * Double(options.minSpeechMilliseconds) / 1000
        let padSamples = rate * Double(options.speechPadMilliseconds) / 1000
        let maxSpeechSamples = rate * options.maxSpeechSeconds - Double(window) - 2 * padSamples
        let minSilenceSamples = rate * Double(options.minSilenceMilliseconds) / 1000
        let minSilenceSamplesAtMaxSpeech = rate * 98 / 1000

        var speeches: [(start: Int, end: Int)] = []
        var triggered = false
        var currentStart: Int? = nil
        // Where speech may have ended (a pause that has not yet lasted long enough), and the last such place and
        // the speech after it, for cutting speech that grows too long.
        var temporaryEnd = 0, previousEnd = 0, nextStart = 0

        for (i, probability) in probabilities.enumerated() {
            let sample = window * i
            if probability >= threshold && temporaryEnd != 0 {
                temporaryEnd = 0
                if nextStart < previousEnd { nextStart = sample }
            }
            if probability >= threshold && !triggered {
                triggered = true
                currentStart = sample
                continue
            }
            if triggered, let start = currentStart, Double(sample - start) > maxSpeechSamples {
                if previousEnd != 0 {
                    speeches.append((start, previousEnd))
                    currentStart = nil
                    // The pause before was silence and what follows is not yet speech.
                    if nextStart < previousEnd { triggered = false } else { currentStart = nextStart }
                    previousEnd = 0; nextStart = 0; temporaryEnd = 0
                } else {
                    speeches.append((start, sample))
                    currentStart = nil
                    previousEnd = 0; nextStart = 0; temporaryEnd = 0
                    triggered = false
                    continue
                }
            }
            if probability < negativeThreshold && triggered {
                if temporaryEnd == 0 { temporaryEnd = sample }
                // Only a pause longer than 98 ms is a place to cut speech that grows too long.
                if Double(sample - temporaryEnd) > minSilenceSamplesAtMaxSpeech { previousEnd = temporaryEnd }
                if Double(sample - temporaryEnd) < minSilenceSamples { continue }
                if let start = currentStart, Double(temporaryEnd - start) > minSpeechSamples {
                    speeches.append((start, temporaryEnd))
                }
                currentStart = nil
                previousEnd = 0; nextStart = 0; temporaryEnd = 0
                triggered = false
                continue
            }
        }
        if let start = currentStart, Double(sampleCount - start) > minSpeechSamples {
            speeches.append((start, sampleCount))
        }

        // Padding: a gap narrower than two pads is shared half and half.
        let pad = padSamples
        for i in speeches.indices {
            if i == 0 { speeches[i].start = Int(max(0, Double(speeches[i].start) - pad)) }
            if i != speeches.count - 1 {
                let silence = speeches[i + 1].start - speeches[i].end
                if Double(silence) < 2 * pad {
                    speeches[i].end += silence / 2
                    speeches[i + 1].start = max(0, speeches[i + 1].start - silence / 2)
                } else {
                    speeches[i].end = Int(min(Double(sampleCount), Double(speeches[i].end) + pad))
                    speeches[i + 1].start = Int(max(0, Double(speeches[i + 1].start) - pad))
                }
            } else {
                speeches[i].end = Int(min(Double(sampleCount), Double(speeches[i].end) + pad))
            }
        }
        return speeches.map { $0.start..<max($0.start, $0.end) }
    }
}
