import CHDF5
import CIMChipImage
import CIMCore
import CIMHDF5
import CIMNetwork
import CIMTrain
import CIMMap
import Foundation
import Testing

/// Damaged chip images and bad `cim export` flags: one clear line, non-zero exit, no output.
extension CLITests {
    @Suite("chip images: bad input")
    struct ChipImageInput {
        let cli = CLITests()

        /// A fresh directory with an untrained LeNet (`model.safetensors`).
        func modelDir() throws -> String {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let network = try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 1)
            try WeightsFile.write(network, to: dir + "/model.safetensors")
            return dir
        }

        /// Exports `dir/model.safetensors` to `dir/<name>` (fast: no calibration, no Monte Carlo).
        func export(_ dir: String, _ name: String, chip: String = "wu2023-inference", extra: [String] = []) throws -> CLITests.Run {
            try cli.cim(["export", dir + "/model.safetensors", "--chip", chip, "--out", dir + "/" + name,
                         "--calibration", "0", "--monte-carlo", "0"] + extra)
        }

        func listing(_ dir: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        }

        @Test("a damaged image: verify prints only error lines, inspect and convert one line, no output file",
              arguments: ImageDamage.allCases)
        func damagedImage(_ damage: ImageDamage) throws {
            let dir = try modelDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let made = try export(dir, "good.h5")
            #expect(made.status == 0, "stderr: \(made.stderr)")
            let work = dir + "/work"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let bad = work + "/bad.h5"
            try FileManager.default.copyItem(atPath: dir + "/good.h5", toPath: bad)
            try damage.apply(to: bad)

            let v = try cli.cim(["verify", bad])
            let vLines: [Substring] = v.stderr.split(separator: "\n")
            let allErrors: Bool = vLines.allSatisfy { $0.hasPrefix("error: \(bad): /") }
            #expect(v.status != 0)
            #expect(!vLines.isEmpty && allErrors, "verify stderr: \(v.stderr)")
            #expect(v.stdout.isEmpty, "verify stdout: \(v.stdout)")

            for json in [false, true] {
                let i = try cli.cim(["inspect", bad] + (json ? ["--json"] : []))
                let iLines: [Substring] = i.stderr.split(separator: "\n")
                #expect(i.status != 0)
                #expect(iLines.count == 1 && i.stderr.hasPrefix("error: \(bad): /"), "inspect stderr: \(i.stderr)")
                #expect(i.stdout.isEmpty, "inspect stdout: \(i.stdout)")
            }

            let out = work + "/out.h5"
            let c = try cli.cim(["convert", bad, "--chip", "wu2023-soc", "--out", out, "--calibration", "0"])
            let cLines: [Substring] = c.stderr.split(separator: "\n")
            #expect(c.status != 0)
            #expect(cLines.count == 1 && c.stderr.hasPrefix("error: \(bad): /"), "convert stderr: \(c.stderr)")
            let left: [String] = listing(work)
            #expect(left == ["bad.h5"], "convert left files behind: \(left)")
        }

        @Test("bad export flags and inputs: one line naming the flag or file, no output file",
              arguments: BadExport.allCases)
        func badExport(_ bad: BadExport) throws {
            let dir = try modelDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let (args, named) = try bad.arguments(dir)
            let before: [String] = listing(dir)
            let r = try cli.cim(["export"] + args)
            let lines: [Substring] = r.stderr.split(separator: "\n")
            #expect(r.status != 0)
            #expect(lines.count == 1 && r.stderr.hasPrefix("error: "), "stderr: \(r.stderr)")
            #expect(r.stderr.contains(named), "'\(named)' not named: \(r.stderr)")
            #expect(r.stdout.isEmpty, "stdout: \(r.stdout)")
            let after: [String] = listing(dir)
            #expect(after == before, "export left files behind: \(after)")
        }

