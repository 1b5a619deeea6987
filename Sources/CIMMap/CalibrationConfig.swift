import CIMCore
import Foundation

/// How `cim export --calibrate` calibrates a mapping on the calibration set (the images the
/// mapper's checks already run): per-column weight scales with a clipping rule, static input
/// ranges, and the ADC full scale of every tile. Stored, with the calibration set's SHA-256, in
/// the image's provenance (``CalibrationRecord``).
///
/// Each choice follows a deployment flow: per-column weight scales (IBM aihwkit's
/// `weight_scaling_columnwise`), a clipping value below the maximum from a percentile
/// (NeuRRAM's software; Wan et al., Nature 608, 504 (2022)) or k·σ, static input ranges from a
/// quantile of the calibration inputs (aihwkit's `calibrate_input_ranges`, default quantile
/// 0.99995), and the ADC range that minimises quantisation plus clipping error on the
/// calibration set (CrossSim's calibrated ADC limits).
public struct CalibrationConfig: Codable, Equatable, Sendable {
    /// The value of |w| that a column's largest level difference represents.
    public enum WeightClip: Equatable, Sendable, CustomStringConvertible {
        /// The column's largest |w| (nothing clips).
        case max
        /// The p-th percentile (0 < p ≤ 100) of the column's |w|.
        case percentile(Double)
        /// k times the standard deviation of the column's weights (at most its largest |w|).
        case sigma(Double)

        /// `max`, `percentile:P` or `sigma:K`.
        public init(parsing text: String) throws(CIMError) {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            let value = parts.count == 2 ? Double(parts[1]) : nil
            switch (parts.first ?? "", value) {
            case ("max", _) where parts.count == 1: self = .max
            case ("percentile", let p?) where p > 0 && p <= 100: self = .percentile(p)
            case ("sigma", let k?) where k > 0 && k.isFinite: self = .sigma(k)
            default:
                throw .invalidConfig(field: "weightClip", reason: "'\(text)' is not max, percentile:P (0 < P ≤ 100) or sigma:K (K > 0)")
            }
        }

        public var description: String {
            switch self {
            case .max: "max"
            case .percentile(let p): "percentile:\(p)"
            case .sigma(let k): "sigma:\(k)"
            }
        }
    }

    /// How a layer's inputs are scaled for the DAC.
    public enum InputRange: Equatable, Sendable, CustomStringConvertible {
        /// Every input vector by its own largest |x| (digital, per vector: the uncalibrated way).
        case absMax
        /// A static range per tile row block: the q-quantile (0 < q ≤ 1) of |x| over the block's
        /// inputs on the calibration set; q = 1 is the largest.
        case quantile(Double)

        /// `abs-max`, `max` (= quantile:1) or `quantile:Q`.
        public init(parsing text: String) throws(CIMError) {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            switch (parts.first ?? "", parts.count == 2 ? Double(parts[1]) : nil) {
            case ("abs-max", _) where parts.count == 1: self = .absMax
            case ("max", _) where parts.count == 1: self = .quantile(1)
            case ("quantile", let q?) where q > 0 && q <= 1: self = .quantile(q)
            default: throw .invalidConfig(field: "inputRange", reason: "'\(text)' is not abs-max, max or quantile:Q (0 < Q ≤ 1)")
            }
        }

        public var description: String {
            switch self {
            case .absMax: "abs-max"
            case .quantile(let q): "quantile:\(q)"
            }
        }
    }

    /// How each tile's ADC full scale is chosen.
    public enum ADCRange: String, Codable, Equatable, Sendable, CaseIterable {
        /// The chip's full scale for every tile.
        case chip
        /// Per tile, the full scale in (0, chip's] (a grid of ``adcCandidates`` steps) that
        /// minimises Σ (ADC(I) − I)² over the tile's noiseless partial sums on the calibration set.
        /// The chip's full scale is the converter's largest: calibration may narrow it, not widen it.
        case mse
    }

    public var weightClip: WeightClip = .max
    public var inputRange: InputRange = .quantile(0.99995)
    public var adcRange: ADCRange = .mse
    /// Candidate full scales of ``ADCRange/mse``: chip FS · j / adcCandidates, j = 1 … adcCandidates.
    public static let adcCandidates = 256

    public init(weightClip: WeightClip = .max, inputRange: InputRange = .quantile(0.99995), adcRange: ADCRange = .mse) {
        self.weightClip = weightClip
        self.inputRange = inputRange
        self.adcRange = adcRange
    }

    private enum Keys: String, CodingKey { case weightClip, inputRange, adcRange }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        do {
            weightClip = try WeightClip(parsing: try c.decode(String.self, forKey: .weightClip))
            inputRange = try InputRange(parsing: try c.decode(String.self, forKey: .inputRange))
        } catch let e as CIMError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: e.description))
        }
        adcRange = try c.decode(ADCRange.self, forKey: .adcRange)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(weightClip.description, forKey: .weightClip)
        try c.encode(inputRange.description, forKey: .inputRange)
        try c.encode(adcRange, forKey: .adcRange)
    }

    /// The values a parser accepts (re-checked for configs made in code).
    public func validate() throws(CIMError) {
        _ = try WeightClip(parsing: weightClip.description)
        _ = try InputRange(parsing: inputRange.description)
    }
}
