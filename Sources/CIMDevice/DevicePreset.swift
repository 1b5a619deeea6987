import CIMCore

/// Named devices. Numbers from Wu et al., *Bulk-switching memristor-based compute-in-memory
/// module for deep neural network training*, Adv. Mater. 35, e2305465 (2023).
public enum DevicePreset: String, CaseIterable, Codable, Sendable, NamedPreset {
    /// b-RRAM, 4 levels over 8.2–32.9 µS read at 0.1 V: the on-chip training window.
    /// σ_prog = 2.0 µS, σ_read = 1.2 µS (the paper's 0.5 Δ and 0.3 Δ at 16 levels over
    /// 10–70 µS, Δ = 4 µS; noise is a device property, so it stays the same in µS here).
    /// Initial conductances in 8.2–20 µS (the paper's on-chip training).
    case brram2bit = "brram-2bit"
    /// b-RRAM, 16 levels over 10–70 µS (1–7 µA at 0.1 V): the paper's simulation of larger models;
    /// σ_prog = 0.5 Δ = 2.0 µS, σ_read = 0.3 Δ = 1.2 µS. Initial window (not stated): the same
    /// fraction of the window as on chip, (20 − 8.2)/(32.9 − 8.2) = 0.478, i.e. 10–38.7 µS.
    case brram4bit = "brram-4bit"
    /// Continuous and noiseless over 0–100 µS, for oracle tests (initial window 0–47.8 µS).
    case ideal

    /// The device model of the preset.
    public var model: DeviceModel {
        switch self {
        case .brram2bit:
            return DeviceModel(name: rawValue, levels: 4, gMinMicroSiemens: 8.2, gMaxMicroSiemens: 32.9, readVoltage: 0.1,
                               programmingSigmaMicroSiemens: 2.0, readSigmaMicroSiemens: 1.2, initialMaxMicroSiemens: 20)
        case .brram4bit:
            return DeviceModel(name: rawValue, levels: 16, gMinMicroSiemens: 10, gMaxMicroSiemens: 70, readVoltage: 0.1,
                               programmingSigmaMicroSiemens: 2.0, readSigmaMicroSiemens: 1.2)
        case .ideal:
            return DeviceModel(name: rawValue, levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 100, readVoltage: 0.1,
                               programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1)
        }
    }

    public static let presetKind = "device preset"
    public static let presetField = "device"
}
