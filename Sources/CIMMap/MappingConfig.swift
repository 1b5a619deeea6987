import CIMCore
import CIMCrossbar

/// How to map (`cim export` / `cim convert` flags).
public struct MappingConfig: Codable, Sendable, Equatable {
    /// Which weights of an on-chip-trained source to map (see ``ImageInfo/weightsFrom``).
    public enum WeightSource: String, Codable, CaseIterable, Sendable { case programmed, targets, digital }

    /// The target chip.
    public var spec: ChipSpec
    public var weightsFrom: WeightSource = .programmed
    /// Seed of the Monte Carlo checks.
    public var seed: UInt64 = 1
    /// Monte Carlo draws of programming error per layer (0 = skip the check).
    public var monteCarloDraws: Int = 10
    /// Threshold of the programming-error check: mean ‖y − y₀‖/‖y₀‖ of a layer's outputs.
    public var maxProgrammingRelativeError: Double = 0.25
    /// Threshold of the ADC check: fraction of clipped conversions on the calibration batch.
    public var maxADCClippingRate: Double = 0.01
    /// Threshold of the defect check: stuck devices that disagree with their target.
    public var maxDefectConflicts: Int = 0
    /// Calibration on the calibration set (`--calibrate`); `nil` = one scale per layer, abs-max
    /// inputs and the chip's ADC full scale (as before calibration existed).
    public var calibration: CalibrationConfig? = nil
    /// Device pairs per weight (`--slices`, ``BitSlicing``): 1 = one pair, as before slicing existed.
    public var slices: Int = 1

    public init(spec: ChipSpec) { self.spec = spec }

    /// Most Monte Carlo draws of the programming-error check: 10,000.
    public static let maxMonteCarloDraws = 10_000

    /// The slicing of ``slices`` pairs of the chip's device.
    public var slicing: BitSlicing {
        get throws(CIMError) { try BitSlicing(count: slices, levels: spec.device.levels) }
    }

    public func validate() throws(CIMError) {
        try spec.validate()
        guard spec.device.levels <= 256 else {
            throw .invalidConfig(field: "chip.device.levels", reason: "\(spec.device.levels) levels do not fit the image's uint8 level indices (at most 256)")
        }
        guard (0...Self.maxMonteCarloDraws).contains(monteCarloDraws) else {
            throw .invalidConfig(field: "monteCarloDraws", reason: "\(monteCarloDraws) must be from 0 to \(Self.maxMonteCarloDraws)")
        }
        guard maxProgrammingRelativeError.isFinite, maxProgrammingRelativeError > 0 else {
            throw .invalidConfig(field: "maxProgrammingRelativeError", reason: "\(maxProgrammingRelativeError) must be > 0")
        }
        guard maxADCClippingRate.isFinite, (0...1).contains(maxADCClippingRate) else {
            throw .invalidConfig(field: "maxADCClippingRate", reason: "\(maxADCClippingRate) must be in [0, 1]")
        }
        try calibration?.validate()
        _ = try slicing
        guard maxDefectConflicts >= 0 else { throw .invalidConfig(field: "maxDefectConflicts", reason: "\(maxDefectConflicts) must be ≥ 0") }
    }
}
