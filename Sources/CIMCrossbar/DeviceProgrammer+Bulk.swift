import CIMCore
import CIMDevice

extension DeviceProgrammer {
    /// The random streams of a bulk programming (``programBulk(_:seconds:streams:)``).
    public struct BulkStreams: Sendable {
        /// Programming errors and verify read-backs, drawn a block at a time.
        public var normals: NormalStream
        /// Stuck devices, drift exponents, accumulated 1/f read noise.
        public var stuck: RandomGenerator, drift: RandomGenerator, flicker: RandomGenerator

        /// The streams `prefix + "program"`, `"stuck"`, `"drift"` and `"readnoise-1f"` of `seed`.
        public init(seed: UInt64, prefix: String) {
            normals = NormalStream(seed: seed, stream: prefix + "program")
            stuck = RandomGenerator(seed: seed, stream: prefix + "stuck")
            drift = RandomGenerator(seed: seed, stream: prefix + "drift")
            flicker = RandomGenerator(seed: seed, stream: prefix + "readnoise-1f")
        }
    }

    /// Bulk entry point (hardware-aware training, which programs a whole chip every batch): the
    /// same write-and-verify distribution as ``program(_:seconds:streams:)``, with the normals
    /// taken a block at a time from a vectorised ``NormalStream``. Round by round, every device
    /// still pending lands at `max(0, target + σ(target)·z)` (σ the device's constant, polynomial
    /// or per-level programming σ; σ = 0 writes the target exactly) and is read back with
    /// `+ σ_read·z′`; it is done when the read-back is within the verify tolerance, or after
    /// `maxWriteTrials` attempts. Then stuck devices replace their value, and with `seconds` the
    /// device drifts and gains its 1/f read noise (else it is only bounded). The result follows the
    /// same statistics as the per-device path, not the same draws.
    /// - Returns: the conductances (µS) in the order of `targets`.
    public func programBulk(_ targets: [Float], seconds: Double?, streams: inout BulkStreams) -> [Float] {
        let d = device, n = targets.count
        var sigma = [Float](repeating: Float(d.programmingSigmaMicroSiemens), count: n)
        if d.programmingSigmaPolynomialMicroSiemens != nil || d.programmingSigmaPerLevelMicroSiemens != nil {
            for k in 0..<n { sigma[k] = Float(d.programmingSigma(at: Double(targets[k]))) }
        }
        let constantTolerance = d.verifyAcceptanceRelative == nil ? Float(d.verifyTolerance(at: 0)) : 0
        let relative = Float(d.verifyAcceptanceRelative ?? 0)
        let readSigma = Float(d.readSigmaMicroSiemens)
        var g = targets
        var pending = Array(0..<n)
        var z = [Float](repeating: 0, count: n)
        for trial in 1...max(1, d.maxWriteTrials) {
            let m = pending.count
            if m == 0 { break }
            z.withUnsafeMutableBufferPointer { streams.normals.fill(UnsafeMutableBufferPointer(rebasing: $0[0..<m])) }
            for (j, k) in pending.enumerated() where sigma[k] > 0 { g[k] = max(0, targets[k] + sigma[k] * z[j]) }
            if trial == d.maxWriteTrials { break }
            if readSigma > 0 { z.withUnsafeMutableBufferPointer { streams.normals.fill(UnsafeMutableBufferPointer(rebasing: $0[0..<m])) } }
            var next: [Int] = []
            for (j, k) in pending.enumerated() {
                let read = readSigma > 0 ? g[k] + readSigma * z[j] : g[k]
                let tolerance = d.verifyAcceptanceRelative == nil ? constantTolerance : relative * abs(targets[k])
                if abs(read - targets[k]) > tolerance { next.append(k) }
            }
            pending = next
        }
        if d.stuckRate > 0 {
            for k in 0..<n where streams.stuck.nextDouble() < d.stuckRate {
                g[k] = Float(streams.stuck.nextDouble() < d.stuckHighFraction ? d.gMaxMicroSiemens : d.gMinMicroSiemens)
            }
        }
        if let t = seconds {
            for k in 0..<n {
                let nu = d.driftExponent(target: Double(targets[k]), rng: &streams.drift)
                g[k] = Float(d.conductance(programmed: Double(g[k]), nu: nu, seconds: t, readNoise: &streams.flicker))
            }
        } else if d.conductanceRangeMicroSiemens != nil {
            for k in 0..<n { g[k] = Float(d.bounded(Double(g[k]))) }
        }
        return g
    }
}
