/// Device writes of an on-chip run (Wu et al. 2023 report 10.8 writes per weight on average).
///
/// A *write* is one programming operation on one device (a write-and-verify, or one burst of
/// pulses for the pulse rule); a weight is a device pair, so rewriting both counts 2.
/// *Attempts* are the write-and-verify trials (at most `maxWriteTrials` per write); *pulses*
/// are the SET pulses of the pulse rule. The initial programming of the chip is not counted.
public struct WriteStatistics: Codable, Equatable, Sendable {
    /// Weights (device pairs) on the chip.
    public var weights: Int
    /// Writes over all devices.
    public var totalWrites: Int
    /// Write-and-verify attempts over all writes.
    public var totalAttempts: Int
    /// SET pulses (pulse rule only).
    public var totalPulses: Int
    /// Mean and maximum writes per weight.
    public var meanPerWeight: Double
    public var maxPerWeight: Int
    /// Fraction of weights never written.
    public var neverWritten: Double
    /// Histogram of writes per weight: `counts[k]` weights have writes in
    /// `[binEdges[k], binEdges[k+1])` (edges 0, 1, 2, 4, 8, …; the last bin is open).
    public var binEdges: [Int]
    public var counts: [Int]
    /// Mean writes per weight of each weighted layer, by layer index.
    public var meanPerWeightByLayer: [String: Double]

    /// Statistics of per-weight write counts.
    public init(perWeight: [Int: [UInt32]], attempts: Int, pulses: Int) {
        let all = perWeight.keys.sorted().flatMap { perWeight[$0]! }
        weights = all.count
        let total = all.reduce(0) { $0 + Int($1) }
        totalWrites = total
        totalAttempts = attempts
        totalPulses = pulses
        meanPerWeight = Double(total) / Double(max(all.count, 1))
        let maxW = Int(all.max() ?? 0)
        maxPerWeight = maxW
        neverWritten = Double(all.filter { $0 == 0 }.count) / Double(max(all.count, 1))
        var edges = [0, 1]
        while edges.last! <= maxW { edges.append(edges.last! * 2) }
        binEdges = edges
        var c = [Int](repeating: 0, count: edges.count - 1)
        for w in all {
            let v = Int(w)
            let k = v == 0 ? 0 : (Int.bitWidth - v.leadingZeroBitCount)  // 1 → 1, 2–3 → 2, …
            c[min(k, c.count - 1)] += 1
        }
        counts = c
        meanPerWeightByLayer = Dictionary(uniqueKeysWithValues: perWeight.map { key, value in
            (String(key), Double(value.reduce(0) { $0 + Int($1) }) / Double(max(value.count, 1)))
        })
    }
}
