import CIMCore
import CIMHDF5
import Foundation
import Testing

/// `--data FILE.npz` and `--data FILE.h5` in `cim export`, `evaluate`, `import --accuracy` and `train`.
extension CLITests {
    @Suite("dataset files", .serialized)
    struct DatasetFileCLI {
        let cli = CLITests()
        static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        /// 16×16×3 inputs, NCHW in ONNX (NHWC in CIMKit).
        static let model = tests.appendingPathComponent("Fixtures/onnx/depthwise.dynamo.onnx").path
        /// np.savez_compressed: x_train (24, 16, 16, 3), x_test (12, 16, 16, 3) uint8, int64 labels.
        static let npz = tests.appendingPathComponent("Fixtures/datasets/rgb16.npz").path
        /// The shipped MNIST chip image (28×28×1 inputs).
        static let exported = tests.deletingLastPathComponent().appendingPathComponent("exported/lenet-wu2023-mp-inference.h5").path

        /// Writes an HDF5 dataset file of `n` uint8 images of `shape` (per image) and labels `i mod 10`.
        func writeH5(_ path: String, shape: [Int], n: Int = 6) throws {
            let f = try HDF5File.create(path: path)
            let count = n * shape.reduce(1, *)
            for split in ["train", "test"] {
                try f.root.createDataset("x_" + split, shape: [n] + shape, values: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13) })
                try f.root.createDataset("y_" + split, shape: [n], values: (0..<n).map { Int64($0 % 10) })
            }
            try f.close()
        }

        @Test("cim export MODEL.onnx --data FILE.npz calibrates on the file; evaluate and import --accuracy read it too")
        func exportEvaluateImport() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let e = try cli.cim(["export", Self.model, "--data", Self.npz, "--out", dir + "/d.h5", "--calibration", "16", "--monte-carlo", "2"])
            #expect(e.status == 0, "stderr: \(e.stderr)")
            #expect(e.stdout.contains("check pass  adc-clipping layer 0: 0.0000 of") || e.stdout.contains("check FAIL  adc-clipping layer 0"),
                    "stdout: \(e.stdout)")
            let ev = try cli.cim(["evaluate", dir + "/d.h5", "--data", Self.npz, "--trials", "2", "--out", dir + "/ev"])
            #expect(ev.status == 0 && ev.stdout.contains("over 12 custom test images"), "\(ev.stdout) \(ev.stderr)")
            // the report names the file and its SHA-256
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ev/robustness.json"))) as? [String: Any]
            let dataFile = report?["dataFile"] as? [String: Any]
            let sha = SHA256.hex(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.npz))))
            #expect(dataFile?["path"] as? String == Self.npz && dataFile?["sha256"] as? [String: String] == ["rgb16.npz": sha], "\(String(describing: dataFile))")
            let i = try cli.cim(["import", Self.model, "--out", dir + "/imported", "--accuracy", Self.npz])
            #expect(i.status == 0 && i.stdout.contains("digital accuracy on the 12 \(Self.npz) test images: "), "\(i.stdout) \(i.stderr)")
            // An N×C×H×W HDF5 file needs --layout nchw; the error says so.
            try writeH5(dir + "/nchw.h5", shape: [3, 16, 16])
            let refused = try cli.cim(["evaluate", dir + "/d.h5", "--data", dir + "/nchw.h5", "--trials", "1", "--out", dir + "/ev2"])
            #expect(refused.status != 0 && refused.stderr.contains("images are 3×16×16") && refused.stderr.contains("give --layout nchw"),
                    "stderr: \(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/ev2"))
            let nchw = try cli.cim(["export", Self.model, "--data", dir + "/nchw.h5", "--layout", "nchw", "--out", dir + "/n.h5",
                                    "--calibration", "4", "--monte-carlo", "0"])
            #expect(nchw.status == 0, "stderr: \(nchw.stderr)")
        }

        @Test("a dataset that does not fit the model, a broken file or a stray option: one error line, non-zero exit, nothing written")
        func refused() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try writeH5(dir + "/small.h5", shape: [8, 8, 3])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.npz))
            try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: dir + "/truncated.npz"))
            let cases: [([String], String)] = [
                (["export", Self.model, "--data", dir + "/small.h5", "--out", dir + "/x.h5"], "invalid --data: images are 8×8×3, the model expects [16, 16, 3]"),
                (["export", Self.model, "--data", dir + "/truncated.npz", "--out", dir + "/x.h5"], "truncated.npz: not a ZIP archive"),
                (["export", Self.model, "--data", Self.npz, "--train-keys", "x_train", "--out", dir + "/x.h5"], "invalid --train-keys: 'x_train' is not IMAGES,LABELS"),
                (["export", Self.model, "--layout", "nchw", "--out", dir + "/x.h5"], "invalid --layout: applies only to a dataset file"),
                (["export", Self.model, "--data", Self.npz, "--layout", "chw", "--out", dir + "/x.h5"], "invalid --layout: unknown layout 'chw'"),
                (["evaluate", Self.exported, "--data", dir + "/small.h5", "--out", dir + "/ev"],
                 "invalid --data: test images are 8×8×3, \(Self.exported) expects [28, 28, 1]"),
                (["import", Self.model, "--out", dir + "/imp", "--accuracy", dir + "/small.h5"], "invalid --accuracy: the test images are 8×8×3, the model expects [16, 16, 3]"),
                (["import", Self.model, "--out", dir + "/imp", "--accuracy", Self.npz, "--test-keys", "x_test,y_nope"],
                 "rgb16.npz: no array 'y_nope' (the file holds x_train, y_train, x_test, y_test)"),
                (["train", "--model", Self.model, "--data", dir + "/small.h5", "--out", dir + "/t"], "invalid dataset: images are 8×8×3, model depthwise.dynamo expects [16, 16, 3]"),
                (["train", "--data", Self.tests.path, "--layout", "nchw", "--out", dir + "/t"], "invalid dataOptions: array names and layout need a .npz or .h5 dataset file"),
            ]
            for (args, message) in cases {
                let r = try cli.cim(args)
                #expect(r.status != 0 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1,
                        "\(args.joined(separator: " ")): [\(r.stderr)]")
            }
            for path in ["x.h5", "x.mapping.json", "ev", "imp", "t"] {
                #expect(!FileManager.default.fileExists(atPath: dir + "/" + path), "\(path) was written")
            }
        }

        @Test("cim train --data FILE.npz records the file's SHA-256 and its array names; --resume reads the file again")
        func train() throws {
            let dir = cli.tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try cli.cim(["train", "--model", Self.model, "--data", Self.npz, "--epochs", "1", "--batches-per-epoch", "3",
                                 "--batch-size", "8", "--out", dir, "--quiet"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/training.json"))) as? [String: Any]
            let dataset = record?["dataset"] as? [String: Any]
            let sha = SHA256.hex(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.npz))))
            #expect(dataset?["sha256"] as? [String: String] == ["rgb16.npz": sha])
            #expect(dataset?["trainCount"] as? Int == 24 && dataset?["testCount"] as? Int == 12 && dataset?["directory"] as? String == Self.npz)
            let options = (record?["config"] as? [String: Any])?["dataOptions"] as? [String: String]
            #expect(options == ["layout": "nhwc", "trainImages": "x_train", "trainLabels": "y_train", "testImages": "x_test", "testLabels": "y_test"])
            // export calibrates on the data the model was trained on (MNIST would not fit its 16×16×3 input)
            let exported = try cli.cim(["export", dir + "/model.safetensors", "--out", dir + "/x.h5", "--calibration", "8", "--monte-carlo", "1"])
            #expect(exported.status == 0, "stderr: \(exported.stderr)")
            let resumed = try cli.cim(["train", "--resume", dir, "--epochs", "2", "--quiet"])
            #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
            let again = try cli.cim(["train", "--resume", dir, "--epochs", "3", "--layout", "nchw"])
            #expect(again.status != 0 && again.stderr.contains("invalid --layout: --resume continues"), "stderr: \(again.stderr)")
        }
    }
}
