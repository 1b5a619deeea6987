import CIMCore
import CIMData
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation

/// `CIMFuzz --mutate-files KIND COUNT SEED FILE…`: random and structured mutations of real
/// files through the same reading path the CLI uses, COUNT per file, in this process (these
/// readers are ours, in Swift, without libhdf5). KIND is
/// - `weights`: `TrainedModel.load` (what `export` reads), then a forward pass;
/// - `checkpoint`: `Trainer(resuming:)` (what `train --resume` does) on MNIST-shaped data;
/// - `shard`: `RobustnessReport.read` of one mutated shard, `checkShards` with the other
///   (unmutated) files, and `merge` when complete (what `merge` does);
/// - `idx`: `IDXFile(path:)`, plain or gzip (what `--data DIR` reads);
/// - `defects`: `DefectMap.read` for 64×64 tiles (what `export --defects` reads).
/// Half the mutations are byte-level (flips, overwrites, inserts, deletes, truncation); the other
/// half are structured: an uncompressed IDX file gets its rank byte or a dimension replaced by an
/// extreme (0, 1, 2^31, 2^32 − 1, …); JSON is edited inside the file (a safetensors header and the JSON texts in its metadata,
/// or a whole JSON file): one value replaced by an extreme (0, −1, 2^31, 2^63−1, 1e308, NaN
/// text, a long string, an empty array or object, a deep array). Prints the outcomes, the slowest
/// input and the peak RSS; exits 1 if any input made a reader fail other than by throwing
/// (a crash ends the process: the failure this looks for).
enum FileCampaign {
    enum Kind: String { case weights, checkpoint, shard, idx, defects }

    static func main(_ args: [String]) -> Never {
        guard args.count >= 4, let kind = Kind(rawValue: args[0]), let count = Int(args[1]), count > 0, let seed = UInt64(args[2]) else {
            FileHandle.standardError.write(Data("usage: CIMFuzz --mutate-files weights|checkpoint|shard|idx|defects COUNT SEED FILE…\n".utf8))
            exit(2)
        }
        let files = Array(args.dropFirst(3))
        var rng = SplitMix(state: seed)
        let scratch = NSTemporaryDirectory() + "cimfuzz-file-\(getpid())" + (files[0].hasSuffix(".gz") ? ".gz" : "")
        defer { unlink(scratch) }
        var outcomes: [String: Int] = [:]
        let start = Date()
        var slowest = 0.0
        for (index, file) in files.enumerated() {
            guard let original = FileManager.default.contents(atPath: file).map([UInt8].init), !original.isEmpty else {
                FileHandle.standardError.write(Data("CIMFuzz: cannot read \(file)\n".utf8))
                exit(2)
            }
            for _ in 0..<count {
                var bytes = original
                var structured = rng.next(2) == 0
                if structured {
                    structured = kind == .idx ? ByteMutator.mutateIDXHeader(&bytes, rng: &rng)
                        : JSONMutator.mutateFile(&bytes, safetensors: kind == .weights || kind == .checkpoint, rng: &rng)
                }
                if !structured { ByteMutator.mutate(&bytes, rng: &rng) }
                guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes)) else { exit(2) }
                let t0 = Date()
                let outcome = read(kind, scratch, others: files.enumerated().filter { $0.offset != index }.map(\.element))
                slowest = max(slowest, Date().timeIntervalSince(t0))
                outcomes[(structured ? "structured, " : "bytes, ") + outcome, default: 0] += 1
            }
        }
        let total = outcomes.values.reduce(0, +)
        print("CIMFuzz --mutate-files \(kind.rawValue): \(total) mutations of \(files.count) file(s) in "
              + String(format: "%.0f s (slowest input %.3f s), peak RSS %.0f MB", Date().timeIntervalSince(start), slowest, ProcessStats.peakResidentMB))
        for (k, v) in outcomes.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
        exit(0)
    }

    /// Reads `path` as the CLI would; returns the outcome's name.
    static func read(_ kind: Kind, _ path: String, others: [String]) -> String {
        do {
            switch kind {
            case .weights:
                var model = try TrainedModel.load(path: path)
                _ = model.network.forward(Tensor(zeros: [2] + model.network.architecture.inputShape), training: false)
            case .checkpoint:
                let archive = try TensorArchive.read(path: path)
                var network = try Trainer(resuming: archive, data: syntheticMNIST, path: path).network
                _ = network.forward(Tensor(zeros: [2] + network.architecture.inputShape), training: false)
            case .shard:
                let reports = try [RobustnessReport.read(path: path)] + others.map { p throws(CIMError) in try RobustnessReport.read(path: p) }
                let paths = [path] + others
                let (n, present) = try RobustnessReport.checkShards(reports, paths: paths)
                guard present.count == n else { return "refused: shards missing" }
                _ = try RobustnessReport.merge(reports, paths: paths)
            case .idx:
                _ = try IDXFile(path: path)
            case .defects:
                _ = try DefectMap.read(path: path, tileRows: 64, tileColumns: 64)
            }
            return "accepted and used"
        } catch {
            return "refused with an error"
        }
    }

    /// 16 + 16 zero images of 28 × 28 × 1 with 10 classes: the shape of the runs checkpoints come from.
    static let syntheticMNIST: DatasetSplits = {
        let images = ImageDataset(pixels: [UInt8](repeating: 0, count: 16 * 784), labels: (0..<16).map { UInt8($0 % 10) }, height: 28, width: 28)
        return DatasetSplits(name: "mnist", directory: "synthetic", train: images, test: images, checksums: [:])
    }()
}
