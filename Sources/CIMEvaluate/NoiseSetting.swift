import CIMCore
import CIMDevice

/// A noise level given either in level spacings Δ of the device (`0.5`, `0.5d`) or in µS
/// (`2uS`, `2µS`). The paper states its variation in Δ (σ_prog = 0.5 Δ, σ_read = 0.3 Δ).
public enum NoiseSetting: Codable, Sendable, Equatable, CustomStringConvertible {
    case levelSpacings(Double)
    case microSiemens(Double)

    /// Parses `0.5`, `0.5d`, `2uS`, `2µS`; `field` names the flag in errors.
    public static func parse(_ text: String, field: String) throws(CIMError) -> NoiseSetting {
        let t = text.trimmingCharacters(in: .whitespaces)
        var value: Double?
        var setting: NoiseSetting?
        for suffix in ["uS", "µS", "us"] where t.hasSuffix(suffix) {
            value = Double(t.dropLast(suffix.count))
            setting = value.map { .microSiemens($0) }
        }
        if setting == nil {
            value = Double(t.hasSuffix("d") || t.hasSuffix("Δ") ? String(t.dropLast()) : t)
            setting = value.map { .levelSpacings($0) }
        }
        guard let setting, let v = value, v.isFinite, v >= 0 else {
            throw .invalidConfig(field: field, reason: "'\(text)' is not a noise level ≥ 0 (e.g. 0.5 for 0.5 level spacings, or 2uS)")
        }
        return setting
    }

    /// σ in µS for `device` (Δ = the device's level spacing; a continuous device has no
    /// levels, so Δ-settings use the window / 15, i.e. 16 notional levels).
    public func microSiemens(for device: DeviceModel) -> Double {
        switch self {
        case let .microSiemens(v): return v
        case let .levelSpacings(v):
            let delta = device.levels >= 2 ? device.levelSpacingMicroSiemens : (device.gMaxMicroSiemens - device.gMinMicroSiemens) / 15
            return v * delta
        }
    }

    public var description: String {
        switch self {
        case let .levelSpacings(v): return "\(v) Δ"
        case let .microSiemens(v): return "\(v) µS"
        }
    }
}
