import CIMCore
import Foundation

/// The result of `cim evaluate` (JSON), and of `cim merge` over shards of it.
public struct RobustnessReport: Codable, Sendable, Equatable {
    public var format = "cimkit-robustness"
    public var version = 1
    public var creator: String
    public var config: EvaluationConfig
    /// Dataset name and test images used.
    public var dataset: String
    public var testImages: Int
    /// For `--data FILE|DIR` (`dataset` "custom"): where the test images came from and the
    /// SHA-256 of what was read (the whole file, or each uncompressed `t10k-*` IDX file by base
    /// name). Absent for the named datasets, whose checksums are fixed.
    public var dataFile: DataFile? = nil
    /// `nil` for a complete run; `(index, count)` (1-based index) for one shard.
    public var shard: Shard?
    public var images: [ImageEntry]
    /// One point per (sweep value, image): without a sweep, one per image.
    public var points: [Point]

    public struct DataFile: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: [String: String]
        public init(path: String, sha256: [String: String]) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public struct Shard: Codable, Sendable, Equatable {
        public var index: Int, count: Int
        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
        /// Whether this shard runs trial `t` (round robin).
        public func owns(_ t: Int) -> Bool { t % count == index - 1 }
    }

    public struct ImageEntry: Codable, Sendable, Equatable {
        public var path: String
        /// SHA-256 of the image file.
        public var sha256: String
        public var chip: String
        /// Accuracy of the image as targeted (chip periphery, no noise) and of the quantised
        /// model in FP32 (ideal periphery). Absent only in shard reports other than shard 1:
        /// the other shards skip these two passes over the test set, and `merge` takes them
        /// from shard 1.
        public var noiselessAccuracy: Double?
        public var quantizedModelAccuracy: Double?
        public var cost: HardwareCost
    }

    public struct Trial: Codable, Sendable, Equatable {
        public var index: Int
        public var correct: Int
        public var accuracy: Double
    }

    public struct Point: Codable, Sendable, Equatable {
        /// The swept value (as given), or `nil` without a sweep.
        public var value: String?
        public var image: Int
        public var trials: [Trial]
        /// Statistics over `trials`; absent in shard reports (a shard's share of the trials is
        /// not a sample of its own; `merge` computes them over all trials).
        public var statistics: TrialStatistics?
    }

    /// Sorts every point's trials by index and, for a complete report, computes its statistics.
    public mutating func summarise() {
        for k in points.indices {
            points[k].trials.sort { $0.index < $1.index }
            let noiseless = images.indices.contains(points[k].image) ? images[points[k].image].noiselessAccuracy : nil
            points[k].statistics = shard == nil ? noiseless.map { TrialStatistics(points[k].trials.map(\.accuracy), noiseless: $0) } : nil
        }
    }

    /// The shards of one audit, checked against each other: the same format, version,
    /// configuration, images, dataset and points; each a valid, distinct shard of the same count
    /// with exactly the trials it owns. Returns the shard count and the indices present.
    public static func checkShards(_ shards: [RobustnessReport], paths: [String]) throws(CIMError) -> (count: Int, present: Set<Int>) {
        guard let first = shards.first, let firstPath = paths.first, shards.count == paths.count else {
            throw .invalidConfig(field: "merge", reason: "no reports given")
        }
        guard let count = first.shard?.count else { throw .format(path: firstPath, reason: "a complete report, not a shard") }
        var seen = Set<Int>()
        for (r, path) in zip(shards, paths) {
            guard r.format == "cimkit-robustness", r.version == 1 else {
                throw .format(path: path, reason: "format '\(r.format)' version \(r.version) is not cimkit-robustness version 1")
            }
            guard let s = r.shard else { throw .format(path: path, reason: "a complete report, not a shard") }
            do { try r.config.validate() } catch { throw .format(path: path, reason: "config: \(error)") }
            guard (1...EvaluationConfig.maxTrials).contains(s.count), (1...s.count).contains(s.index) else {
                throw .format(path: path, reason: "shard \(s.index) of \(s.count) is not a valid shard (1 ≤ K ≤ N ≤ \(EvaluationConfig.maxTrials))")
            }
            guard s.count == count else { throw .format(path: path, reason: "shard \(s.index) of \(s.count), but \(firstPath) is a shard of \(count)") }
            guard r.config == first.config, r.dataset == first.dataset, r.dataFile == first.dataFile, r.testImages == first.testImages,
                  r.images.count == first.images.count, zip(r.images, first.images).allSatisfy({ $0.isSameImage(as: $1) }),
                  r.points.count == first.points.count, zip(r.points, first.points).allSatisfy({ $0.value == $1.value && $0.image == $1.image }),
                  r.points.allSatisfy({ r.images.indices.contains($0.image) }) else {
                throw .format(path: path, reason: "a shard of a different audit (configuration, images, dataset or points differ)")
            }
            guard seen.insert(s.index).inserted else { throw .format(path: path, reason: "shard \(s.index)/\(count) given twice") }
            // Trials t < trials with t mod N = K − 1, each once.
            let owned = r.config.trials >= s.index ? (r.config.trials - s.index) / s.count + 1 : 0
            for p in r.points {
                let idx = p.trials.map(\.index).sorted()
                guard idx.count == owned, zip(idx, idx.dropFirst()).allSatisfy({ $0 < $1 }),
                      idx.allSatisfy({ $0 >= 0 && $0 < r.config.trials && s.owns($0) }) else {
                    throw .format(path: path, reason: "shard \(s.index)/\(count) must hold each of its \(owned) trials of every point once")
                }
            }
            if s.index == 1, r.images.contains(where: { $0.noiselessAccuracy == nil || $0.quantizedModelAccuracy == nil }) {
                throw .format(path: path, reason: "shard 1 carries no noiseless accuracy")
            }
        }
        return (count, seen)
    }

    /// Combines the shard reports of one audit into the report a single run would have written
    /// (the noiseless accuracies come from shard 1). Every shard must be present.
    public static func merge(_ shards: [RobustnessReport], paths: [String]) throws(CIMError) -> RobustnessReport {
        let (count, present) = try checkShards(shards, paths: paths)
        guard present.count == count, let one = shards.first(where: { $0.shard?.index == 1 }) else {
            let missing = (1...count).filter { !present.contains($0) }.map { "\($0)/\(count)" }.joined(separator: ", ")
            throw .invalidConfig(field: "merge", reason: "missing shard(s) \(missing)")
        }
        var out = one
        for k in out.points.indices {
            out.points[k].trials = shards.flatMap { $0.points[k].trials }
        }
        out.shard = nil
        out.summarise()
        return out
    }
}

extension RobustnessReport.ImageEntry {
    /// Whether `other` names the same image (all but the accuracies only shard 1 computes).
    func isSameImage(as other: Self) -> Bool {
        path == other.path && sha256 == other.sha256 && chip == other.chip && cost == other.cost
    }
}
