import CIMNetwork
import CIMTrain
import Foundation
import Testing

/// `cim evaluate` and `cim merge` end to end.
extension CLITests {
    @Suite("evaluate and merge", .serialized)
    struct EvaluateCLI {
        let cli = CLITests()

        /// A directory holding an exported image `a.h5` of an untrained LeNet on wu2023-inference.
        func imageDir() throws -> String {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try WeightsFile.write(try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 2), to: dir + "/model.safetensors")
            let r = try cli.cim(["export", dir + "/model.safetensors", "--chip", "wu2023-inference", "--out", dir + "/a.h5",
                                 "--calibration", "0", "--monte-carlo", "0"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            return dir
        }

        @Test("a run writes the JSON report and SVG plots; Slurm array shards merged equal the single run byte for byte")
        func shardsAndMerge() throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let common = ["evaluate", dir + "/a.h5", "--trials", "5", "--test-limit", "300", "--sweep", "prog-sigma=0.25,1", "--quiet"]
            let single = try cli.cim(common + ["--out", dir + "/single"])
            #expect(single.status == 0, "stderr: \(single.stderr)")
            for f in ["robustness.json", "boxplot.svg", "sweep.svg"] {
                #expect(FileManager.default.fileExists(atPath: dir + "/single/" + f), "missing \(f)")
            }
            let svg = (try? String(contentsOfFile: dir + "/single/sweep.svg", encoding: .utf8)) ?? ""
            #expect(svg.hasPrefix("<svg") && svg.contains("polyline"))
            var shards: [String] = []
            for task in 10...12 {  // an array --array=10-12: task ids 10, 11, 12
                let r = try cli.cim(common + ["--out", dir + "/shards"], environment: [
                    "SLURM_ARRAY_TASK_ID": String(task), "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "10"])
                #expect(r.status == 0, "stderr: \(r.stderr)")
                shards.append(dir + "/shards/robustness.shard-\(task - 9)-of-3.json")
            }
            let merged = try cli.cim(["merge"] + shards + ["--out", dir + "/merged"])
            #expect(merged.status == 0, "stderr: \(merged.stderr)")
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/single/robustness.json"))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/merged/robustness.json"))
            #expect(a == b, "merged shards differ from the single run")
            let missing = try cli.cim(["merge"] + shards.prefix(2) + ["--out", dir + "/bad"])
            #expect(missing.status != 0 && missing.stderr.contains("missing shard") && missing.stderr.split(separator: "\n").count == 1,
                    "stderr: \(missing.stderr)")
        }

        @Test("bad evaluate flags and inputs: one error line, non-zero exit, no output", arguments: [
            (["--trials", "0"], "--trials"),
            (["--prog-sigma", "lots"], "--prog-sigma"),
            (["--read-sigma", "-1"], "--read-sigma"),
            (["--sweep", "temperature=1,2"], "--sweep"),
            (["--shard", "3/2"], "--shard"),
            (["--stuck-rate", "2"], "--stuck-rate"),
            (["--dataset", "cifar"], "unknown dataset 'cifar'"),
            (["--jobs", "0"], "--jobs"),
        ])
        func badFlags(_ extra: [String], _ message: String) throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try cli.cim(["evaluate", dir + "/a.h5", "--test-limit", "50", "--out", dir + "/out"] + extra)
            #expect(r.status != 0)
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "stderr: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }

        @Test("export --strict: each failed check is one error line, the exit is non-zero and nothing is written")
        func strict() throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try cli.cim(["export", dir + "/model.safetensors", "--chip", "wu2023-inference", "--out", dir + "/s.h5",
                                 "--calibration", "32", "--monte-carlo", "2", "--max-programming-error", "0.0001", "--strict"])
            let lines = r.stderr.split(separator: "\n")
            #expect(r.status != 0)
            #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix("error: check programming-error layer") }, "stderr: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/s.h5") && !FileManager.default.fileExists(atPath: dir + "/s.mapping.json"))
            // without --strict the same export succeeds and reports the failures
            let loose = try cli.cim(["export", dir + "/model.safetensors", "--chip", "wu2023-inference", "--out", dir + "/s.h5",
                                     "--calibration", "32", "--monte-carlo", "2", "--max-programming-error", "0.0001"])
            #expect(loose.status == 0 && loose.stdout.contains("check FAIL  programming-error"), "stdout: \(loose.stdout)")
        }

        @Test("a missing or damaged image is refused with its path")
        func badImage() throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: dir + "/junk.h5"))
            for path in [dir + "/nope.h5", dir + "/junk.h5"] {
                let r = try cli.cim(["evaluate", dir + "/a.h5", path, "--out", dir + "/out"])
                #expect(r.status != 0 && r.stderr.contains(path) && r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
    }
}
