import CIMChipImage
import CIMCore
import CIMHDF5
import CIMMap
import Foundation
import Testing

/// One way of damaging a valid chip image file, and the object its problem must name.
enum Corruption: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case truncated50, truncated90, truncated8, empty, randomBytes, flippedDataByte, flippedCompressedByte
    case missingGPlus, missingBias, missingNetworkGroup, missingFormatVersion, formatVersion5, formatOther
    case nanGPlus, infGMinus, outOfWindow, levelMismatch, shapeMismatch, wrongDtype, tileCountWrong
    case blockOutsideTile, overlappingBlocks, weightNotPlaced
    case specJSONGarbage, architectureJSONGarbage, kindDisagrees, kindUnknown, kindWithoutItsAttributes
    case sourceNaN, sourceMissingTarget, sourceScaleNaN, sourceSpecZeroRows
    case scaleHuge, extraAttribute, extraGroup, extraDatasetAttribute
    case flippedByteUnsealed, editedUnsealed

    var testDescription: String { rawValue }

    /// The object path that some problem line must name.
    var object: String {
        switch self {
        case .truncated50, .truncated90, .truncated8, .empty, .randomBytes, .flippedByteUnsealed, .editedUnsealed: "/"
        case .flippedDataByte: "/network/layer_003/block_row_map"
        case .flippedCompressedByte: "/tiles/level_minus"
        case .missingGPlus, .nanGPlus, .outOfWindow, .shapeMismatch, .wrongDtype, .tileCountWrong: "/tiles/g_plus"
        case .missingBias: "/network/layer_003/bias"
        case .missingNetworkGroup: "/network"
        case .missingFormatVersion, .formatVersion5: "/format_version"
        case .formatOther: "/format"
        case .infGMinus: "/tiles/g_minus"
        case .levelMismatch: "/tiles/level_plus"
        case .blockOutsideTile: "/network/layer_000/blocks"
        case .overlappingBlocks: "/network/layer_003/blocks"
        case .weightNotPlaced: "/network/layer_007/blocks"
        case .specJSONGarbage: "/chip/spec_json"
        case .architectureJSONGarbage: "/network/architecture_json"
        case .kindDisagrees: "/network/layer_001"
        case .kindUnknown: "/network/layer_003"
        case .kindWithoutItsAttributes: "/network/layer_000"
        case .sourceNaN: "/source/layer_007/g_minus"
        case .sourceMissingTarget: "/source/layer_000/target_plus"
        case .sourceScaleNaN: "/source/layer_000/weight_per_uS"
        case .sourceSpecZeroRows: "/source/spec_json"
        case .scaleHuge: "/network/layer_003/weight_per_uS"
        case .extraAttribute: "/network/layer_001/evil"
        case .extraGroup: "/network/extra"
        case .extraDatasetAttribute: "/tiles/g_plus/evil"
        }
    }

    /// The valid image this corruption starts from.
    var base: ChipImage { rawValue.hasPrefix("source") ? Fixtures.onChip : Fixtures.inference }

    /// Whether the file is re-sealed after the damage (so the checks behind the seal are
    /// exercised); raw damage to bytes and the `…Unsealed` cases are caught by the seal itself.
    var resealed: Bool {
        switch self {
        case .truncated50, .truncated90, .truncated8, .empty, .randomBytes, .flippedByteUnsealed, .editedUnsealed: false
        default: true
        }
    }

    /// Whether the damaged dataset carries a correct checksum (so a content check must object).
    var checksumIsCorrect: Bool {
        switch self {
        case .nanGPlus, .infGMinus, .outOfWindow, .levelMismatch, .shapeMismatch, .wrongDtype, .blockOutsideTile,
             .overlappingBlocks, .weightNotPlaced, .sourceNaN: true
        default: false
        }
    }

    /// Damages the file at `path` (a fresh copy of `base`).
    func apply(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let bytes = try Data(contentsOf: url)
        switch self {
        case .truncated50: try bytes.prefix(bytes.count / 2).write(to: url)
        case .truncated90: try bytes.prefix(bytes.count * 9 / 10).write(to: url)
        case .truncated8: try bytes.prefix(8).write(to: url)
        case .empty: try Data().write(to: url)
        case .randomBytes:
            var rng = SeededBits(seed: 42)
            try Data((0..<bytes.count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: url)
        case .flippedDataByte:
            // locate the contiguous layer_003 row map (distinct Int32 values) by its bytes
            let rowMap = try Edit.read(path, "/network/layer_003/block_row_map", as: Int32.self).values
            let needle = rowMap.withUnsafeBytes { Data($0) }
            guard let range = bytes.range(of: needle), bytes[range.upperBound...].range(of: needle) == nil else {
                throw CIMError.format(path: path, reason: "row map bytes not found exactly once")
            }
            var damaged = bytes
            damaged[range.lowerBound + needle.count / 2 + 1] ^= 0x5A
            try damaged.write(to: url)
        case .flippedCompressedByte:
            // the middle of the first gzip-compressed chunk of a level array
            let chunk = try RawHDF5.firstChunk("/tiles/level_minus", in: path)
            var damaged = bytes
            damaged[chunk.offset + chunk.size / 2] ^= 0x5A
            try damaged.write(to: url)
        case .missingGPlus: try RawHDF5.delete("/tiles/g_plus", in: path)
        case .missingBias: try RawHDF5.delete("/network/layer_003/bias", in: path)
        case .missingNetworkGroup: try RawHDF5.delete("/network", in: path)
        case .missingFormatVersion: try Edit.deleteAttribute(path, "/", "format_version")
        case .formatVersion5: try Edit.attribute(path, "/", "format_version", 5)
        case .formatOther: try Edit.attribute(path, "/", "format", "something-else")
        case .nanGPlus: try Edit.modify(path, "/tiles/g_plus", as: Float.self) { $0[17] = .nan }
        case .infGMinus: try Edit.modify(path, "/tiles/g_minus", as: Float.self) { $0[$0.count - 1] = .infinity }
        case .outOfWindow: try Edit.modify(path, "/tiles/g_plus", as: Float.self) { $0[3] = 500 }
        case .levelMismatch:
            try Edit.modify(path, "/tiles/level_plus", as: UInt8.self) { levels in
                let k = levels.firstIndex { $0 > 0 } ?? 0
                levels[k] = levels[k] == 1 ? 2 : 1
            }
        case .shapeMismatch:
            let (shape, values) = try Edit.read(path, "/tiles/g_plus", as: Float.self)
            try Edit.replace(path, "/tiles/g_plus", shape: [shape[0], shape[1] / 2, shape[2] * 2], values)
        case .wrongDtype:
            let values = try Edit.read(path, "/tiles/g_plus", as: Float.self)
            try Edit.replace(path, "/tiles/g_plus", shape: values.shape, values.values.map(Double.init))
        case .tileCountWrong: try Edit.attribute(path, "/tiles", "count", 5)
        case .blockOutsideTile:
            try Edit.modify(path, "/network/layer_000/blocks", as: Int32.self) { $0[0] = 99 }
        case .overlappingBlocks:
            // layer 0's first block moved onto the devices of layer 3's first block
            let b0 = try Edit.read(path, "/network/layer_000/blocks", as: Int32.self).values
            let b3 = try Edit.read(path, "/network/layer_003/blocks", as: Int32.self).values
            let map3 = try Edit.read(path, "/network/layer_003/block_row_map", as: Int32.self).values
            try Edit.modify(path, "/network/layer_000/blocks", as: Int32.self) { $0[0] = b3[0]; $0[6] = b3[6] }
            try Edit.modify(path, "/network/layer_000/block_row_map", as: Int32.self) { map in
                for r in 0..<Int(b0[3]) { map[r] = map3[r] }
            }
        case .weightNotPlaced:
            let fields = ChipImageFile.blockFields.count
            let (shape, blocks) = try Edit.read(path, "/network/layer_007/blocks", as: Int32.self)
            let rowMap = try Edit.read(path, "/network/layer_007/block_row_map", as: Int32.self).values
            let lastRows = Int(blocks[blocks.count - fields + 3])
            try Edit.replace(path, "/network/layer_007/blocks", shape: [shape[0] - 1, fields], Array(blocks.dropLast(fields)))
            try Edit.replace(path, "/network/layer_007/block_row_map", shape: [rowMap.count - lastRows], Array(rowMap.dropLast(lastRows)))
        case .specJSONGarbage: try Edit.attribute(path, "/chip", "spec_json", "{\"tileRows\": banana")
        case .architectureJSONGarbage: try Edit.attribute(path, "/network", "architecture_json", "[1, 2,")
        case .kindDisagrees: try Edit.attribute(path, "/network/layer_001", "kind", "tanh")
        case .kindUnknown: try Edit.attribute(path, "/network/layer_003", "kind", "lstm")
        case .kindWithoutItsAttributes: try Edit.attribute(path, "/network/layer_000", "kind", "dense")
        case .sourceNaN: try Edit.modify(path, "/source/layer_007/g_minus", as: Float.self) { $0[5] = .nan }
        case .sourceMissingTarget: try RawHDF5.delete("/source/layer_000/target_plus", in: path)
        case .sourceScaleNaN, .scaleHuge:
            let f = try HDF5File.open(path: path, writable: true)
            try f.root.openGroup(self == .scaleHuge ? "/network/layer_003" : "/source/layer_000")
                .setAttribute("weight_per_uS", self == .scaleHuge ? 1e300 : Double.nan)
            try f.close()
        case .sourceSpecZeroRows:
            let f = try HDF5File.open(path: path, writable: true)
            let spec = try f.root.openGroup("source").stringAttribute("spec_json")
            try f.root.openGroup("source").setAttribute("spec_json", spec.replacingOccurrences(
                of: #""tileRows":\d+"#, with: #""tileRows":0"#, options: .regularExpression))
            try f.close()
        case .extraAttribute: try Edit.attribute(path, "/network/layer_001", "evil", 1)
        case .extraGroup:
            let f = try HDF5File.open(path: path, writable: true)
            try f.root.createGroup("/network/extra")
            try f.close()
        case .extraDatasetAttribute:
            let f = try HDF5File.open(path: path, writable: true)
            try f.root.openDataset("/tiles/g_plus").setAttribute("evil", "x")
            try f.close()
        case .flippedByteUnsealed:
            var damaged = bytes
            damaged[bytes.count / 2] ^= 0x01
            try damaged.write(to: url)
        case .editedUnsealed: try Edit.modify(path, "/tiles/g_plus", as: Float.self) { $0[3] += 1 }
        }
    }
}

extension ChipImageTests {
    @Suite("corruption corpus")
    struct Corrupt {
        @Test("every corruption is reported as one-line problems naming the object, and read throws",
              arguments: Corruption.allCases)
        func corpus(_ corruption: Corruption) throws {
            let dir = TempDir("corrupt")
            defer { dir.remove() }
            let path = dir.file("image.h5")
            try ChipImageFile.write(corruption.base, to: path)
            let before: [String] = ChipImageFile.verify(path: path)
            #expect(before.isEmpty, "the base image is not sound: \(before)")
            try corruption.apply(to: path)
            if corruption.resealed { try ChipImageFile.seal(path: path) }

            let lines: [String] = ChipImageFile.verify(path: path)
            #expect(!lines.isEmpty, "\(corruption): not detected")
            for line in lines {
                let oneLine: Bool = !line.contains("\n") && !line.contains("\r")
                #expect(oneLine, "multi-line problem: \(line)")
                let startsWithObject: Bool = line.hasPrefix("/")
                #expect(startsWithObject, "problem does not start with an object path: \(line)")
            }
            let named: Bool = lines.contains { $0.hasPrefix(corruption.object + ":") || $0.hasPrefix(corruption.object + "/") }
            #expect(named, "no problem names \(corruption.object): \(lines)")
            if corruption == .flippedByteUnsealed || corruption == .editedUnsealed {
                let sealed: Bool = lines.count == 1 && lines[0].contains("seal")
                #expect(sealed, "the seal must catch it before HDF5 parses: \(lines)")
            }
            if corruption.checksumIsCorrect {
                let blamesChecksum: Bool = lines.contains { $0.contains("sha256") }
                #expect(!blamesChecksum, "the checksum was recomputed, a content check must object: \(lines)")
            }

            var thrown: CIMError?
            do { _ = try ChipImageFile.read(path: path) } catch { thrown = error }
            let message: String = thrown?.description ?? ""
            #expect(thrown != nil, "\(corruption): read accepted the file")
            let firstLine: String = lines.first ?? "?"
            #expect(message.hasSuffix(firstLine), "read's error '\(message)' is not verify's first line '\(firstLine)'")
            let oneLineError: Bool = !message.contains("\n")
            #expect(oneLineError)
        }

        @Test("corrupting a copy leaves the original sound; the corpus covers every listed damage")
        func corpusShape() throws {
            let count: Int = Corruption.allCases.count
            #expect(count >= 25)
            let dir = TempDir("orig")
            defer { dir.remove() }
            let a = dir.file("a.h5"), b = dir.file("b.h5")
            try ChipImageFile.write(Fixtures.inference, to: a)
            try FileManager.default.copyItem(atPath: a, toPath: b)
            try Corruption.nanGPlus.apply(to: b)
            let original: [String] = ChipImageFile.verify(path: a)
            #expect(original.isEmpty)
        }
    }
}
