import CIMCore
import CIMCrossbar
import CIMNetwork

/// What gets *programmed*: per tile the target conductances of every device pair, which layer
/// block lives where, the scales that turn column currents back into activations, the digital
/// parameters, and provenance. Immutable once made; the hand-off between mapper, exporter and
/// evaluator. Its file form is documented in `schemas/chip-image-v2.md`.
public struct ChipImage: Sendable, Equatable {
    /// Creator, time, seed and where the weights came from.
    public var info: ImageInfo
    /// The chip the image is for.
    public var spec: ChipSpec
    /// The network (ordered layers, shapes, activations).
    public var architecture: Architecture
    /// Every weighted layer, in architecture order.
    public var layers: [LayerImage]
    /// Every tile used, by tile index.
    public var tiles: [TileImage]
    /// For an on-chip-trained source: the training chip's conductances as actually programmed.
    public var source: SourceChip?
    /// Training configuration, dataset checksums, training metrics, …: JSON texts by name.
    public var provenance: [String: String]
    /// The mapping report (quantisation, placement, checks).
    public var report: MappingReport
    /// How a dataset sample becomes the network's input (v1 images: pixels / 255, NHWC).
    public var preprocessing: InputPreprocessing
    /// Every affine layer (digital per-channel scale and shift), in architecture order.
    public var affineLayers: [AffineLayerImage]

    public init(info: ImageInfo, spec: ChipSpec, architecture: Architecture, layers: [LayerImage], tiles: [TileImage],
                source: SourceChip?, provenance: [String: String], report: MappingReport,
                preprocessing: InputPreprocessing = InputPreprocessing(), affineLayers: [AffineLayerImage] = []) {
        self.preprocessing = preprocessing
        self.affineLayers = affineLayers
        self.info = info
        self.spec = spec
        self.architecture = architecture
        self.layers = layers
        self.tiles = tiles
        self.source = source
        self.provenance = provenance
        self.report = report
    }
}

/// Identity of an image.
public struct ImageInfo: Codable, Sendable, Equatable {
    /// CIMKit version that wrote it, e.g. `CIMKit 0.1.0`.
    public var creator: String
    /// UTC time of creation, ISO 8601.
    public var createdUTC: String
    /// The seed of the mapping's random checks (and of the training run, in provenance).
    public var seed: UInt64
    /// `digital` or `on-chip <rule>`.
    public var source: String
    /// Which weights were mapped: `programmed` (read back from the training chip's programmed
    /// conductances), `targets` (the training chip's nominal levels) or `digital` (FP32 weights).
    public var weightsFrom: String

    public init(creator: String, createdUTC: String, seed: UInt64, source: String, weightsFrom: String) {
        self.creator = creator
        self.createdUTC = createdUTC
        self.seed = seed
        self.source = source
        self.weightsFrom = weightsFrom
    }
}

/// One weighted layer of an image.
public struct LayerImage: Sendable, Equatable {
    /// Index in the architecture.
    public var index: Int
    /// Rows of the weight matrix (layer inputs; conv: kh·kw·in in (kh, kw, c) order) and
    /// columns (outputs).
    public var rows: Int, columns: Int
    /// Weight units per µS of G⁺ − G⁻ (one scale per layer; with ``calibration``, the largest
    /// column scale, and the column scales are used).
    public var weightPerMicroSiemens: Double
    /// Digital bias, `[columns]`.
    public var bias: [Float]
    /// Where the layer's blocks sit.
    public var blocks: [TileBlock]
    /// Groups of a grouped convolution (1 otherwise): group j is the independent matrix of
    /// columns `j·columns/groups ..< (j+1)·columns/groups`, driven by its own inputs; no block
    /// spans two groups.
    public var groups: Int
    /// Column scales, static input ranges and tile ADC full scales (`cim export --calibrate`); `nil` = uncalibrated.
    public var calibration: LayerCalibration?
    /// Device pairs per weight (``BitSlicing``; `cim export --slices`). The blocks place the
    /// `[rows, pairColumns]` device-pair matrix, slice s of column c at pair column c·slices + s.
    public var slicing: BitSlicing

    public init(index: Int, rows: Int, columns: Int, weightPerMicroSiemens: Double, bias: [Float], blocks: [TileBlock], groups: Int = 1,
                calibration: LayerCalibration? = nil, slicing: BitSlicing = .single) {
        self.calibration = calibration
        self.slicing = slicing
        self.index = index
        self.rows = rows
        self.columns = columns
        self.weightPerMicroSiemens = weightPerMicroSiemens
        self.bias = bias
        self.blocks = blocks
        self.groups = groups
    }

    /// Columns of one group.
    public var groupColumns: Int { columns / max(groups, 1) }
    /// Device-pair columns of the layer: columns · slices.
    public var pairColumns: Int { columns * slicing.count }

