import CIMCore
import Foundation

/// A memristive device: its programmable conductance levels and its non-idealities.
///
/// Conductances are in µS; the read voltage is in V, so a read current is `G · V` in µA.
/// Programming error is drawn at every write; read noise is drawn at every read (both Gaussian,
/// σ in µS). Presets cite where their numbers come from (see ``DevicePreset``).
public struct DeviceModel: Codable, Equatable, Sendable {
    /// Preset name or a user's label.
    public var name: String
    /// Number of programmable levels, evenly spaced over the window; 0 = continuous (no levels).
    public var levels: Int
    /// Lowest programmable conductance, µS.
    public var gMinMicroSiemens: Double
    /// Highest programmable conductance, µS.
    public var gMaxMicroSiemens: Double
    /// Read voltage, V.
    public var readVoltage: Double
    /// Standard deviation of the programming error, µS (drawn at each write).
    public var programmingSigmaMicroSiemens: Double
    /// Standard deviation of the read noise, µS (drawn at each read).
    public var readSigmaMicroSiemens: Double
    /// Write-and-verify: maximum write attempts per programming operation (Wu et al. 2023: 2).
    public var maxWriteTrials: Int
    /// Write-and-verify: a write is retried when the read-back misses the target by more than
    /// this many level spacings.
    public var verifyToleranceLevels: Double
    /// Upper end of the window initial conductances are drawn from, µS (training starts with
    /// every device uniform in [gMin, this], then programmed; Wu et al. 2023: 8.2–20 µS).
    public var initialMaxMicroSiemens: Double
    /// Fraction of devices stuck at a fixed conductance (they ignore writes); 0 = none.
    public var stuckRate: Double = 0
    /// Of the stuck devices, the fraction stuck at gMax (the rest are stuck at gMin).
    public var stuckHighFraction: Double = 0.5
    /// Conductance drift exponent ν: `G(t) = G(t₀) · (t / t₀)^(−ν)` for t ≥ t₀ = 1 s after
    /// programming (negative ν drifts up); 0 = no drift.
    public var driftNu: Double = 0

    public init(name: String, levels: Int, gMinMicroSiemens: Double, gMaxMicroSiemens: Double,
                readVoltage: Double, programmingSigmaMicroSiemens: Double, readSigmaMicroSiemens: Double,
                maxWriteTrials: Int = 2, verifyToleranceLevels: Double = 0.5, initialMaxMicroSiemens: Double? = nil) {
        self.name = name
        self.levels = levels
        self.gMinMicroSiemens = gMinMicroSiemens
        self.gMaxMicroSiemens = gMaxMicroSiemens
        self.readVoltage = readVoltage
        self.programmingSigmaMicroSiemens = programmingSigmaMicroSiemens
        self.readSigmaMicroSiemens = readSigmaMicroSiemens
        self.maxWriteTrials = maxWriteTrials
        self.verifyToleranceLevels = verifyToleranceLevels
        self.initialMaxMicroSiemens = initialMaxMicroSiemens ?? (gMinMicroSiemens + 0.478 * (gMaxMicroSiemens - gMinMicroSiemens))
    }

    enum CodingKeys: String, CodingKey {
        case name, levels, gMinMicroSiemens, gMaxMicroSiemens, readVoltage, programmingSigmaMicroSiemens
        case readSigmaMicroSiemens, maxWriteTrials, verifyToleranceLevels, initialMaxMicroSiemens
        case stuckRate, stuckHighFraction, driftNu
    }