        @Test("export --calibrate writes a calibrated image that verifies (and its calibration set re-hashes) and evaluates; the report shows the calibrated full scales")
        func calibratedExport() throws {
            let dir = try modelDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try cli.cim(["export", dir + "/model.safetensors", "--out", dir + "/cal.h5", "--calibration", "32", "--monte-carlo", "0",
                                 "--calibrate", "--weight-clip", "percentile:99.5"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stdout.contains("beyond the calibrated ±") && r.stdout.contains("calibrated layer 0: column scales"), "\(r.stdout)")
            let v = try cli.cim(["verify", dir + "/cal.h5"])
            #expect(v.status == 0 && v.stdout.contains("schema 4, calibrated,"), "\(v.stdout) \(v.stderr)")
            let image = try ChipImageFile.read(path: dir + "/cal.h5")
            let record = try JSONDecoder().decode(CalibrationRecord.self, from: Data(try #require(image.provenance["calibration"]).utf8))
            #expect(record.images == 32 && record.settings.weightClip == .percentile(99.5) && record.problem == nil)
            let e = try cli.cim(["evaluate", dir + "/cal.h5", "--trials", "1", "--test-limit", "100", "--out", dir + "/eval", "--quiet"])
            #expect(e.status == 0, "stderr: \(e.stderr)")
            // verify rebuilds the calibration set and checks its hash: the model's MNIST matches, Fashion-MNIST does not
            let same = try cli.cim(["verify", dir + "/cal.h5", "--calibration-data", "mnist"])
            #expect(same.status == 0 && same.stdout.contains("calibration set matches mnist"), "\(same.stdout) \(same.stderr)")
            let other = try cli.cim(["verify", dir + "/cal.h5", "--calibration-data", "fashion-mnist"])
            #expect(other.status != 0 && other.stderr.contains("--calibration-data") && other.stderr.contains("SHA-256"), "\(other.stderr)")
            #expect(other.stderr.split(separator: "\n").count == 1, "\(other.stderr)")
            // the tiles' calibrated full scales would ignore a new chip-wide one: refused, not silently kept
            let f = try cli.cim(["evaluate", dir + "/cal.h5", "--trials", "1", "--test-limit", "100", "--out", dir + "/eval90",
                                 "--set", "adc.fullScaleMicroAmps=90", "--quiet"])
            #expect(f.status != 0 && f.stderr.contains("--set") && f.stderr.contains("calibrated with its own ADC full scale per tile"), "\(f.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/eval90"))
        }

        @Test("export onto an existing file needs --overwrite; the file stays byte-identical")
        func noOverwrite() throws {
            let dir = try modelDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = try export(dir, "image.h5")
            #expect(first.status == 0, "stderr: \(first.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/image.h5"))
            let before: [String] = listing(dir)
            let again = try export(dir, "image.h5", chip: "wu2023-soc")
            let lines: [Substring] = again.stderr.split(separator: "\n")
            #expect(again.status != 0)
            #expect(lines.count == 1 && again.stderr.contains("--overwrite"), "stderr: \(again.stderr)")
            let now = try Data(contentsOf: URL(fileURLWithPath: dir + "/image.h5"))
            let same: Bool = now == bytes
            #expect(same, "the existing image changed")
            let after: [String] = listing(dir)
            #expect(after == before)
            // with --overwrite it is replaced by a sound image
            let forced = try export(dir, "image.h5", chip: "wu2023-soc", extra: ["--overwrite"])
            #expect(forced.status == 0, "stderr: \(forced.stderr)")
            let verify = try cli.cim(["verify", dir + "/image.h5"])
            #expect(verify.status == 0 && verify.stdout.contains("wu2023-soc"), "verify: \(verify.stdout) \(verify.stderr)")
        }
    }
}

/// A subset of the chip-image corruption corpus (the full one is in CIMChipImageTests).
enum ImageDamage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case truncated50, truncated8, empty, randomBytes, formatVersion2, formatOther, missingGPlus, nanGPlus, outOfWindow,
         specJSONGarbage, unknownKind

    var testDescription: String { rawValue }

    func apply(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let bytes = try Data(contentsOf: url)
        switch self {
        case .truncated50: try bytes.prefix(bytes.count / 2).write(to: url)
        case .truncated8: try bytes.prefix(8).write(to: url)
        case .empty: try Data().write(to: url)
        case .randomBytes:
            var x: UInt64 = 0x1234_5678
            try Data((0..<bytes.count).map { _ in x = x &* 6_364_136_223_846_793_005 &+ 1; return UInt8(x >> 56) }).write(to: url)
        case .formatVersion2: try Self.attribute(path, "/", "format_version") { try $0.setAttribute("format_version", 2) }
        case .formatOther: try Self.attribute(path, "/", "format") { try $0.setAttribute("format", "hdf5-something") }
        case .missingGPlus: try Self.delete("/tiles/g_plus", in: path)
        case .nanGPlus: try Self.changeGPlus(path) { $0[0] = .nan }
        case .outOfWindow: try Self.changeGPlus(path) { $0[1] = 500 }
        case .specJSONGarbage: try Self.attribute(path, "/chip", "spec_json") { try $0.setAttribute("spec_json", "{") }
        case .unknownKind: try Self.attribute(path, "/network/layer_000", "kind") { try $0.setAttribute("kind", "lstm") }
        }
    }

    static func attribute(_ path: String, _ group: String, _ name: String, _ set: (HDF5Group) throws -> Void) throws {
        let f = try HDF5File.open(path: path, writable: true)
        try set(try f.root.openGroup(group))
        try f.close()
    }

    static func delete(_ object: String, in path: String) throws {
        _ = HDF5Library.version  // opens the library with error printing off
        let file = H5Fopen(path, cim_h5f_acc_rdwr(), cim_h5p_default())
        guard file >= 0 else { throw CIMError.io(path: path, reason: "H5Fopen failed") }
        defer { H5Fclose(file) }
        guard H5Ldelete(file, object, cim_h5p_default()) >= 0 else { throw CIMError.io(path: path, reason: "cannot delete \(object)") }
    }

    /// Rewrites `/tiles/g_plus` with a correct sha256, so only the reader's range check can object.
    static func changeGPlus(_ path: String, _ change: (inout [Float]) -> Void) throws {
        let read = try HDF5File.open(path: path)
        let (shape, stored): ([Int], [Float]) = try read.root.readDataset("/tiles/g_plus")
        try read.close()
        var values = stored
        change(&values)
        try delete("/tiles/g_plus", in: path)
        let f = try HDF5File.open(path: path, writable: true)
        let d = try f.root.createDataset("/tiles/g_plus", shape: shape, values: values)
        try d.setAttribute("sha256", values.withUnsafeBytes { SHA256.hex(of: $0) })
        try f.close()
    }
}

/// Bad `cim export` invocations: the arguments (after `export`) and what the error must name.
enum BadExport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case unknownChip, unknownWeights, outNotH5, negativeCalibration, negativeCalibrationSpaced, negativeMonteCarlo,
         negativeMonteCarloSpaced, clippingAboveOne, zeroProgrammingError, missingDefects, defectOutsideTile, missingModel,
         nanWeight, damagedModelHeader, badWeightClip, badInputRange, badADCRange, calibrationFlagWithoutCalibrate,
         calibrateWithoutImages

