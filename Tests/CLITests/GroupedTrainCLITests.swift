import CIMChipImage
import CIMMap
import CIMNetwork
import Foundation
import Testing

/// `cim train --rule mixed-precision` on a depthwise-separable CNN given as an architecture JSON,
/// then resume, export (the training chip in `/source`), inspect and verify.
extension CLITests {
    @Suite("on-chip training of grouped convolutions", .serialized)
    struct GroupedTrainCLI {
        let cli = CLITests()

        /// `Tests/Fixtures/architectures/separable-mnist.json` (the README's example).
        static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/architectures/separable-mnist.json").path

        /// conv 1→8 3×3 stride 2 pad 1, ReLU, depthwise 8→8 3×3 stride 2 pad 1, ReLU, 1×1 8→16 in
        /// 2 groups, ReLU, fc 784→10: the fixture.
        static let separable = Architecture(name: "separable", inputShape: [28, 28, 1], layers: [
            .convolution(spec: ConvolutionSpec(inChannels: 1, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                               padding: [1, 1, 1, 1])), .relu,
            .convolution(spec: ConvolutionSpec(inChannels: 8, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                               padding: [1, 1, 1, 1], groups: 8)), .relu,
            .convolution(spec: ConvolutionSpec(inChannels: 8, outChannels: 16, kernelHeight: 1, kernelWidth: 1, groups: 2)), .relu,
            .flatten, .dense(inFeatures: 784, outFeatures: 10),
        ])

        func json(_ path: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        }

        @Test("cim train --rule mixed-precision --model ARCH.json trains a depthwise-separable CNN on chip (loss falls), resumes bit-identically, exports with the training chip as /source")
        func trainResumeExport() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let arch = Self.fixture
            #expect(try JSONDecoder().decode(Architecture.self, from: Data(contentsOf: URL(fileURLWithPath: arch))) == Self.separable)
            let common = ["--rule", "mixed-precision", "--model", arch, "--train-limit", "4000", "--test-limit", "1000",
                          "--batches-per-epoch", "all", "--quiet"]
            let r = try cli.cim(["train"] + common + ["--epochs", "4", "--out", dir + "/run"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let record = try json(dir + "/run/training.json")
            let epochs = record["epochs"] as? [[String: Any]] ?? []
            let losses = epochs.compactMap { $0["trainLoss"] as? Double }
            #expect(losses.count == 4 && losses[3] < 0.5 * losses[0], "train losses \(losses)")
            let accuracy = record["finalTestAccuracy"] as? Double ?? 0
            #expect(accuracy > 0.6, "on-chip test accuracy \(accuracy)")
            let onChip = record["onChip"] as? [String: Any] ?? [:]
            let tiles = onChip["tilesByLayer"] as? [String: [String: Any]] ?? [:]
            #expect(tiles["2"]?["groups"] as? Int == 8 && tiles["4"]?["groups"] as? Int == 2 && tiles["0"]?["groups"] == nil, "\(tiles)")
            let writes = (onChip["writes"] as? [String: Any])?["meanPerWeightByLayer"] as? [String: Double] ?? [:]
            #expect((writes["2"] ?? 0) > 0 && (writes["4"] ?? 0) > 0, "writes per weight by layer: \(writes)")
            // 2 epochs, then resumed to 4: the same weights and chip, byte for byte
            let first = try cli.cim(["train"] + common + ["--epochs", "2", "--out", dir + "/half"])
            #expect(first.status == 0, "stderr: \(first.stderr)")
            let resumed = try cli.cim(["train", "--resume", dir + "/half", "--epochs", "4", "--quiet"])
            #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/run/model.safetensors"))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/half/model.safetensors"))
            #expect(a == b, "model.safetensors of the resumed run differs")
            // export: the image maps the programmed conductances, and keeps the training chip
            let image = dir + "/separable.h5"
            let e = try cli.cim(["export", dir + "/run/model.safetensors", "--chip", "wu2023-inference", "--out", image,
                                 "--calibration", "32", "--monte-carlo", "2"])
            #expect(e.status == 0, "stderr: \(e.stderr)")
            let i = try cli.cim(["inspect", image])
            #expect(i.status == 0 && i.stdout.contains("on-chip source: rule mixed-precision, 4 layers of programmed conductances"), "\(i.stdout) \(i.stderr)")
            let v = try cli.cim(["verify", image])
            #expect(v.status == 0, "\(v.stdout) \(v.stderr)")
            let source = try #require(try ChipImageFile.read(path: image).source)
            let trained = try #require(try TrainedModel.load(path: dir + "/run/model.safetensors").source)
            #expect(source.layers == trained.layers && source.layers[2]?.gPlus.count == 9 * 8 && source.layers[4]?.gPlus.count == 4 * 16)
            let ev = try cli.cim(["evaluate", image, "--trials", "2", "--test-limit", "200", "--out", dir + "/ev", "--quiet"])
            #expect(ev.status == 0, "stderr: \(ev.stderr)")
        }

        @Test("an architecture JSON that is not one, or does not end in logits: one error line, nothing written")
        func badArchitecture() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Data("{\"name\": 3}".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
            var noLogits = Self.separable
            noLogits.layers.removeLast(2)
            try JSONEncoder().encode(noLogits).write(to: URL(fileURLWithPath: dir + "/nologits.json"))
            for (file, message) in [("bad.json", "not an architecture JSON"), ("nologits.json", "must end in ≥ 2 logits"), ("missing.json", "cannot read")] {
                let r = try cli.cim(["train", "--model", dir + "/" + file, "--out", dir + "/t", "--train-limit", "10", "--epochs", "1"])
                #expect(r.status != 0 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(file): [\(r.stderr)]")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/t"))
        }
    }
}
