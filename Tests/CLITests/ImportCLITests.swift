import CIMNetwork
import CIMChipImage
import CIMMap
import CIMTrain
import Foundation
import Testing

/// `cim import` and `cim export MODEL.onnx` end to end, on the committed ONNX fixtures.
extension CLITests {
    @Suite("import", .serialized)
    struct ImportCLI {
        let cli = CLITests()
        static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/onnx").path

        @Test("cim import writes model.safetensors with the ONNX provenance; export takes the .onnx directly; evaluate runs it")
        func importExportEvaluate() throws {
            let dir = cli.tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let onnx = Self.fixtures + "/lenet.torchscript_keepbn.onnx"
            let r = try cli.cim(["import", onnx, "--out", dir + "/imported", "--accuracy", "mnist"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stdout.contains("digital accuracy on the 10000 mnist test images: "), "stdout: \(r.stdout)")
            #expect(r.stdout.contains("conv 1→6 5×5, relu, maxpool 2, conv 6→16 5×5, relu, maxpool 2, flatten, fc 256→120, tanh, fc 120→10"),
                    "stdout: \(r.stdout)")
            #expect(r.stdout.contains("folded into layer 0") && r.stdout.contains("input normalisation folded"), "stdout: \(r.stdout)")
            let weights = try String(decoding: Data(contentsOf: URL(fileURLWithPath: dir + "/imported/model.safetensors")), as: UTF8.self)
            #expect(weights.contains("\"onnx_file\":\"lenet.torchscript_keepbn.onnx\"") && weights.contains("\"onnx_output_transform\":\"log-softmax\""))
            let again = try cli.cim(["import", onnx, "--out", dir + "/imported"])
            #expect(again.status != 0 && again.stderr.contains("already exists"), "stderr: \(again.stderr)")
            for model in [dir + "/imported/model.safetensors", onnx] {
                let e = try cli.cim(["export", model, "--chip", "wu2023-inference", "--out", dir + "/a.h5", "--calibration", "16",
                                     "--monte-carlo", "0", "--overwrite"])
                #expect(e.status == 0, "stderr: \(e.stderr)")
            }
            let ev = try cli.cim(["evaluate", dir + "/a.h5", "--trials", "2", "--test-limit", "100", "--out", dir + "/ev", "--quiet"])
            #expect(ev.status == 0, "stderr: \(ev.stderr)")
        }

        @Test("padded, strided, grouped and residual CNNs and BatchNorms kept as affine layers go through import → export (chip image v2) → verify → inspect → evaluate → convert --to onnx")
        func importedCNNsThroughThePipeline() throws {
            let dir = cli.tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try cli.cim(["import", Self.fixtures + "/depthwise.dynamo.onnx", "--out", dir + "/imported"])
            #expect(r.status == 0 && r.stdout.contains("conv 8→8 3×3 stride 2 pad 1 depthwise, clip [0.0, 6.0]"), "stdout: \(r.stdout)")
            // 16×16×3 inputs: no MNIST calibration (one clear line), then without the calibration checks
            let refused = try cli.cim(["export", dir + "/imported/model.safetensors", "--out", dir + "/d.h5"])
            #expect(refused.status != 0 && refused.stderr.contains("the model expects [16, 16, 3]"), "stderr: \(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/d.h5"))
            let d = try cli.cim(["export", dir + "/imported/model.safetensors", "--out", dir + "/d.h5", "--calibration", "0"])
            #expect(d.status == 0, "stderr: \(d.stderr)")
            let dv = try cli.cim(["verify", dir + "/d.h5"])
            #expect(dv.status == 0 && dv.stdout.contains("schema 4"), "\(dv.stdout) \(dv.stderr)")
            for model in ["vgg_bn.dynamo", "resnet.torchscript", "bn_affine.torchscript"] {
                let image = dir + "/\(model).h5"
                let e = try cli.cim(["export", Self.fixtures + "/\(model).onnx", "--chip", "wu2023-inference", "--out", image,
                                     "--calibration", "32", "--monte-carlo", "2"])
                #expect(e.status == 0, "\(model): \(e.stderr)")
                let v = try cli.cim(["verify", image])
                #expect(v.status == 0, "\(model): \(v.stdout) \(v.stderr)")
                if model.hasPrefix("bn_affine") {
                    let i = try cli.cim(["inspect", image])
                    #expect(i.status == 0 && i.stdout.contains("affine 1") && i.stdout.contains("affine 392"), "\(model): \(i.stdout) \(i.stderr)")
                }
                let ev = try cli.cim(["evaluate", image, "--trials", "2", "--test-limit", "100", "--out", dir + "/ev-\(model)", "--quiet"])
                #expect(ev.status == 0, "\(model): \(ev.stderr)")
                let c = try cli.cim(["convert", image, "--to", "onnx", "--out", dir + "/\(model).deployed.onnx"])
                #expect(c.status == 0, "\(model): \(c.stderr)")
                let back = try cli.cim(["import", dir + "/\(model).deployed.onnx", "--out", dir + "/back-\(model)"])
                #expect(back.status == 0, "\(model): \(back.stderr)")
                // the deployed model is the image's quantised network, exactly (affine scales and shifts included)
                let reread = try WeightsFile.read(path: dir + "/back-\(model)/model.safetensors").network
                let expected = try ChipImageFile.read(path: image).quantizedNetwork()
                #expect(reread.parameters == expected.parameters && reread.architecture.layers == expected.architecture.layers, "\(model)")
            }
        }

