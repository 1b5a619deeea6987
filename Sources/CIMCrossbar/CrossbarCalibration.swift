import CIMCore

/// The calibration of one crossbar (one layer, or one group of a grouped convolution), chosen
/// at export on a calibration set (`cim export --calibrate`) and stored in the chip image.
/// A crossbar without one (``CrossbarLayer/calibration`` `nil`) computes exactly as before.
///
/// - `columnScales`: weight units per µS of each output column (`[outputs]`), replacing the
///   layer's single ``CrossbarLayer/weightPerMicroSiemens`` in the final scaling: per-column
///   weight scaling as in IBM aihwkit (`weight_scaling_columnwise`; Rasch et al., Nat. Commun.
///   14, 5282 (2023)), so that every column spends the device's levels on its own range.
/// - `inputRanges`: a static input range per tile row block (`[rowBlocks]`, in input units),
///   replacing the per-vector abs-max scaling of the DAC: inputs of block b are applied as
///   `clamp(x · (1/R_b), −1, 1)` and quantised, and the block's converted partial sums are
///   multiplied back by `R_b` digitally (aihwkit's static input ranges, `calibrate_input_ranges`).
///   `nil` keeps abs-max scaling (a digital per-vector operation a real chip may not have).
/// - `adcFullScales`: the ADC full scale of each row block's tile (µA, `[rowBlocks]`),
///   replacing the spec's `adc.fullScaleMicroAmps` for this crossbar; the step is
///   `FS_b / (2^(bits−1) − 1)` (float64, then float32), as for the spec's (CrossSim's
///   calibrated per-layer ADC limits). `nil` keeps the spec's.
public struct CrossbarCalibration: Sendable, Equatable {
    public var columnScales: [Float]
    public var inputRanges: [Float]?
    public var adcFullScales: [Double]?

    public init(columnScales: [Float], inputRanges: [Float]? = nil, adcFullScales: [Double]? = nil) {
        self.columnScales = columnScales
        self.inputRanges = inputRanges
        self.adcFullScales = adcFullScales
    }

    /// Smallest and largest static input range (input units) and largest ADC full scale (µA).
    public static let minInputRange: Float = 1e-30, maxInputRange: Float = 1e30

    /// Checks the sizes and values against a crossbar of `outputs` columns and `rowBlocks` row blocks.
    public func validate(outputs: Int, rowBlocks: Int) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: "calibration." + field, reason: why) }
        guard columnScales.count == outputs else { throw bad("columnScales", "\(columnScales.count) scales for \(outputs) columns") }
        if let k = columnScales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw bad("columnScales", "column \(k): \(columnScales[k]) must be finite and > 0")
        }
        if let r = inputRanges {
            guard r.count == rowBlocks else { throw bad("inputRanges", "\(r.count) ranges for \(rowBlocks) row blocks") }
            if let k = r.firstIndex(where: { !($0 >= Self.minInputRange && $0 <= Self.maxInputRange) }) {
                throw bad("inputRanges", "row block \(k): \(r[k]) must be in [\(Self.minInputRange), \(Self.maxInputRange)]")
            }
        }
        if let f = adcFullScales {
            guard f.count == rowBlocks else { throw bad("adcFullScales", "\(f.count) full scales for \(rowBlocks) row blocks") }
            if let k = f.firstIndex(where: { !($0.isFinite && $0 > 0 && $0 <= ADCConfig.maxMicroAmps) }) {
                throw bad("adcFullScales", "row block \(k): \(f[k]) µA must be in (0, \(ADCConfig.maxMicroAmps)] µA")
            }
        }
    }
}
