import CIMCore
import CIMCrossbar
import CIMDevice
import CIMNetwork
import Foundation

/// Trained model + target chip → ``ChipImage`` with its ``MappingReport``: quantise each
/// weighted layer (``Quantizer``), cut it into tile blocks and place them (``Placer``), build
/// the tiles, then run the variation-aware checks (``Mapper+Checks``).
public struct Mapper {
    public let config: MappingConfig

    public init(config: MappingConfig) throws(CIMError) {
        try config.validate()
        self.config = config
    }

    /// Maps `model`.
    /// - Parameters:
    ///   - calibration: a batch of real inputs `[N] + inputShape` for the output-error and ADC
    ///     checks (`nil` skips those two checks).
    ///   - defects: stuck devices of the physical chip, avoided where possible.
    ///   - creator: written into the image.
    public func map(_ model: TrainedModel, calibration: Tensor?, defects: DefectMap? = nil,
                    creator: String) throws(CIMError) -> ChipImage {
        let spec = config.spec
        let arch = model.network.architecture
        let weighted = arch.layers.indices.filter { arch.layers[$0].matrixShape != nil }
        guard !weighted.isEmpty else { throw .invalidConfig(field: "model", reason: "\(arch.name) has no weighted layers") }
        if config.calibration != nil, calibration == nil {
            throw .invalidConfig(field: "calibration", reason: "calibrating needs calibration images (none were given)")
        }
        let from: MappingConfig.WeightSource = model.source == nil ? .digital : config.weightsFrom
        let slicing = try config.slicing
        var quantized: [QuantizedLayer] = []
        for i in weighted {
            let (rows, cols) = arch.layers[i].matrixShape!
            let w = model.weights(layer: i, from: from)
            if let bad = w.firstIndex(where: { !$0.isFinite }) {
                throw .invalidConfig(field: "layers.\(i).weight[\(bad)]", reason: "\(w[bad]) is not finite")
            }
            quantized.append(Quantizer.quantize(weights: w, rows: rows, columns: cols, device: spec.device,
                                                clip: config.calibration?.weightClip, slicing: slicing))
        }
        // Placement (defect-aware when a map is given).
        let stuck: [Int: [Int: DefectMap.State]] = defects.map { map in
            Dictionary(uniqueKeysWithValues: Set(map.tiles.map(\.tile)).map { ($0, map.cells(tile: $0, columns: spec.tileColumns)) })
        } ?? [:]
        let device = spec.device
        let conflict: Placer.Conflict = { item, r, tile, p, x in
            guard let cells = stuck[tile], !cells.isEmpty else { return 0 }
            let q = quantized[item.layer], b = item.block
            var n = 0
            for c in 0..<b.columns {
                let k = (b.rowStart + r) * q.pairColumns + b.columnStart + c
                for (col, target) in [(2 * (x + c), q.targetPlus[k]), (2 * (x + c) + 1, q.targetMinus[k])] {
                    if let s = cells[p * spec.tileColumns + col] {
                        let forced = Float(s == .low ? device.gMinMicroSiemens : device.gMaxMicroSiemens)
                        if forced != target { n += 1 }
                    }
                }
            }
            return n
        }
        let placer = Placer(spec: spec, defects: defects)
        let placed = placer.place(weighted.enumerated().map { k, i in (quantized[k].rows, quantized[k].pairColumns, arch.layers[i].groups) }, conflict: conflict)
        // Tiles.
        let pairs = spec.weightColumns, cells = spec.tileRows * pairs
        let leveled = device.levels >= 2
        var tiles = [TileImage](repeating: TileImage(gPlus: [Float](repeating: Float(device.gMinMicroSiemens), count: cells),
                                                     gMinus: [Float](repeating: Float(device.gMinMicroSiemens), count: cells),
                                                     levelPlus: leveled ? [UInt8](repeating: 0, count: cells) : [],
                                                     levelMinus: leveled ? [UInt8](repeating: 0, count: cells) : []),
                                count: placed.tiles)
        var used = 0
        for (k, blocks) in placed.blocks.enumerated() {
            let q = quantized[k]
            for b in blocks {
                used += b.rows * b.columns
                for r in 0..<b.rows {
                    let dst = b.rowMap[r] * pairs + b.tileColumn, src = (b.rowStart + r) * q.pairColumns + b.columnStart
                    for c in 0..<b.columns {
                        tiles[b.tile].gPlus[dst + c] = q.targetPlus[src + c]
                        tiles[b.tile].gMinus[dst + c] = q.targetMinus[src + c]
                        if leveled {
                            tiles[b.tile].levelPlus[dst + c] = q.levelPlus[src + c]
                            tiles[b.tile].levelMinus[dst + c] = q.levelMinus[src + c]
                        }
                    }
                }
            }
        }
        let layers = weighted.enumerated().map { k, i in
            LayerImage(index: i, rows: quantized[k].rows, columns: quantized[k].columns,
                       weightPerMicroSiemens: quantized[k].weightPerMicroSiemens, bias: model.bias(layer: i), blocks: placed.blocks[k],
                       groups: arch.layers[i].groups,
                       calibration: quantized[k].columnScales.map { LayerCalibration(columnWeightPerMicroSiemens: $0) }, slicing: slicing)
        }
        var reportLayers = weighted.enumerated().map { k, i in
            MappingReport.Layer(index: i, rows: quantized[k].rows, columns: quantized[k].columns, blocks: placed.blocks[k].count,
                                tiles: Array(Set(placed.blocks[k].map(\.tile))).sorted(),
                                weightPerMicroSiemens: quantized[k].weightPerMicroSiemens,
                                quantizationRelativeRMS: quantized[k].relativeRMS, quantizationMaxAbs: quantized[k].maxAbsError,
                                clippedFraction: quantized[k].clippedFraction, levelHistogram: quantized[k].levelHistogram)
        }
        var checks: [MappingReport.Check] = []
        let capacity = spec.tileCount
        checks.append(.init(name: "capacity", value: Double(placed.tiles), threshold: Double(capacity ?? Int.max),
                            passed: capacity.map { placed.tiles <= $0 } ?? true,
                            detail: capacity.map { "\(placed.tiles) tiles needed, the chip has \($0)" } ?? "\(placed.tiles) tiles needed (no limit)"))
        if defects != nil {
            var total = 0
            for (k, blocks) in placed.blocks.enumerated() {
                var n = 0
                for b in blocks {
                    let item = Placer.Item(layer: k, block: b)
                    for r in 0..<b.rows { n += conflict(item, r, b.tile, b.rowMap[r], b.tileColumn) }
                }
                reportLayers[k].defectConflicts = n
                total += n
            }
            checks.append(.init(name: "defects", value: Double(total), threshold: Double(config.maxDefectConflicts),
                                passed: total <= config.maxDefectConflicts,
                                detail: "\(total) stuck devices disagree with their targets after defect-aware placement"))
        }
        var provenance = model.provenance
        if let settings = config.calibration, let calibration {
            let record = CalibrationRecord(settings: settings, images: calibration.shape.first ?? 0,
                                           inputShape: Array(calibration.shape.dropFirst()),
                                           inputSHA256: calibration.data.withUnsafeBytes { SHA256.hex(of: $0) })
            provenance[CalibrationRecord.provenanceKey] = record.jsonText
        }
        var image = ChipImage(
            info: ImageInfo(creator: creator, createdUTC: ISO8601DateFormatter().string(from: Date()), seed: config.seed,
                            source: model.source.map { "on-chip \($0.rule)" } ?? "digital", weightsFrom: from.rawValue),
            spec: spec, architecture: arch, layers: layers, tiles: tiles, source: model.source, provenance: provenance,
            report: MappingReport(chip: spec.name, tilesUsed: placed.tiles, tileCapacity: capacity,
                                  utilisation: Double(used) / Double(max(placed.tiles * cells, 1)), layers: reportLayers, checks: checks),
            preprocessing: model.preprocessing, affineLayers: model.affineLayers())
        if let calibration { try runChecks(on: &image, calibration: calibration) }
        return image
    }
}
