import CIMMap
import CIMNetwork

/// Inference cost of a chip image, per image, from tile operations.
///
/// A *tile operation* is one vector-matrix multiply on one tile block: every input vector of a
/// layer (conv: one per output position; dense: one) runs once on each of the layer's blocks,
/// twice when its inputs can be negative (two DAC phases, see `DACConfig`).
/// Defaults from Wu et al. 2023: 100 MHz clock; the multi-cycle sampling ADC needs 9 cycles per
/// 8-bit output and each ADC serves 8 columns, so a tile operation takes 9 × 8 = 72 cycles;
/// 2.66 nJ per 64×64 tile operation and 2.93 nJ per 256×64 (other row counts: linear in rows
/// between those two points — our interpolation). Latency assumes tile operations run one after
/// another (an upper bound: the paper's 4 tiles can overlap).
public struct HardwareCost: Codable, Sendable, Equatable {
    public var tiles: Int
    public var tileOperationsPerImage: Int
    public var cyclesPerTileOperation: Int
    public var clockMHz: Double
    public var energyPerTileOperationNanojoules: Double
    /// Sequential latency per image, ms, and energy per image, µJ.
    public var latencyMilliseconds: Double
    public var energyMicrojoules: Double
    public var layers: [Layer]

    public struct Layer: Codable, Sendable, Equatable {
        public var index: Int
        public var vectorsPerImage: Int
        public var blocks: Int
        /// 1 for non-negative inputs, 2 for signed ones.
        public var phases: Int
        public var tileOperations: Int
    }

    public init(image: ChipImage, clockMHz: Double = 100, cyclesPerConversion: Int = 9) {
        let spec = image.spec
        let shapes = (try? image.architecture.shapes()) ?? []
        var nonNegative = true  // the network's input: grey levels in [0, 1]
        var layers: [Layer] = []
        for (i, layer) in image.architecture.layers.enumerated() {
            switch layer {
            case .conv2d, .dense, .convolution:
                if let l = image.layers.first(where: { $0.index == i }) {
                    let out = i + 1 < shapes.count ? shapes[i + 1] : [1]
                    let vectors = out.count == 3 ? out[0] * out[1] : 1
                    let phases = nonNegative ? 1 : 2
                    layers.append(Layer(index: i, vectorsPerImage: vectors, blocks: l.blocks.count, phases: phases,
                                        tileOperations: vectors * l.blocks.count * phases))
                }
                nonNegative = false
            case .relu, .sigmoid: nonNegative = true
            case .tanh, .leakyRelu, .add, .affine: nonNegative = false
            case let .clip(lo, _): nonNegative = lo >= 0
            case .maxPool, .flatten, .avgPool, .globalAvgPool: break
            }
        }
        tiles = image.tiles.count
        tileOperationsPerImage = layers.reduce(0) { $0 + $1.tileOperations }
        cyclesPerTileOperation = cyclesPerConversion * spec.adc.columnsPerADC
        self.clockMHz = clockMHz
        energyPerTileOperationNanojoules = 2.66 + (Double(spec.tileRows) - 64) * (2.93 - 2.66) / 192
        latencyMilliseconds = Double(tileOperationsPerImage * cyclesPerTileOperation) / (clockMHz * 1e3)
        energyMicrojoules = Double(tileOperationsPerImage) * energyPerTileOperationNanojoules / 1e3
        self.layers = layers
    }
}
