import CIMCore

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

    public init(name: String, levels: Int, gMinMicroSiemens: Double, gMaxMicroSiemens: Double,
                readVoltage: Double, programmingSigmaMicroSiemens: Double, readSigmaMicroSiemens: Double,
                maxWriteTrials: Int = 2, verifyToleranceLevels: Double = 0.5) {
        self.name = name
        self.levels = levels
        self.gMinMicroSiemens = gMinMicroSiemens
        self.gMaxMicroSiemens = gMaxMicroSiemens
        self.readVoltage = readVoltage
        self.programmingSigmaMicroSiemens = programmingSigmaMicroSiemens
        self.readSigmaMicroSiemens = readSigmaMicroSiemens
        self.maxWriteTrials = maxWriteTrials
        self.verifyToleranceLevels = verifyToleranceLevels
    }

    /// Checks every field; errors name the field and the device.
    public func validate() throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: "device \(name).\(field)", reason: why) }
        guard levels == 0 || levels >= 2 else { throw bad("levels", "\(levels) must be 0 (continuous) or ≥ 2") }
        guard gMinMicroSiemens.isFinite, gMinMicroSiemens >= 0 else { throw bad("gMinMicroSiemens", "\(gMinMicroSiemens) must be ≥ 0") }
        guard gMaxMicroSiemens.isFinite, gMaxMicroSiemens > gMinMicroSiemens else {
            throw bad("gMaxMicroSiemens", "\(gMaxMicroSiemens) must exceed gMin \(gMinMicroSiemens)")
        }
        guard readVoltage.isFinite, readVoltage > 0 else { throw bad("readVoltage", "\(readVoltage) V must be > 0") }
        guard programmingSigmaMicroSiemens.isFinite, programmingSigmaMicroSiemens >= 0 else {
            throw bad("programmingSigmaMicroSiemens", "\(programmingSigmaMicroSiemens) must be ≥ 0")
        }
        guard readSigmaMicroSiemens.isFinite, readSigmaMicroSiemens >= 0 else {
            throw bad("readSigmaMicroSiemens", "\(readSigmaMicroSiemens) must be ≥ 0")
        }
        guard maxWriteTrials >= 1 else { throw bad("maxWriteTrials", "\(maxWriteTrials) must be ≥ 1") }
        guard verifyToleranceLevels.isFinite, verifyToleranceLevels > 0 else {
            throw bad("verifyToleranceLevels", "\(verifyToleranceLevels) must be > 0")
        }
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
