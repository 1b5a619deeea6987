/// What the mapper did and found (`NAME.mapping.json`, and inside the image).
public struct MappingReport: Codable, Sendable, Equatable {
    /// The chip mapped onto.
    public var chip: String
    /// Tiles used and the chip's capacity (`nil` = unlimited).
    public var tilesUsed: Int
    public var tileCapacity: Int?
    /// Used device pairs / all pairs of the tiles used.
    public var utilisation: Double
    public var layers: [Layer]
    /// Every check with its threshold and verdict.
    public var checks: [Check]

    /// True when every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    public init(chip: String, tilesUsed: Int, tileCapacity: Int?, utilisation: Double, layers: [Layer], checks: [Check]) {
        self.chip = chip
        self.tilesUsed = tilesUsed
        self.tileCapacity = tileCapacity
        self.utilisation = utilisation
        self.layers = layers
        self.checks = checks
    }

    /// Per weighted layer.
    public struct Layer: Codable, Sendable, Equatable {
        public var index: Int
        public var rows: Int, columns: Int
        public var blocks: Int
        /// Tiles this layer's blocks touch.
        public var tiles: [Int]
        /// Weight units per µS.
        public var weightPerMicroSiemens: Double
        /// RMS(w_q − w) / RMS(w) and max |w_q − w| (weight units).
        public var quantizationRelativeRMS: Double
        public var quantizationMaxAbs: Double
        /// Fraction of weights beyond the pair's range (clipped).
        public var clippedFraction: Double
        /// Histogram of the target level difference k = l⁺ − l⁻ (index k + levels − 1), or empty.
        public var levelHistogram: [Int]
        /// Monte Carlo of programming error: mean and max over draws of ‖y − y₀‖/‖y₀‖.
        public var programmingRelativeErrorMean: Double?
        public var programmingRelativeErrorMax: Double?
        /// ADC: fraction of conversions clipped on the calibration batch, the largest |I| seen
        /// and the 99.9th percentile of |I| (µA).
        public var adcClippingRate: Double?
        public var adcMaxMicroAmps: Double?
        public var adcP999MicroAmps: Double?
        /// Stuck devices under this layer whose stuck value differs from the target.
        public var defectConflicts: Int?
        /// Calibrated layers (`--calibrate`): the smallest and largest column scale (weight
        /// units per µS), the static input range of each group's row blocks (input units; absent
        /// with abs-max scaling) and each tile's ADC full scale (µA; absent with the chip's).
        public var columnScaleRange: [Double]?
        public var inputRanges: [Double]?
        public var adcFullScalesMicroAmps: [Double]?

        public init(index: Int, rows: Int, columns: Int, blocks: Int, tiles: [Int], weightPerMicroSiemens: Double,
                    quantizationRelativeRMS: Double, quantizationMaxAbs: Double, clippedFraction: Double, levelHistogram: [Int]) {
            self.index = index
            self.rows = rows
            self.columns = columns
            self.blocks = blocks
            self.tiles = tiles
            self.weightPerMicroSiemens = weightPerMicroSiemens
            self.quantizationRelativeRMS = quantizationRelativeRMS
            self.quantizationMaxAbs = quantizationMaxAbs
            self.clippedFraction = clippedFraction
            self.levelHistogram = levelHistogram
        }
    }

    /// One variation-aware check.
    public struct Check: Codable, Sendable, Equatable {
        /// e.g. `capacity`, `programming-error layer 3`, `adc-clipping layer 0`, `defects`.
        public var name: String
        public var value: Double
        public var threshold: Double
        public var passed: Bool
        /// One line saying what was measured and, when it failed, what to do.
        public var detail: String

        public init(name: String, value: Double, threshold: Double, passed: Bool, detail: String) {
            self.name = name
            self.value = value
            self.threshold = threshold
            self.passed = passed
            self.detail = detail
        }
    }
}