        @Test("cim train --init MODEL.onnx fine-tunes the imported weights (resumable); --model MODEL.onnx trains its architecture from scratch")
        func trainImported() throws {
            let dir = cli.tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let onnx = Self.fixtures + "/lenet.torchscript_keepbn.onnx"
            let common = ["--train-limit", "2000", "--test-limit", "300", "--batches-per-epoch", "10", "--quiet"]
            let r = try cli.cim(["train", "--init", onnx, "--epochs", "1", "--out", dir + "/ft"] + common)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let record = try String(decoding: Data(contentsOf: URL(fileURLWithPath: dir + "/ft/training.json")), as: UTF8.self)
            #expect(record.contains("\"initialWeights\" : \"lenet.torchscript_keepbn.onnx (sha256 ") && record.contains("\"customArchitecture\""))
            let resumed = try cli.cim(["train", "--resume", dir + "/ft", "--epochs", "2", "--quiet"])
            #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
            let scratch = try cli.cim(["train", "--model", Self.fixtures + "/resnet.dynamo.onnx", "--epochs", "1", "--out", dir + "/rn"] + common)
            #expect(scratch.status == 0, "stderr: \(scratch.stderr)")
            let both = try cli.cim(["train", "--init", onnx, "--model", "cnn16", "--out", dir + "/bad"])
            #expect(both.status != 0 && both.stderr.contains("--init") && !FileManager.default.fileExists(atPath: dir + "/bad"), "stderr: \(both.stderr)")
            let badAccuracy = try cli.cim(["import", Self.fixtures + "/depthwise.dynamo.onnx", "--out", dir + "/dwi", "--accuracy", "mnist"])
            #expect(badAccuracy.status != 0 && badAccuracy.stderr.contains("--accuracy") && !FileManager.default.fileExists(atPath: dir + "/dwi"),
                    "stderr: \(badAccuracy.stderr)")
            let wrongShape = try cli.cim(["train", "--init", Self.fixtures + "/depthwise.dynamo.onnx", "--out", dir + "/dw"])
            #expect(wrongShape.status != 0 && wrongShape.stderr.contains("expects [16, 16, 3]"), "stderr: \(wrongShape.stderr)")
        }

        @Test("cim convert --to onnx writes the image's effective weights: imported again, they are the image's quantised network exactly")
        func convertToONNX() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("exported/lenet-wu2023-mp-inference.h5").path
            let r = try cli.cim(["convert", image, "--to", "onnx", "--out", dir + "/deployed.onnx"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let i = try cli.cim(["import", dir + "/deployed.onnx", "--out", dir + "/back"])
            #expect(i.status == 0, "stderr: \(i.stderr)")
            let back = try WeightsFile.read(path: dir + "/back/model.safetensors").network
            let expected = try ChipImageFile.read(path: image).quantizedNetwork()
            #expect(back.parameters == expected.parameters && back.architecture.layers == expected.architecture.layers)
            for (args, message) in [(["--to", "pdf", "--out", dir + "/x.onnx"], "--to"), (["--to", "onnx", "--out", dir + "/x.h5"], "--out"),
                                    (["--to", "onnx", "--out", dir + "/deployed.onnx"], "already exists")] {
                let bad = try cli.cim(["convert", image] + args)
                #expect(bad.status != 0 && bad.stderr.contains(message) && bad.stderr.split(separator: "\n").count == 1, "stderr: \(bad.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/x.onnx") && !FileManager.default.fileExists(atPath: dir + "/x.h5"))
        }

        @Test("bad ONNX input: one error line, non-zero exit, nothing written", arguments: [
            "truncated", "unsupported", "not onnx", "missing",
        ])
        func badInput(_ kind: String) throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/m.onnx"
            let original = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/lenet.dynamo.onnx"))
            switch kind {
            case "truncated": try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: path))
            case "unsupported":
                // the LeNet with every Relu turned into Celu (a real ONNX operator CIMKit does not
                // have; same length, so the protobuf stays valid)
                var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/lenet.torchscript.onnx")))
                let relu = Array("Relu".utf8)
                var replaced = 0
                for i in 0..<(bytes.count - 3) where Array(bytes[i..<(i + 4)]) == relu {
                    bytes[i] = UInt8(ascii: "C")
                    replaced += 1
                }
                try #require(replaced >= 2, "no Relu in lenet.torchscript.onnx")
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            case "not onnx": try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
            default: break
            }
            for args in [["import", path, "--out", dir + "/out"], ["export", path, "--chip", "ideal", "--out", dir + "/out/a.h5"]] {
                let r = try cli.cim(args)
                #expect(r.status != 0 && r.stderr.hasPrefix("error: \(path)") && r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
                if kind == "unsupported" { #expect(r.stderr.contains("(Celu): operator not supported"), "stderr: \(r.stderr)") }
                #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
            }
        }
    }
}