    /// Weight units per µS of each column, float32 as the product uses them: the calibration's
    /// column scales, or the layer's one scale for every column.
    public var columnScales: [Float] {
        calibration.map { $0.columnWeightPerMicroSiemens.map { Float($0) } }
            ?? [Float](repeating: Float(weightPerMicroSiemens), count: columns)
    }

    /// The ``CrossbarCalibration`` of group `group` with `rowBlocks` row blocks, or `nil`.
    public func crossbarCalibration(group: Int, rowBlocks: Int) -> CrossbarCalibration? {
        guard let c = calibration else { return nil }
        let w = groupColumns, blocks = (group * rowBlocks)..<((group + 1) * rowBlocks)
        return CrossbarCalibration(columnScales: Array(columnScales[(group * w)..<((group + 1) * w)]),
                                   inputRanges: c.inputRanges.map { Array($0[blocks]) },
                                   adcFullScales: c.adcFullScalesMicroAmps.map { Array($0[blocks]) })
    }
}

/// One affine layer of an image (``LayerSpec/affine(channels:)``): digital, never on a tile.
public struct AffineLayerImage: Sendable, Equatable {
    /// Index in the architecture.
    public var index: Int
    /// `y[…, c] = x[…, c]·scale[c] + shift[c]`, float32, `[channels]` each.
    public var scale: [Float], shift: [Float]

    public init(index: Int, scale: [Float], shift: [Float]) {
        self.index = index
        self.scale = scale
        self.shift = shift
    }
}

/// A rectangular block of a layer's `[rows, pairColumns]` device-pair matrix (the weight matrix
/// unless sliced, see ``LayerImage/slicing``) placed on a tile.
///
/// Layer row `rowStart + r` (r < rows) drives tile row `rowMap[r]`; layer pair column
/// `columnStart + c` is the column pair `tileColumn + c` of the tile (devices 2(tileColumn+c)
/// for G⁺ and 2(tileColumn+c)+1 for G⁻). Without defect-aware placement
/// `rowMap[r] = tileRow + r`.
public struct TileBlock: Codable, Sendable, Equatable {
    public var tile: Int
    public var rowStart: Int, columnStart: Int
    public var rows: Int, columns: Int
    /// Top row and first column pair of the block in the tile.
    public var tileRow: Int, tileColumn: Int
    /// Tile row of each block row.
    public var rowMap: [Int]

    public init(tile: Int, rowStart: Int, columnStart: Int, rows: Int, columns: Int, tileRow: Int, tileColumn: Int, rowMap: [Int]? = nil) {
        self.tile = tile
        self.rowStart = rowStart
        self.columnStart = columnStart
        self.rows = rows
        self.columns = columns
        self.tileRow = tileRow
        self.tileColumn = tileColumn
        self.rowMap = rowMap ?? Array(tileRow..<(tileRow + rows))
    }
}

/// The programmed state of one tile: `[tileRows, tileColumns/2]` arrays, element
/// `(row, pair)`; unused pairs hold gMin (level 0).
public struct TileImage: Sendable, Equatable {
    /// Target conductances, µS.
    public var gPlus: [Float], gMinus: [Float]
    /// Level indices of the targets (devices with levels; empty for continuous devices).
    public var levelPlus: [UInt8], levelMinus: [UInt8]

    public init(gPlus: [Float], gMinus: [Float], levelPlus: [UInt8], levelMinus: [UInt8]) {
        self.gPlus = gPlus
        self.gMinus = gMinus
        self.levelPlus = levelPlus
        self.levelMinus = levelMinus
    }
}

/// The training chip of an on-chip-trained source, as it ended.
public struct SourceChip: Sendable, Equatable {
    /// JSON of the training chip's spec.
    public var specJSON: String
    /// The update rule it was trained with.
    public var rule: String
    /// Per weighted layer index: programmed `G⁺`, `G⁻` and their targets (µS,
    /// `[rows, columns]`) and the training scale (weight units per µS).
    public var layers: [Int: SourceLayer]

    public struct SourceLayer: Sendable, Equatable {
        public var gPlus: [Float], gMinus: [Float]
        public var targetPlus: [Float], targetMinus: [Float]
        public var weightPerMicroSiemens: Float
        public init(gPlus: [Float], gMinus: [Float], targetPlus: [Float], targetMinus: [Float], weightPerMicroSiemens: Float) {
            self.gPlus = gPlus
            self.gMinus = gMinus
            self.targetPlus = targetPlus
            self.targetMinus = targetMinus
            self.weightPerMicroSiemens = weightPerMicroSiemens
        }
    }

    public init(specJSON: String, rule: String, layers: [Int: SourceLayer]) {
        self.specJSON = specJSON
        self.rule = rule
        self.layers = layers
    }
}
