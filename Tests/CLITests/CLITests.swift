import Foundation
import Testing

/// End-to-end runs of the built `cim` executable.
@Suite("cim command line", .serialized)
struct CLITests {
    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// The `cim` binary next to this test bundle (SwiftPM builds it with the tests).
    static var binary: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var url = dir
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: url.appendingPathComponent("cim").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("cim").path
    }

    func cim(_ args: [String], environment: [String: String] = [:]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: e, as: UTF8.self))
    }

    func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-cli-\(getpid())-\(UUID().uuidString)").path
        return d
    }

    @Test("cim exists next to the tests")
    func exists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "no cim binary at \(Self.binary)")
    }

    @Test("cim train --threads 2 runs 2 shards per batch (recorded) and gives the bits of --shards 2 on 1 thread; on chip --shards 2 is refused")
    func trainShards() throws {
        let a = tempDir(), b = tempDir()
        let common = ["train", "--model", "lenet-wu2023", "--train-limit", "1000", "--test-limit", "300", "--batches-per-epoch", "all",
                      "--epochs", "1", "--quiet"]
        let two = try cim(common + ["--threads", "2", "--out", a])
        let one = try cim(common + ["--threads", "1", "--shards", "2", "--out", b])
        #expect(two.status == 0 && one.status == 0, "stderr: \(two.stderr) \(one.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: a + "/training.json"))) as? [String: Any]
        #expect(((record?["config"] as? [String: Any])?["shards"] as? Int) == 2)
        let wa = FileManager.default.contents(atPath: a + "/model.safetensors"), wb = FileManager.default.contents(atPath: b + "/model.safetensors")
        #expect(wa != nil && wa == wb)
        let onChip = try cim(common + ["--rule", "mixed-precision", "--shards", "2", "--out", tempDir()])
        #expect(onChip.status != 0 && onChip.stderr.contains("shards") && onChip.stderr.split(separator: "\n").count == 1, "\(onChip.stderr)")
        for dir in [a, b] { try FileManager.default.removeItem(atPath: dir) }
    }

    @Test("cim train on a small subset writes training.json and model.safetensors")
    func trainSmall() throws {
        let out = tempDir()
        let r = try cim(["train", "--model", "lenet-wu2023", "--train-limit", "2000", "--test-limit", "500",
                         "--batches-per-epoch", "all", "--epochs", "2", "--seed", "3", "--out", out, "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let acc = summary?["finalTestAccuracy"] as? Double ?? 0
        #expect(acc > 0.8, "accuracy \(acc)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/training.json"))) as? [String: Any]
        #expect((record?["epochs"] as? [Any])?.count == 2)
        #expect(((record?["config"] as? [String: Any])?["seed"] as? Int) == 3)
        #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
        // A second run into the same directory is refused without --overwrite.
        let again = try cim(["train", "--train-limit", "100", "--epochs", "1", "--out", out])
        #expect(again.status != 0 && again.stderr.contains("already there"))
        try FileManager.default.removeItem(atPath: out)
    }

    @Test("bad flags and values give one line on stderr, a non-zero exit and no output",
          arguments: [
            (["train", "--model", "resnet99"], "unknown preset 'resnet99'"),
            (["train", "--dataset", "cifar"], "unknown dataset 'cifar'"),
            (["train", "--optimizer", "rmsprop"], "unknown optimizer 'rmsprop'"),
            (["train", "--batch-size", "0"], "batchSize"),
            (["train", "--batches-per-epoch", "lots"], "--batches-per-epoch"),
            (["train", "--lr", "abc"], "--lr"),
            (["train", "--no-such-flag"], "no-such-flag"),
            (["train", "--data", "/nonexistent/dir"], "/nonexistent/dir"),
            (["frobnicate"], "frobnicate"),
            (["train", "--rule", "sideways"], "unknown rule 'sideways'"),
            (["train", "--rule", "mixed-precision", "--chip", "tpu"], "unknown chip preset 'tpu'"),
            (["train", "--rule", "mixed-precision", "--device", "pcm-nandakumar2020"], "works only with rule mixed-precision-pulse"),
            (["train", "--rule", "mixed-precision-pulse", "--device", "brram-2bit"], "needs a pulse device"),
            (["train", "--rule", "mixed-precision", "--threshold", "-1"], "threshold"),
            (["train", "--device", "brram-4bit"], "need an on-chip --rule"),
            (["train", "--threads", "0"], "--threads"),
            (["train", "--lr", "1e30", "--batches-per-epoch", "3", "--quiet"], "diverged at epoch 1"),
            (["train", "--rule", "mixed-precision", "--chip", "ideal", "--threshold", "5"], "no effect on the continuous device"),
            (["train", "--rule", "hardware-aware", "--hw-noise-scale", "-1"], "hardwareAware.noiseScale"),
            (["train", "--rule", "hardware-aware", "--hw-drift-time", "nan"], "hardwareAware.driftSeconds"),
            (["train", "--rule", "hardware-aware", "--hw-drift-time", "0"], "hardwareAware.driftSeconds"),
            (["train", "--hw-noise-scale", "2"], "needs --rule hardware-aware"),
            (["train", "--rule", "mixed-precision", "--hw-drift-time", "60"], "needs --rule hardware-aware"),
            (["train", "--rule", "hardware-aware", "--threshold", "2"], "does not apply to --rule hardware-aware"),
            (["train", "--rule", "hardware-aware", "--chip", "tpu"], "unknown chip preset 'tpu'"),
            (["train", "--rule", "hardware-aware", "--shards", "2"], "shards"),
          ])
    func badInput(args: [String], message: String) throws {
        let out = tempDir()
        let r = try cim(args.first == "train" ? args + ["--out", out, "--train-limit", "10", "--epochs", "1"] : args)
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("cim train --resume continues an interrupted on-chip run and ends byte-identical to an uninterrupted one")
    func resume() throws {
        let whole = tempDir(), parts = tempDir()
        let common = ["train", "--rule", "mixed-precision", "--train-limit", "1000", "--test-limit", "200",
                      "--batches-per-epoch", "5", "--seed", "4", "--quiet"]
        let a = try cim(common + ["--epochs", "3", "--out", whole])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let b = try cim(common + ["--epochs", "1", "--out", parts])
        #expect(b.status == 0, "stderr: \(b.stderr)")
        let c = try cim(["train", "--resume", parts, "--epochs", "3", "--quiet"])
        #expect(c.status == 0, "stderr: \(c.stderr)")
        let m1 = try Data(contentsOf: URL(fileURLWithPath: whole + "/model.safetensors"))
        let m2 = try Data(contentsOf: URL(fileURLWithPath: parts + "/model.safetensors"))
        #expect(m1 == m2, "the resumed run's model (with its chip conductances) differs")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parts + "/training.json"))) as? [String: Any]
        let writes = ((record?["onChip"] as? [String: Any])?["writes"] as? [String: Any])?["totalWrites"] as? Int ?? 0
        #expect(writes > 0)
        #expect((record?["epochs"] as? [Any])?.count == 3)
        // a checkpoint without training.json is an interrupted run: a fresh start there is refused
        try FileManager.default.removeItem(atPath: parts + "/training.json")
        let again = try cim(common + ["--epochs", "3", "--out", parts])
        #expect(again.status != 0 && again.stderr.contains("--resume") && again.stderr.split(separator: "\n").count == 1, "stderr: \(again.stderr)")
        // refusals: config flags with --resume, a finished run, a missing checkpoint
        let d = try cim(["train", "--resume", parts, "--model", "cnn16"])
        #expect(d.status != 0 && d.stderr.contains("--model") && d.stderr.split(separator: "\n").count == 1, "stderr: \(d.stderr)")
        // killed after its last checkpoint, before training.json (the manifest, written last):
        // --resume writes the results, the same weights as the uninterrupted run
        try FileManager.default.removeItem(atPath: parts + "/model.safetensors")
        let finish = try cim(["train", "--resume", parts, "--quiet"])
        #expect(finish.status == 0, "stderr: \(finish.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: parts + "/model.safetensors")) == m1)
        #expect(FileManager.default.fileExists(atPath: parts + "/training.json"))
        let e = try cim(["train", "--resume", parts])
        #expect(e.status != 0 && e.stderr.contains("finished"), "stderr: \(e.stderr)")
        // --overwrite removes the old run's manifest before training starts (a kill then leaves no mixed set)
        let over = try cim(common + ["--epochs", "1", "--out", parts, "--overwrite"])
        #expect(over.status == 0, "stderr: \(over.stderr)")
        let rerun = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parts + "/training.json"))) as? [String: Any]
        #expect((rerun?["epochs"] as? [Any])?.count == 1)
        let f = try cim(["train", "--resume", "/nonexistent/run"])
        #expect(f.status != 0 && f.stderr.contains("/nonexistent/run/checkpoint.safetensors"), "stderr: \(f.stderr)")
        try FileManager.default.removeItem(atPath: whole)
        try FileManager.default.removeItem(atPath: parts)
    }

    @Test("cim info --json reports the BLAS kernel in use")
    func info() throws {
        let r = try cim(["info", "--json"])
        #expect(r.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let blas = report?["blas"] as? [String: Any]
        #expect((blas?["coreName"] as? String).map { !$0.isEmpty && $0 != "unknown" } == true)
    }

    @Test("cim --help lists every subcommand")
    func help() throws {
        let r = try cim(["--help"])
        #expect(r.status == 0)
        for sub in ["train", "info"] { #expect(r.stdout.contains(sub)) }
    }
}
