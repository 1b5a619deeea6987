import CIMCore

/// The input digital-to-analog converter of a tile.
///
/// Every input vector is scaled digitally by its largest magnitude ("abs-max" noise
/// management, as in IBM aihwkit), so it spans the DAC's full range, then quantised to
/// `2^bits − 1` steps; the scale is multiplied back onto the outputs digitally. Signed inputs
/// are applied in two phases (positive part, then negative part; both converted and subtracted
/// digitally), because the chip's read pulses are 0 or +V only.
///
/// With `bitSerial` (Wu et al. 2023: eight 1-bit read pulses per 8-bit input), bit k of every
/// input is applied in its own read cycle and the ADC accumulates the cycles with weights 2ᵏ.
/// The noiseless result equals applying the quantised input at once; each cycle reads the
/// devices afresh, so read noise adds up over the cycles (see ``CrossbarLayer``).
public struct DACConfig: Codable, Equatable, Sendable {
    /// Resolution, bits (1…16); 0 = ideal analog input (no quantisation).
    public var bits: Int = 8
    /// Inputs applied bit by bit (one read per bit) rather than as one multi-level pulse.
    public var bitSerial: Bool = true

    public init(bits: Int = 8, bitSerial: Bool = true) {
        self.bits = bits
        self.bitSerial = bitSerial
    }

    /// Checks every field; errors name the field (`dac.bits`).
    public func validate(fieldPrefix: String = "dac.") throws(CIMError) {
        guard (0...16).contains(bits) else { throw .invalidConfig(field: fieldPrefix + "bits", reason: "\(bits) must be in 0…16 (0 = ideal)") }
    }
}

/// The output analog-to-digital converter of a tile.
///
/// It converts a differential column-pair current `I⁺ − I⁻` (µA; for bit-serial inputs, the
/// 2ᵏ-weighted accumulation of the bit cycles) after adding Gaussian noise of
/// σ = `noiseSigmaMicroAmps`, to one of the `2^bits − 1` codes `k·step`,
/// `k = −(2^(bits−1) − 1) … 2^(bits−1) − 1`, `step = FS / (2^(bits−1) − 1)`: a mid-tread
/// quantiser (0 µA is exact) whose extreme codes are ±FS; currents beyond clip there. Each tile
/// converts its own partial sums; a layer split over several tiles adds them digitally.
///
/// There is no default full scale: a chip's comes from its spec (the presets' JSON, see
/// ``ChipPreset``), so that each chip's value is written in one place.
public struct ADCConfig: Codable, Equatable, Sendable {
    /// Resolution, bits (2…24); 0 = ideal (no quantisation, no clipping).
    public var bits: Int = 8
    /// Full-scale magnitude of the converted differential current, µA (unused when `bits` is 0).
    public var fullScaleMicroAmps: Double
    /// Additive input-referred noise σ, µA.
    public var noiseSigmaMicroAmps: Double = 0
    /// Columns that share one ADC (sets conversion time, not values).
    public var columnsPerADC: Int = 8

    public init(bits: Int = 8, fullScaleMicroAmps: Double, noiseSigmaMicroAmps: Double = 0, columnsPerADC: Int = 8) {
        self.bits = bits
        self.fullScaleMicroAmps = fullScaleMicroAmps
        self.noiseSigmaMicroAmps = noiseSigmaMicroAmps
        self.columnsPerADC = columnsPerADC
    }

    /// Step between adjacent output codes, µA: FS / (2^(bits−1) − 1) (0 when ideal).
    public var stepMicroAmps: Double {
        bits > 0 ? fullScaleMicroAmps / Double((1 << (bits - 1)) - 1) : 0
    }

    /// Largest full scale of a quantising ADC and largest noise σ, µA (1 A): the product
    /// computes currents in float32.
    public static let maxMicroAmps = 1e6

    /// Checks every field; errors name the field (`adc.bits`).
    public func validate(fieldPrefix: String = "adc.") throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        guard bits == 0 || (2...24).contains(bits) else { throw bad("bits", "\(bits) must be in 2…24 (0 = ideal)") }
        guard fullScaleMicroAmps.isFinite, fullScaleMicroAmps > 0 else { throw bad("fullScaleMicroAmps", "\(fullScaleMicroAmps) µA must be > 0") }
        guard bits == 0 || fullScaleMicroAmps <= Self.maxMicroAmps else {
            throw bad("fullScaleMicroAmps", "\(fullScaleMicroAmps) µA must be ≤ \(Self.maxMicroAmps) µA (1 A) for a quantising ADC")
        }
        guard noiseSigmaMicroAmps.isFinite, noiseSigmaMicroAmps >= 0, noiseSigmaMicroAmps <= Self.maxMicroAmps else {
            throw bad("noiseSigmaMicroAmps", "\(noiseSigmaMicroAmps) µA must be in [0, \(Self.maxMicroAmps)] µA")
        }
        guard columnsPerADC >= 1 else { throw bad("columnsPerADC", "\(columnsPerADC) must be ≥ 1") }
    }
}