    /// Decodes a device; the optional non-idealities (stuck cells, drift) default to none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), levels: try c.decode(Int.self, forKey: .levels),
                  gMinMicroSiemens: try c.decode(Double.self, forKey: .gMinMicroSiemens),
                  gMaxMicroSiemens: try c.decode(Double.self, forKey: .gMaxMicroSiemens),
                  readVoltage: try c.decode(Double.self, forKey: .readVoltage),
                  programmingSigmaMicroSiemens: try c.decode(Double.self, forKey: .programmingSigmaMicroSiemens),
                  readSigmaMicroSiemens: try c.decode(Double.self, forKey: .readSigmaMicroSiemens),
                  maxWriteTrials: try c.decode(Int.self, forKey: .maxWriteTrials),
                  verifyToleranceLevels: try c.decode(Double.self, forKey: .verifyToleranceLevels),
                  initialMaxMicroSiemens: try c.decode(Double.self, forKey: .initialMaxMicroSiemens))
        stuckRate = try c.decodeIfPresent(Double.self, forKey: .stuckRate) ?? 0
        stuckHighFraction = try c.decodeIfPresent(Double.self, forKey: .stuckHighFraction) ?? 0.5
        driftNu = try c.decodeIfPresent(Double.self, forKey: .driftNu) ?? 0
    }

    /// Largest conductance or conductance σ a device may have, µS (1 S): keeps every current
    /// and its float32 copy finite on the largest tile.
    public static let maxMicroSiemens = 1e6
    /// Largest read voltage, V.
    public static let maxReadVoltage = 100.0
    /// Most levels a device may have (16 bit).
    public static let maxLevels = 1 << 16
    /// Most write attempts per programming operation.
    public static let maxWriteTrialsLimit = 1000

    /// Checks every field; errors name the field and the device (`device brram-2bit.levels`).
    public func validate() throws(CIMError) { try validate(fieldPrefix: "device \(name).") }

    /// Checks every field; an error's field is `fieldPrefix` + the field's key (`device.levels`
    /// with the prefix `device.`).
    public func validate(fieldPrefix: String) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        let maxG = Self.maxMicroSiemens
        if let c = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw bad("name", "contains the control character U+\(String(c.value, radix: 16, uppercase: true))")
        }
        guard levels == 0 || (2...Self.maxLevels).contains(levels) else { throw bad("levels", "\(levels) must be 0 (continuous) or in 2…\(Self.maxLevels)") }
        guard gMinMicroSiemens.isFinite, gMinMicroSiemens >= 0 else { throw bad("gMinMicroSiemens", "\(gMinMicroSiemens) must be ≥ 0") }
        guard gMaxMicroSiemens.isFinite, gMaxMicroSiemens > gMinMicroSiemens else {
            throw bad("gMaxMicroSiemens", "\(gMaxMicroSiemens) must exceed gMin \(gMinMicroSiemens)")
        }
        guard gMaxMicroSiemens <= maxG else { throw bad("gMaxMicroSiemens", "\(gMaxMicroSiemens) µS must be ≤ \(maxG) µS (1 S)") }
        guard readVoltage.isFinite, readVoltage > 0, readVoltage <= Self.maxReadVoltage else {
            throw bad("readVoltage", "\(readVoltage) V must be in (0, \(Self.maxReadVoltage)] V")
        }
        guard programmingSigmaMicroSiemens.isFinite, programmingSigmaMicroSiemens >= 0, programmingSigmaMicroSiemens <= maxG else {
            throw bad("programmingSigmaMicroSiemens", "\(programmingSigmaMicroSiemens) must be in [0, \(maxG)] µS")
        }
        guard readSigmaMicroSiemens.isFinite, readSigmaMicroSiemens >= 0, readSigmaMicroSiemens <= maxG else {
            throw bad("readSigmaMicroSiemens", "\(readSigmaMicroSiemens) must be in [0, \(maxG)] µS")
        }
        guard (1...Self.maxWriteTrialsLimit).contains(maxWriteTrials) else {
            throw bad("maxWriteTrials", "\(maxWriteTrials) must be in 1…\(Self.maxWriteTrialsLimit)")
        }
        guard verifyToleranceLevels.isFinite, verifyToleranceLevels > 0 else {
            throw bad("verifyToleranceLevels", "\(verifyToleranceLevels) must be > 0")
        }
        guard initialMaxMicroSiemens.isFinite, initialMaxMicroSiemens > gMinMicroSiemens,
              initialMaxMicroSiemens <= gMaxMicroSiemens else {
            throw bad("initialMaxMicroSiemens", "\(initialMaxMicroSiemens) must be in (gMin, gMax]")
        }
        guard stuckRate.isFinite, (0...1).contains(stuckRate) else { throw bad("stuckRate", "\(stuckRate) must be in [0, 1]") }
        guard stuckHighFraction.isFinite, (0...1).contains(stuckHighFraction) else {
            throw bad("stuckHighFraction", "\(stuckHighFraction) must be in [0, 1]")
        }
        guard driftNu.isFinite, abs(driftNu) < 1 else { throw bad("driftNu", "\(driftNu) must be in (−1, 1)") }
    }

    /// The smallest programmable change, µS: Δ for a device with levels, 0 for a continuous one
    /// (the mixed-precision rule's granularity is a multiple of this).
    public var granularityMicroSiemens: Double { levels >= 2 ? levelSpacingMicroSiemens : 0 }

    /// `g` µS programmed at t₀ = 1 s, after drifting until `seconds` (power law with ``driftNu``).
    public func drifted(_ g: Double, seconds: Double) -> Double {
        driftNu == 0 || seconds <= 1 ? g : g * Foundation.pow(seconds, -driftNu)
    }

    /// Conductance step between adjacent levels Δ, µS (the whole window when continuous).
    public var levelSpacingMicroSiemens: Double {
        levels >= 2 ? (gMaxMicroSiemens - gMinMicroSiemens) / Double(levels - 1) : gMaxMicroSiemens - gMinMicroSiemens
    }

    /// Conductance of level `index` (0 = gMin), µS.
    public func conductance(level index: Int) -> Double {
        precondition(levels >= 2 && (0..<levels).contains(index), "level \(index) outside 0..<\(levels)")
        return gMinMicroSiemens + Double(index) * levelSpacingMicroSiemens
    }

    /// The level nearest to `g` µS (clamped to the window).
    public func nearestLevel(to g: Double) -> Int {
        precondition(levels >= 2, "nearestLevel needs a device with levels")
        let x = ((g - gMinMicroSiemens) / levelSpacingMicroSiemens).rounded()
        return Int(min(max(x, 0), Double(levels - 1)))
    }

    /// The programmable target nearest to `g` µS: the nearest level, or `g` clamped to the window
    /// for a continuous device.
    public func quantize(_ g: Double) -> Double {
        levels >= 2 ? conductance(level: nearestLevel(to: g)) : min(max(g, gMinMicroSiemens), gMaxMicroSiemens)
    }

    /// One read of a device at conductance `g` µS: `g + N(0, σ_read)`, µS.
    public func read(_ g: Double, rng: inout RandomGenerator) -> Double {
        readSigmaMicroSiemens > 0 ? g + readSigmaMicroSiemens * rng.nextNormal() : g
    }

    /// Write-and-verify to `target` µS (which should be a level, see ``quantize(_:)``).
    ///
    /// Each attempt lands at `target + N(0, σ_prog)` (clamped at 0 µS); the device is read back
    /// (with read noise) and the write is repeated while the read-back misses the target by more
    /// than `verifyToleranceLevels · Δ`, up to `maxWriteTrials` attempts in all (Wu et al. 2023).
    /// - Returns: the conductance the device ends at (µS) and the number of write attempts.
    public func writeVerify(target: Double, rng: inout RandomGenerator) -> (conductance: Double, trials: Int) {
        let tolerance = verifyToleranceLevels * levelSpacingMicroSiemens
        var trials = 0
        var g = target
        repeat {
            trials += 1
            g = programmingSigmaMicroSiemens > 0 ? max(0, target + programmingSigmaMicroSiemens * rng.nextNormal()) : target
        } while trials < maxWriteTrials && abs(read(g, rng: &rng) - target) > tolerance
        return (g, trials)
    }
}
