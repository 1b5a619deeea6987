import CIMCore
import CIMCrossbar
import CIMDevice

/// How a hardware-aware run (`cim train --rule hardware-aware`) simulates the chip it trains
/// for (part of ``TrainingConfig``, in `training.json` as `config.hardwareAware`).
///
/// The weights stay digital FP32; every batch's forward pass sees them as the target chip would
/// hold them after an export (``HardwareAwareChip``). Noise-injection training after Joshi et
/// al., Nat. Commun. 11, 2473 (2020), and IBM aihwkit's hardware-aware training (Rasch et al.,
/// Nat. Commun. 14, 5282 (2023)).
public struct HardwareAwareConfig: Codable, Equatable, Sendable {
    /// Chip preset (``ChipPreset``), or where ``customChip`` came from (a chip file's path, a
    /// preset with `--set` overrides) when that is set. Default: the inference chip the paper's
    /// models are exported to, `wu2023-inference`.
    public var chip: String = ChipPreset.wu2023Inference.rawValue
    /// A chip given in full (from a chip file or with `--set` overrides), used instead of the
    /// preset ``chip`` names; stored in training.json and the checkpoint.
    public var customChip: ChipSpec? = nil
    /// Multiplies the device's programming σ (constant, polynomial or per level); 1 = the
    /// device's own, 0 = no programming error. Dimensionless, ≥ 0.
    public var noiseScale: Double = 1
    /// Time after programming at which the forward pass reads the devices, s (drift with the
    /// device's ν, its device-to-device spread and accumulated 1/f read noise); `nil` = right
    /// after programming (no drift). No drift compensation is applied (evaluation's
    /// `--drift-compensation` is not simulated).
    public var driftSeconds: Double? = nil
    /// Simulate the chip's periphery (DAC/ADC with ADC noise); `false` = ideal periphery.
    public var periphery: Bool = true
    /// Largest noise scale accepted (σ beyond the window is meaningless long before).
    public static let maxNoiseScale = 1000.0
    /// Latest drift time accepted, s (10⁹ s ≈ 32 years).
    public static let maxDriftSeconds = 1e9

    public init(chip: String = ChipPreset.wu2023Inference.rawValue, noiseScale: Double = 1, driftSeconds: Double? = nil, periphery: Bool = true) {
        self.chip = chip
        self.noiseScale = noiseScale
        self.driftSeconds = driftSeconds
        self.periphery = periphery
    }

    enum CodingKeys: String, CodingKey { case chip, customChip, noiseScale, driftSeconds, periphery }

    /// Decodes a configuration; absent keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chip = try c.decodeIfPresent(String.self, forKey: .chip) ?? ChipPreset.wu2023Inference.rawValue
        customChip = try c.decodeIfPresent(ChipSpec.self, forKey: .customChip)
        noiseScale = try c.decodeIfPresent(Double.self, forKey: .noiseScale) ?? 1
        driftSeconds = try c.decodeIfPresent(Double.self, forKey: .driftSeconds)
        periphery = try c.decodeIfPresent(Bool.self, forKey: .periphery) ?? true
    }

    /// Sets the chip from a preset name or a chip file with `--set` overrides (as
    /// ``OnChipConfig/useChip(_:set:)``).
    public mutating func useChip(_ nameOrFile: String, set overrides: [String] = []) throws(CIMError) {
        chip = nameOrFile
        customChip = try ChipDocument.customSpec(nameOrFile, set: overrides)
    }

    /// The chip in force: ``customChip`` or the preset, with the periphery made ideal as configured.
    public func chipSpec() throws(CIMError) -> ChipSpec {
        var spec: ChipSpec
        if let customChip { spec = customChip } else { spec = try ChipPreset.named(chip).spec }
        if !periphery { spec = spec.withIdealPeriphery }
        try spec.validate()
        return spec
    }

    /// Checks every field; errors name the flag's field (`hardwareAware.noiseScale`).
    public func validate() throws(CIMError) {
        guard noiseScale.isFinite, (0...Self.maxNoiseScale).contains(noiseScale) else {
            throw .invalidConfig(field: "hardwareAware.noiseScale", reason: "\(noiseScale) must be in [0, \(Self.maxNoiseScale)] (a multiple of the device's programming σ)")
        }
        if let t = driftSeconds, !(t.isFinite && t > 0 && t <= Self.maxDriftSeconds) {
            throw .invalidConfig(field: "hardwareAware.driftSeconds", reason: "\(t) s must be in (0, \(Self.maxDriftSeconds)] s")
        }
        _ = try chipSpec()
    }
}
