// How to decode: one value with the reference implementation's defaults (faster-whisper's transcribe()).

public enum WhisperTask: String, Sendable, CaseIterable { case transcribe, translate }

public struct DecodingOptions: Sendable {
    /// nil detects the language from the first window.
    public var language: String? = nil
    public var task: WhisperTask = .transcribe
    /// 1 decodes greedily.
    public var beamSize = 5
    /// Beam search keeps going until beamSize * patience hypotheses have finished (Kasai et al. 2022).
    public var patience: Float = 1
    /// nil ranks finished hypotheses by average log-probability; a value alpha uses Google NMT's ((5 + n) / 6)^alpha.
    public var lengthPenalty: Float? = nil
    public var temperatures: [Float] = [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    public var compressionRatioThreshold: Float? = 2.4
    public var logProbThreshold: Float? = -1
    public var noSpeechThreshold: Float? = 0.6
    public var withoutTimestamps = false
    public var conditionOnPreviousText = true
    public var initialPrompt: String? = nil
    /// Hypotheses kept per window for the n-best list (at most beamSize).
    public var nBest = 1
    /// Pad each window for the encoder only to its audio rounded up to whole seconds, at least 10 s, not to 30 s
    /// as Whisper was trained (whisper.cpp's audio_ctx): the encoder's cost falls with the audio's length. Below
    /// 10 s whole phrases are lost. The stream sets it (its buffer is cut after committed words, so it stays
    /// short); batch transcription keeps full windows.
    public var shortEncoderWindows = false
    /// Tokens the first window is expected to decode to (timestamps included), e.g. a stream's previous pass over
    /// the same audio. Greedy decoding checks them all in one batched decoder pass and goes token by token only
    /// from the first one it would not have chosen, so the result is the same as without them, only cheaper.
    public var draft: [Int] = []
    /// At most this many tokens per window (faster-whisper's max_new_tokens); nil allows the reference's 224.
    public var maxNewTokens: Int? = nil
    /// Time each segment's words (`Segment.words`) from the decoder's cross-attention: one more batched decoder
    /// pass per window.
    public var wordTimestamps = false
    /// With word timestamps: punctuation that joins the word after it, and the word before it (openai-whisper's).
    public var prependPunctuations = "\"'“¿([{-"
    public var appendPunctuations = "\"'.。,，!！?？:：”)]}、"
    /// With word timestamps: skip a stretch of silence longer than this (seconds) before a segment that looks like
    /// a hallucination (improbable, very short or very long words), and drop such a segment between silences
    /// (faster-whisper's hallucination_silence_threshold); nil keeps everything.
    public var hallucinationSilenceThreshold: Double? = nil
    /// Seed of the sampler used when fallback raises the temperature above 0.
    public var seed: UInt64 = 0

    public init() {}
}
