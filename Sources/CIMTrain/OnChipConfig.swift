import CIMCore
import CIMCrossbar
import CIMDevice

/// How an on-chip run simulates its chip (part of ``TrainingConfig``, in `training.json`).
public struct OnChipConfig: Codable, Equatable, Sendable {
    /// The update rule (never `.digital` here).
    public var rule: UpdateRule = .mixedPrecision
    /// Chip preset (``ChipPreset``), or where ``customChip`` came from (a chip file's path, a
    /// preset with `--set` overrides) when that is set.
    public var chip: String = ChipPreset.wu2023SoC.rawValue
    /// Device preset that replaces the chip's device (``DevicePreset``, or a pulse device for
    /// `mixed-precision-pulse`); `nil` = the chip's own.
    public var device: String? = nil
    /// The write threshold as a multiple of the programming granularity (one level, or one
    /// nominal pulse step for the pulse rule). 1 = the paper's rule.
    public var threshold: Double = 1
    /// Simulate the chip's periphery (DAC/ADC); `false` = ideal periphery.
    public var periphery: Bool = true
    /// Full-scale weight of a device pair (|w| when one device is at gMax and the other at gMin)
    /// in units of PyTorch's initial bound 1/√fan_in; `nil` = the default, which maps the
    /// initial conductance window onto ±1/√fan_in, i.e. (gMax − gMin)/(initialMax − gMin)
    /// (2.09 for the b-RRAM presets, 5 for `pcm-nandakumar2020`). The paper does not state its
    /// scale; this sets how far weights can grow before the devices saturate.
    public var weightRange: Double? = nil
    /// A device model given in full (e.g. from JSON), used instead of the chip's and ``device``.
    public var customDevice: DeviceModel? = nil
    /// A chip given in full (from a chip file or with `--set` overrides), used instead of the
    /// preset ``chip`` names; stored in training.json and the checkpoint, so a run resumes on
    /// the same chip even if the file changes.
    public var customChip: ChipSpec? = nil

    public init(rule: UpdateRule = .mixedPrecision, chip: String = ChipPreset.wu2023SoC.rawValue, device: String? = nil,
                threshold: Double = 1, periphery: Bool = true, weightRange: Double? = nil) {
        self.weightRange = weightRange
        self.rule = rule
        self.chip = chip
        self.device = device
        self.threshold = threshold
        self.periphery = periphery
    }

    /// Sets the chip from a preset name or a chip file (``ChipDocument/load(_:set:)``) with
    /// `--set` overrides: a preset without overrides is kept by name, anything else in full
    /// (``customChip``), with ``chip`` saying where it came from.
    public mutating func useChip(_ nameOrFile: String, set overrides: [String] = []) throws(CIMError) {
        chip = nameOrFile
        customChip = try ChipDocument.customSpec(nameOrFile, set: overrides)
    }

    /// The chip spec in force: ``customChip`` or the preset, with the device replaced and the
    /// periphery made ideal as configured. A pulse device is represented by its read model
    /// (continuous levels).
    public func chipSpec() throws(CIMError) -> ChipSpec {
        var spec: ChipSpec
        if let customChip { spec = customChip } else { spec = try ChipPreset.named(chip).spec }
        if let device {
            if let pulse = PulseDevicePreset(rawValue: device) {
                spec.device = pulse.model.readModel
            } else {
                spec.device = try DevicePreset.named(device).model
            }
        }
        if let customDevice { spec.device = customDevice }
        if !periphery { spec = spec.withIdealPeriphery }
        try spec.validate()
        return spec
    }

    /// The pulse device, when the device is one.
    public func pulseDevice() -> PulseDeviceModel? {
        device.flatMap { PulseDevicePreset(rawValue: $0)?.model }
    }

    public func validate() throws(CIMError) {
        guard rule.isOnChip else { throw .invalidConfig(field: "onChip.rule", reason: "'\(rule.rawValue)' does not train on a chip") }
        if let device, PulseDevicePreset(rawValue: device) == nil, DevicePreset(rawValue: device) == nil {
            let known = DevicePreset.allCases.map(\.rawValue) + PulseDevicePreset.allCases.map(\.rawValue)
            throw .invalidConfig(field: "device", reason: "unknown device preset '\(device)' (known: \(known.joined(separator: ", ")))")
        }
        let pulse = pulseDevice() != nil && customDevice == nil
        if rule == .mixedPrecisionPulse, !pulse {
            throw .invalidConfig(field: "device", reason: "rule mixed-precision-pulse needs a pulse device (\(PulseDevicePreset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if rule != .mixedPrecisionPulse, pulse {
            throw .invalidConfig(field: "device", reason: "pulse device '\(device!)' works only with rule mixed-precision-pulse")
        }
        if let r = weightRange, !(r.isFinite && r > 0) {
            throw .invalidConfig(field: "weightRange", reason: "\(r) must be > 0 (in units of 1/√fan_in)")
        }
        guard threshold.isFinite, threshold >= 0 else { throw .invalidConfig(field: "threshold", reason: "\(threshold) must be ≥ 0") }
        if rule == .mixedPrecisionPulse, threshold <= 0 {
            throw .invalidConfig(field: "threshold", reason: "\(threshold) must be > 0 for the pulse rule (ε = threshold × one pulse step)")
        }
        let spec = try chipSpec()
        if rule != .mixedPrecisionPulse, spec.device.levels < 2, threshold != 0, threshold != 1 {
            throw .invalidConfig(field: "threshold", reason: "\(threshold) has no effect on the continuous device '\(spec.device.name)' (no levels: every update is written); use 1 or 0")
        }
    }
}
