/// One weighted layer's calibration in an image (``CalibrationConfig``; file form in
/// `schemas/chip-image-v3.md`).
public struct LayerCalibration: Sendable, Equatable {
    /// Weight units per µS of each column, `[columns]`.
    public var columnWeightPerMicroSiemens: [Double]
    /// Static input range per group and tile row block, `[groups · rowBlocks]` (group-major);
    /// `nil` = abs-max scaling per input vector.
    public var inputRanges: [Float]?
    /// ADC full scale (µA) per group and tile row block, `[groups · rowBlocks]`; `nil` = the chip's.
    public var adcFullScalesMicroAmps: [Double]?

    public init(columnWeightPerMicroSiemens: [Double], inputRanges: [Float]? = nil, adcFullScalesMicroAmps: [Double]? = nil) {
        self.columnWeightPerMicroSiemens = columnWeightPerMicroSiemens
        self.inputRanges = inputRanges
        self.adcFullScalesMicroAmps = adcFullScalesMicroAmps
    }
}
