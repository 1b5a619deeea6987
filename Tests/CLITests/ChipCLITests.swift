import CIMChipImage
import Foundation
import Testing

/// `cim chip`, and `--chip FILE` / `--set` in train, export and convert.
extension CLITests {
    @Suite("chips as data", .serialized)
    struct ChipCLI {
        let cli = CLITests()
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        static let lenet = root.appendingPathComponent("Tests/Fixtures/onnx/lenet.torchscript_keepbn.onnx").path

        /// `cim` run in `directory` (not the package root).
        func cim(_ args: [String], in directory: String) throws -> Run {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLITests.binary)
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: directory)
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        }

        /// A chip file in `dir`: the inference chip with `edit` applied to its JSON text.
        func chipFile(_ dir: String, _ name: String, _ edit: (String) -> String = { $0 }) throws -> String {
            let text = try String(contentsOf: Self.root.appendingPathComponent("schemas/chips/wu2023-inference.json"), encoding: .utf8)
            let path = dir + "/" + name
            try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        @Test("cim chip list and show, run from another directory: the presets are in the binary")
        func listAndShow() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let list = try cim(["chip", "list"], in: dir)
            #expect(list.status == 0 && list.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) } == ["wu2023-soc", "wu2023-inference", "pcm-like-inference", "hermes-like-inference", "neurram-like-inference", "cmo-hfox-like-inference", "ideal"],
                    "\(list.stdout) \(list.stderr)")
            for name in ["wu2023-soc", "wu2023-inference", "pcm-like-inference", "hermes-like-inference", "neurram-like-inference", "cmo-hfox-like-inference", "ideal"] {
                let json = try cim(["chip", "show", name, "--json"], in: dir)
                let shipped = try Data(contentsOf: Self.root.appendingPathComponent("schemas/chips/\(name).json"))
                #expect(json.status == 0 && Data(json.stdout.utf8) == shipped, "\(name): \(json.stderr)")
            }
            let show = try cim(["chip", "show", "wu2023-inference"], in: dir)
            let row = show.stdout.split(separator: "\n").first { $0.hasPrefix("adc.fullScaleMicroAmps ") }.map(String.init) ?? ""
            #expect(row.contains(" 70 µA ") && row.contains("Table 1: 0–70 µA"), "\(show.stdout)")
            #expect(show.stdout.contains("device.gMaxMicroSiemens              70 µS"), "\(show.stdout)")
            // a file, with an override, by relative path from its directory
            _ = try chipFile(dir, "mine.json") { $0.replacingOccurrences(of: #""name": "wu2023-inference""#, with: #""name": "mine""#) }
            let set = try cim(["chip", "show", "mine.json", "--set", "adc.fullScaleMicroAmps=90.7", "--json"], in: dir)
            let object = try JSONSerialization.jsonObject(with: Data(set.stdout.utf8)) as? [String: Any]
            #expect(set.status == 0 && (object?["adc"] as? [String: Any])?["fullScaleMicroAmps"] as? Double == 90.7, "\(set.stdout) \(set.stderr)")
            #expect(object?["name"] as? String == "mine with adc.fullScaleMicroAmps=90.7")
        }

        @Test("a bad chip file or --set: one error line naming the file and the field, non-zero exit, nothing written",
              arguments: [
                ("fullScale", "error: chip file BAD: adc.fullScaleMicroAmps: -3.0 µA must be > 0"),
                ("unknown", "error: chip file BAD: unknown key 'adc.fullScale' (adc has: bits, columnsPerADC, fullScaleMicroAmps, noiseSigmaMicroAmps)"),
                ("set", "error: invalid --set adc.fullScale=90: unknown key path 'adc.fullScale'"),
                ("missing", "error: chip file DIR/none.json: cannot open (No such file or directory)"),
                ("preset", "error: invalid chip: unknown chip preset 'tpu' (known: wu2023-soc, wu2023-inference, pcm-like-inference, hermes-like-inference, neurram-like-inference, cmo-hfox-like-inference, ideal; a chip file is a path that exists or ends in .json)"),
              ])
        func badChip(kind: String, expected: String) throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let bad = try chipFile(dir, "bad.json") {
                kind == "unknown" ? $0.replacingOccurrences(of: #""fullScaleMicroAmps": 70"#, with: #""fullScale": 70"#)
                    : $0.replacingOccurrences(of: #""fullScaleMicroAmps": 70"#, with: #""fullScaleMicroAmps": -3"#)
            }
            let chip: [String]
            switch kind {
            case "set": chip = ["--chip", "wu2023-inference", "--set", "adc.fullScale=90"]
            case "missing": chip = ["--chip", dir + "/none.json"]
            case "preset": chip = ["--chip", "tpu"]
            default: chip = ["--chip", bad]
            }
            let want = expected.replacingOccurrences(of: "BAD", with: bad).replacingOccurrences(of: "DIR", with: dir)
            for args in [["export", Self.lenet, "--out", dir + "/a.h5", "--calibration", "0", "--monte-carlo", "0"],
                         ["train", "--rule", "mixed-precision", "--train-limit", "100", "--epochs", "1", "--out", dir + "/run"],
                         ["chip", "show"]] {
                let r = try cli.cim(args + (args[0] == "chip" ? Array(chip.dropFirst()) : chip))
                #expect(r.status != 0 && r.stderr.hasPrefix(want) && r.stderr.firstIndex(of: "\n") == r.stderr.index(before: r.stderr.endIndex),
                        "\(args[0]): \(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad.json"])
        }

        /// Noiseless accuracy, chip name and trial accuracies of an evaluate run's report.
        func evaluate(_ image: String, _ extra: [String], out: String) throws -> (noiseless: Double, chip: String, trials: [Double])? {
            let r = try cli.cim(["evaluate", image, "--trials", "2", "--test-limit", "300", "--quiet", "--out", out] + extra)
            #expect(r.status == 0, "\(extra): \(r.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/robustness.json"))) as? [String: Any]
            guard let entry = (report?["images"] as? [[String: Any]])?.first, let point = (report?["points"] as? [[String: Any]])?.first,
                  let noiseless = entry["noiselessAccuracy"] as? Double, let chip = entry["chip"] as? String else { return nil }
            return (noiseless, chip, ((point["trials"] as? [[String: Any]]) ?? []).compactMap { $0["accuracy"] as? Double })
        }

        @Test("evaluate --chip and --set: the image's own chip changed (same tiles and levels) or refused")
        func evaluateOnAnotherChip() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let image = Self.root.appendingPathComponent("exported/lenet-wu2023-mp-inference.h5").path  // the main job's LeNet
            let own = try #require(try evaluate(image, [], out: dir + "/own"))
            #expect(own.chip == "wu2023-inference" && own.trials.count == 2 && own.noiseless > 0.9)
            // the same chip given three ways gives the same numbers
            let same = try #require(try evaluate(image, ["--set", "adc.fullScaleMicroAmps=70"], out: dir + "/same"))
            #expect(same.chip == "wu2023-inference with adc.fullScaleMicroAmps=70" && same.noiseless == own.noiseless && same.trials == own.trials)
            let copy = try chipFile(dir, "copy.json")
            let file = try #require(try evaluate(image, ["--chip", copy], out: dir + "/file"))
            #expect(file.noiseless == own.noiseless && file.trials == own.trials)
            // a 3-bit ADC changes the result
            let coarse = try #require(try evaluate(image, ["--set", "adc.bits=3"], out: dir + "/coarse"))
            #expect(coarse.chip == "wu2023-inference with adc.bits=3" && coarse.noiseless < own.noiseless - 0.05, "\(coarse) vs \(own)")
            for (args, message) in [(["--chip", "wu2023-soc"], "error: invalid --chip: tileRows is 64, but \(image) was mapped for 256"),
                                    (["--set", "device.levels=8"], "error: invalid --set: device.levels is 8, but \(image) was mapped for 16")] {
                let r = try cli.cim(["evaluate", image, "--trials", "1", "--out", dir + "/refused", "--quiet"] + args)
                #expect(r.status != 0 && r.stderr.hasPrefix(message), "\(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: dir + "/refused"))
            }
        }

        @Test("export, convert and train take a chip file and --set; the image and training.json carry the chip used")
        func pipeline() throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let file = try chipFile(dir, "wide.json") {
                $0.replacingOccurrences(of: #""name": "wu2023-inference""#, with: #""name": "wide-adc""#)
                    .replacingOccurrences(of: #""fullScaleMicroAmps": 70"#, with: #""fullScaleMicroAmps": 90.7"#)
            }
            let e = try cli.cim(["export", Self.lenet, "--chip", file, "--out", dir + "/a.h5", "--calibration", "64", "--monte-carlo", "0"])
            #expect(e.status == 0 && e.stdout.contains("chip wide-adc: ") && e.stdout.contains("conversions beyond ±90.7 µA"), "\(e.stdout) \(e.stderr)")
            let image = try ChipImageFile.read(path: dir + "/a.h5")
            #expect(image.spec.name == "wide-adc" && image.spec.adc.fullScaleMicroAmps == 90.7)
            // the same chip from the preset and --set: the same spec but for the name
            let s = try cli.cim(["export", Self.lenet, "--chip", "wu2023-inference", "--set", "adc.fullScaleMicroAmps=90.7",
                                 "--out", dir + "/b.h5", "--calibration", "0", "--monte-carlo", "0"])
            #expect(s.status == 0, "\(s.stderr)")
            var viaSet = try ChipImageFile.read(path: dir + "/b.h5").spec
            #expect(viaSet.name == "wu2023-inference with adc.fullScaleMicroAmps=90.7")
            viaSet.name = "wide-adc"
            #expect(viaSet == image.spec)
            let c = try cli.cim(["convert", dir + "/a.h5", "--chip", "ideal", "--set", "tileRows=128", "--out", dir + "/c.h5", "--calibration", "0",
                                 "--monte-carlo", "0"])
            #expect(c.status == 0 && c.stdout.contains("→ ideal with tileRows=128"), "\(c.stdout) \(c.stderr)")
            #expect(try ChipImageFile.read(path: dir + "/c.h5").spec.tileRows == 128)
            // training on a chip file: training.json keeps the whole chip, so the run does not depend on the file later
            let soc = try String(contentsOf: Self.root.appendingPathComponent("schemas/chips/wu2023-soc.json"), encoding: .utf8)
            try soc.replacingOccurrences(of: #""name": "wu2023-soc""#, with: #""name": "soc-copy""#).write(toFile: dir + "/soc.json", atomically: true, encoding: .utf8)
            let t = try cli.cim(["train", "--rule", "mixed-precision", "--chip", dir + "/soc.json", "--set", "adc.bits=6", "--train-limit", "200",
                                 "--test-limit", "100", "--batches-per-epoch", "all", "--epochs", "1", "--out", dir + "/run", "--quiet"])
            #expect(t.status == 0, "\(t.stderr)")
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/training.json"))) as? [String: Any]
            let onChip = (record?["config"] as? [String: Any])?["onChip"] as? [String: Any]
            #expect(onChip?["chip"] as? String == dir + "/soc.json")
            let custom = onChip?["customChip"] as? [String: Any]
            #expect(custom?["name"] as? String == "soc-copy with adc.bits=6" && (custom?["adc"] as? [String: Any])?["bits"] as? Int == 6)
            // resuming (one more epoch) needs neither the file nor the flags
            try FileManager.default.removeItem(atPath: dir + "/soc.json")
            let resumed = try cli.cim(["train", "--resume", dir + "/run", "--epochs", "2", "--quiet", "--json"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let after = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/training.json"))) as? [String: Any]
            #expect((after?["epochs"] as? [Any])?.count == 2)
            let used = (after?["onChip"] as? [String: Any])?["chip"] as? [String: Any]
            #expect(used?["name"] as? String == "soc-copy with adc.bits=6" && (used?["adc"] as? [String: Any])?["bits"] as? Int == 6, "\(used ?? [:])")
            let refused = try cli.cim(["train", "--set", "adc.bits=6", "--train-limit", "100"])
            #expect(refused.status != 0 && refused.stderr.contains("need an on-chip --rule"), "\(refused.stderr)")
        }
    }
}