    var testDescription: String { rawValue }

    func arguments(_ dir: String) throws -> (args: [String], named: String) {
        let model = dir + "/model.safetensors", out = dir + "/out.h5"
        let fast = ["--calibration", "0", "--monte-carlo", "0"]
        switch self {
        case .unknownChip: return ([model, "--chip", "nope", "--out", out] + fast, "nope")
        case .unknownWeights: return ([model, "--weights", "nonsense", "--out", out] + fast, "--weights")
        case .outNotH5: return ([model, "--out", dir + "/x.txt"] + fast, "--out")
        case .negativeCalibration: return ([model, "--out", out, "--calibration=-1", "--monte-carlo", "0"], "--calibration")
        case .negativeCalibrationSpaced: return ([model, "--out", out, "--calibration", "-1", "--monte-carlo", "0"], "--calibration")
        case .negativeMonteCarlo: return ([model, "--out", out, "--calibration", "0", "--monte-carlo=-2"], "--monte-carlo")
        case .negativeMonteCarloSpaced: return ([model, "--out", out, "--calibration", "0", "--monte-carlo", "-2"], "--monte-carlo")
        case .zeroProgrammingError: return ([model, "--out", out, "--max-programming-error", "0"] + fast, "--max-programming-error")
        case .clippingAboveOne: return ([model, "--out", out, "--max-adc-clipping", "7"] + fast, "--max-adc-clipping")
        case .missingDefects: return ([model, "--out", out, "--defects", "/nonexistent.json"] + fast, "/nonexistent.json")
        case .defectOutsideTile:
            let defects = dir + "/defects.json"
            try Data(#"{"tiles": [{"tile": 0, "stuck": [{"row": 300, "column": 2, "state": "low"}]}]}"#.utf8)
                .write(to: URL(fileURLWithPath: defects))
            return ([model, "--out", out, "--defects", defects] + fast, defects)
        case .badWeightClip: return ([model, "--out", out, "--calibrate", "--weight-clip", "percentile:0", "--monte-carlo", "0"], "--weight-clip")
        case .badInputRange: return ([model, "--out", out, "--calibrate", "--input-range", "quantile:2", "--monte-carlo", "0"], "--input-range")
        case .badADCRange: return ([model, "--out", out, "--calibrate", "--adc-range", "wide", "--monte-carlo", "0"], "--adc-range")
        case .calibrationFlagWithoutCalibrate: return ([model, "--out", out, "--weight-clip", "sigma:3"] + fast, "--calibrate")
        case .calibrateWithoutImages: return ([model, "--out", out, "--calibrate"] + fast, "--calibrate")
        case .missingModel: return ([dir + "/nothing.safetensors", "--out", out] + fast, dir + "/nothing.safetensors")
        case .nanWeight:
            var archive = try TensorArchive.read(path: model)
            var w = try archive.floats("layers.3.weight", path: model)
            w[7] = .nan
            archive.add("layers.3.weight", shape: archive.entries["layers.3.weight"]!.shape, w)
            try archive.write(to: model)
            return ([model, "--out", out] + fast, model)
        case .damagedModelHeader:
            var bytes = try Data(contentsOf: URL(fileURLWithPath: model))
            for k in 8..<40 { bytes[k] = 0x7B }  // '{' over the start of the JSON header
            try bytes.write(to: URL(fileURLWithPath: model))
            return ([model, "--out", out] + fast, model)
        }
    }
}
