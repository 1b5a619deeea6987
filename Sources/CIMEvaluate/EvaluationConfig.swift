import CIMCore

/// A robustness audit's settings (`cim evaluate` flags), written into the report.
public struct EvaluationConfig: Codable, Sendable, Equatable {
    /// Fresh programmed chips per image (and per sweep value).
    public var trials: Int = 10
    /// Every trial's randomness derives from (seed, trial index) only.
    public var seed: UInt64 = 1
    /// Overrides of the image's device (nil = the image's own).
    public var programmingSigma: NoiseSetting? = nil
    public var readSigma: NoiseSetting? = nil
    public var stuckRate: Double? = nil
    /// Seconds since programming, for drift and accumulated 1/f read noise (nil = 0 s: none;
    /// no drift until the device's t₀).
    public var timeSeconds: Double? = nil
    /// Drift compensation of the evaluated chip (``DriftCompensation``; nil = none, not recorded).
    public var driftCompensation: DriftCompensation? = nil
    /// Test images (first N; nil = all).
    public var testLimit: Int? = nil
    /// Images per inference batch. Part of the experiment's definition: it changes which noise
    /// draws each image gets (not their distribution); results are reproducible for a given
    /// (seed, batch size).
    public var batchSize: Int = 100
    /// Swept parameter and values (`prog-sigma`, `read-sigma`, `time`, `stuck-rate`).
    public var sweep: Sweep? = nil

    public struct Sweep: Codable, Sendable, Equatable {
        public enum Parameter: String, Codable, CaseIterable, Sendable {
            case progSigma = "prog-sigma", readSigma = "read-sigma", time, stuckRate = "stuck-rate"
        }
        public var parameter: Parameter
        /// The values as given (noise levels may carry a `uS` suffix).
        public var values: [String]

        /// Parses `prog-sigma=0,0.25,0.5`.
        public static func parse(_ text: String) throws(CIMError) -> Sweep {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let p = Parameter(rawValue: parts[0]) else {
                throw .invalidConfig(field: "--sweep", reason: "'\(text)' is not PARAM=V1,V2,… with PARAM one of \(Parameter.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let values = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else { throw .invalidConfig(field: "--sweep", reason: "'\(text)' has no values") }
            let s = Sweep(parameter: p, values: values)
            for v in values { _ = try s.apply(v, to: EvaluationConfig()) }
            return s
        }

        /// `config` with this parameter set to `value`.
        public func apply(_ value: String, to config: EvaluationConfig) throws(CIMError) -> EvaluationConfig {
            var c = config
            switch parameter {
            case .progSigma: c.programmingSigma = try NoiseSetting.parse(value, field: "--sweep prog-sigma")
            case .readSigma: c.readSigma = try NoiseSetting.parse(value, field: "--sweep read-sigma")
            case .time:
                guard let t = Double(value), t.isFinite, t >= 0 else { throw .invalidConfig(field: "--sweep time", reason: "'\(value)' is not a time ≥ 0 s") }
                c.timeSeconds = t
            case .stuckRate:
                guard let r = Double(value), (0...1).contains(r) else { throw .invalidConfig(field: "--sweep stuck-rate", reason: "'\(value)' is not in [0, 1]") }
                c.stuckRate = r
            }
            return c
        }
    }

    public init() {}

    /// The most trials per image and sweep value (and so the most shards) an audit may have.
    public static let maxTrials = 1_000_000

    public func validate() throws(CIMError) {
        guard (1...Self.maxTrials).contains(trials) else { throw .invalidConfig(field: "--trials", reason: "\(trials) must be in 1…\(Self.maxTrials)") }
        if let r = stuckRate, !(0...1).contains(r) { throw .invalidConfig(field: "--stuck-rate", reason: "\(r) must be in [0, 1]") }
        if let t = timeSeconds, !(t.isFinite && t >= 0) { throw .invalidConfig(field: "--time", reason: "\(t) s must be ≥ 0") }
        if let n = testLimit, n < 1 { throw .invalidConfig(field: "--test-limit", reason: "\(n) must be ≥ 1") }
        guard batchSize >= 1 else { throw .invalidConfig(field: "--batch-size", reason: "\(batchSize) must be ≥ 1") }
    }
}
