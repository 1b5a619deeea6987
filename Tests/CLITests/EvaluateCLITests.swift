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
            #expect(missing.status != 0 && missing.stderr.hasPrefix("error: merge: missing 1 of 3 shards: 3 (of 3)"), "stderr: \(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
        }

        @Test("merge names the missing shards and prints commands that rerun exactly them; run as printed, the merge equals the single run")
        func missingShardsRerun() throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let common = ["evaluate", dir + "/a.h5", "--trials", "5", "--seed", "4", "--test-limit", "200", "--prog-sigma", "0.75",
                          "--read-sigma", "1.5uS", "--quiet"]
            #expect(try cli.cim(common + ["--out", dir + "/single"]).status == 0)
            for k in [1, 5] {
                let r = try cli.cim(common + ["--shard", "\(k)/5", "--out", dir + "/shards"])
                #expect(r.status == 0, "stderr: \(r.stderr)")
            }
            let shardFiles = { (try FileManager.default.contentsOfDirectory(atPath: dir + "/shards")).sorted().map { dir + "/shards/" + $0 } }
            let r = try cli.cim(["merge"] + (try shardFiles()) + ["--out", dir + "/shards"])
            let lines = r.stderr.split(separator: "\n").map(String.init)
            #expect(r.status != 0 && lines.first == "error: merge: missing 3 of 5 shards: 2-4 (of 5); nothing written", "stderr: \(r.stderr)")
            let opts = "--trials 5 --seed 4 --prog-sigma 0.75 --read-sigma 1.5uS --test-limit 200"
            #expect(lines.contains("  SHARDS=5 sbatch --array=2-4 scripts/slurm/evaluate-array.sbatch \(dir)/a.h5 \(opts) --out \(dir)/shards"),
                    "stderr: \(r.stderr)")
            let reruns = lines.filter { $0.hasPrefix("  cim evaluate ") }
            #expect(reruns.count == 3)
            for line in reruns {  // run each printed command as printed (no quoting needed for these paths)
                let args = line.split(separator: " ").dropFirst().map(String.init)
                let again = try cli.cim(args + ["--quiet"])
                #expect(again.status == 0, "\(line): \(again.stderr)")
            }
            let merged = try cli.cim(["merge"] + (try shardFiles()) + ["--out", dir + "/merged"])
            #expect(merged.status == 0, "stderr: \(merged.stderr)")
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/single/robustness.json"))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/merged/robustness.json"))
            #expect(a == b, "the rerun shards merged differ from the single run")
        }

        @Test("absurd Slurm array variables are refused with one line, not trapped or ignored", arguments: [
            ["SLURM_ARRAY_TASK_ID": "-9223372036854775808", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"],
            ["SLURM_ARRAY_TASK_ID": "9223372036854775807", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "-9223372036854775808"],
            ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "0"],
            ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4611686018427387904"],
            ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"],
        ])
        func badSlurmVariables(_ environment: [String: String]) throws {
            let dir = cli.tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try cli.cim(["evaluate", "exported/none.h5", "--out", dir], environment: environment)
            #expect(r.status != 0 && r.stderr.hasPrefix("error: invalid SLURM_ARRAY_TASK_ID") && r.stderr.split(separator: "\n").count == 1,
                    "stderr: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir))
        }

        @Test("merge refuses bad reports with one line naming the file", arguments: [
            ("{\"format\": 1}", "not a robustness report"),
            ("", "not a robustness report"),
            ("DIR", "not a readable file"),
        ])
        func mergeBadReports(_ content: String, _ message: String) throws {
            let dir = cli.tempDir()
            try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = content == "DIR" ? dir + "/d" : dir + "/r.json"
            if content != "DIR" { try Data(content.utf8).write(to: URL(fileURLWithPath: path)) }
            let r = try cli.cim(["merge", path, "--out", dir + "/out"])
            #expect(r.status != 0 && r.stderr.hasPrefix("error: \(path): \(message)") && r.stderr.split(separator: "\n").count == 1,
                    "stderr: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
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
            (["--trials", "-3"], "invalid --trials: -3 must be in 1…1000000"),
            (["--test-limit", "-1"], "--test-limit"),
            (["--drift-compensation", "sometimes"], "invalid --drift-compensation: 'sometimes' is not one of none, global, column"),
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

        @Test("output locations: export creates the image's directory, an --out that is a file is one line before any work, an existing mapping.json needs --overwrite")
        func outputLocations() throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let export = ["export", dir + "/model.safetensors", "--chip", "wu2023-inference", "--calibration", "0", "--monte-carlo", "0"]
            let created = try cli.cim(export + ["--out", dir + "/new/sub/b.h5"])
            #expect(created.status == 0 && FileManager.default.fileExists(atPath: dir + "/new/sub/b.mapping.json"), "stderr: \(created.stderr)")
            try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/c.mapping.json"))
            let kept = try cli.cim(export + ["--out", dir + "/c.h5"])
            #expect(kept.status != 0 && kept.stderr.contains("c.mapping.json: exists") && !FileManager.default.fileExists(atPath: dir + "/c.h5"),
                    "stderr: \(kept.stderr)")
            try Data().write(to: URL(fileURLWithPath: dir + "/afile"))
            let r = try cli.cim(["evaluate", dir + "/a.h5", "--trials", "1", "--test-limit", "10", "--out", dir + "/afile"])
            #expect(r.status != 0 && r.stderr == "error: \(dir)/afile: is a file, not a directory\n", "stderr: \(r.stderr)")
        }

        @Test("a dataset directory without images is one error line for train and evaluate, not an endless loop or a crash")
        func emptyDataset() throws {
            let dir = try imageDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let data = dir + "/empty"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            func idx(_ magic: UInt8, _ dims: [UInt32]) -> Data {
                var d = Data([0, 0, 8, magic])
                for v in dims { d += withUnsafeBytes(of: v.bigEndian) { Data($0) } }
                return d
            }
            for split in ["train", "t10k"] {
                try idx(3, [0, 28, 28]).write(to: URL(fileURLWithPath: "\(data)/\(split)-images-idx3-ubyte"))
                try idx(1, [0]).write(to: URL(fileURLWithPath: "\(data)/\(split)-labels-idx1-ubyte"))
            }
            for args in [["train", "--data", data, "--out", dir + "/run"], ["evaluate", dir + "/a.h5", "--data", data, "--out", dir + "/ev"]] {
                let r = try cli.cim(args)
                #expect(r.status != 0 && r.stderr.contains("invalid dataset") && r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/run/training.json") && !FileManager.default.fileExists(atPath: dir + "/ev"))
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
