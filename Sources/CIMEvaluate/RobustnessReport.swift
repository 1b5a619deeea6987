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
    /// `nil` for a complete run; `(index, count)` (1-based index) for one shard.
    public var shard: Shard?
    public var images: [ImageEntry]
    /// One point per (sweep value, image): without a sweep, one per image.
    public var points: [Point]

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
        /// model in FP32 (ideal periphery).
        public var noiselessAccuracy: Double
        public var quantizedModelAccuracy: Double
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
        public var statistics: TrialStatistics
    }

    /// Recomputes every point's statistics from its trials (sorted by index).
    public mutating func summarise() {
        for k in points.indices {
            points[k].trials.sort { $0.index < $1.index }
            points[k].statistics = TrialStatistics(points[k].trials.map(\.accuracy), noiseless: images[points[k].image].noiselessAccuracy)
        }
    }

    /// Combines shard reports of one audit into the report a single run would have written.
    public static func merge(_ shards: [RobustnessReport], paths: [String]) throws(CIMError) -> RobustnessReport {
        guard var out = shards.first else { throw .invalidConfig(field: "merge", reason: "no reports given") }
        let count = out.shard?.count ?? 1
        var seen = Set<Int>()
        for (r, path) in zip(shards, paths) {
            guard r.format == out.format, r.version == out.version else { throw .format(path: path, reason: "not a robustness report of version \(out.version)") }
            guard r.config == out.config, r.images == out.images, r.dataset == out.dataset, r.testImages == out.testImages else {
                throw .format(path: path, reason: "a shard of a different audit (configuration, images or dataset differ)")
            }
            guard let s = r.shard, s.count == count else { throw .format(path: path, reason: "not a shard of \(count)") }
            guard seen.insert(s.index).inserted else { throw .format(path: path, reason: "shard \(s.index)/\(count) given twice") }
        }
        guard seen.count == count else {
            let missing = (1...count).filter { !seen.contains($0) }.map { "\($0)/\(count)" }.joined(separator: ", ")
            throw .invalidConfig(field: "merge", reason: "missing shard(s) \(missing)")
        }
        for k in out.points.indices {
            out.points[k].trials = shards.flatMap { $0.points[k].trials }
        }
        out.shard = nil
        out.summarise()
        return out
    }
}
