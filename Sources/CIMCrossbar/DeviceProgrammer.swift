import CIMCore
import CIMDevice

/// The one programming path: the only code that turns stored target conductances into
/// programmed ones. Training programs its crossbars through ``write(_:stuck:rng:)`` (one device,
/// write-and-verify); the mapper's programming-error check and the evaluator's chip instances
/// program whole layers through ``program(_:seconds:streams:)``, with stuck cells, drift and
/// 1/f read noise; hardware-aware training programs a whole chip every batch through
/// ``programBulk(_:seconds:streams:)`` (the same statistics, normals drawn a block at a time). A bit-sliced layer is programmed like any other: its targets are the
/// `[rows, columns · slices]` device pairs, each pair column a device of its own.
///
/// Physics (``DeviceModel``): write-and-verify to the target (Wu et al., *Adv. Mater.* 35,
/// e2305465 (2023): programming error σ_prog, read-back within a tolerance, at most
/// `maxWriteTrials` attempts); a stuck device (rate ``DeviceModel/stuckRate``, a fraction
/// ``DeviceModel/stuckHighFraction`` of them at gMax, the rest at gMin) keeps its stuck conductance
/// whatever the target; the programmed value is bounded, drifts by the one drift law
/// (``PowerLawDrift``, via ``DeviceModel/conductance(programmed:nu:seconds:readNoise:)``) with a
/// per-device exponent, and gets the accumulated 1/f read noise of the device.
public struct DeviceProgrammer: Sendable {
    /// The device the targets are written to (after any overrides).
    public let device: DeviceModel

    public init(device: DeviceModel) { self.device = device }

    /// The random streams of one programming of a chip (a trial, or the mapper's check): each
    /// quantity draws from its own stream, so that e.g. a device without drift spread leaves the
    /// other streams as they were.
    public struct Streams: Sendable {
        /// Write-and-verify (programming error and read-back).
        public var program: RandomGenerator
        /// Which devices are stuck, and where.
        public var stuck: RandomGenerator
        /// Per-device drift exponents (devices with a drift spread only).
        public var drift: RandomGenerator
        /// Accumulated 1/f read noise (devices that have it only).
        public var flicker: RandomGenerator

        public init(program: RandomGenerator, stuck: RandomGenerator, drift: RandomGenerator, flicker: RandomGenerator) {
            self.program = program
            self.stuck = stuck
            self.drift = drift
            self.flicker = flicker
        }

        /// The streams `prefix/program`, `prefix/stuck`, `prefix/drift` and `prefix/readnoise-1f` of `seed`.
        public init(seed: UInt64, prefix: String) {
            self.init(program: RandomGenerator(seed: seed, stream: prefix + "/program"),
                      stuck: RandomGenerator(seed: seed, stream: prefix + "/stuck"),
                      drift: RandomGenerator(seed: seed, stream: prefix + "/drift"),
                      flicker: RandomGenerator(seed: seed, stream: prefix + "/readnoise-1f"))
        }
    }

    /// Whether a fresh device is stuck: 0 = free, 1 = stuck at gMin, 2 = stuck at gMax. Draws
    /// nothing when the device has no stuck rate; else one uniform, and a second one for a stuck device.
    @inline(__always)
    public func drawStuck(rng: inout RandomGenerator) -> UInt8 {
        guard device.stuckRate > 0, rng.nextDouble() < device.stuckRate else { return 0 }
        return rng.nextDouble() < device.stuckHighFraction ? 2 : 1
    }

    /// The conductance (µS) of a device stuck as `stuck` (1 or 2).
    public func stuckConductance(_ stuck: UInt8) -> Double {
        stuck == 2 ? device.gMaxMicroSiemens : device.gMinMicroSiemens
    }

    /// Per-device entry point (training): write-and-verify of one device to `target` µS; a
    /// stuck device (`stuck` 1 or 2) keeps its conductance and costs one attempt.
    /// - Returns: the conductance it ends at (µS) and the write attempts.
    @inline(__always)
    public func write(_ target: Float, stuck: UInt8, rng: inout RandomGenerator) -> (g: Float, trials: Int) {
        if stuck != 0 { return (Float(stuckConductance(stuck)), 1) }
        let r = device.writeVerify(target: Double(target), rng: &rng)
        return (Float(r.conductance), r.trials)
    }

    /// One fresh device programmed to `target` µS: stuck or not (``Streams/stuck``), written
    /// (``Streams/program``), then its drift exponent (``Streams/drift``) and its state
    /// `seconds` after programming (``Streams/flicker``).
    /// - Returns: the programmed conductance (bounded) and the conductance at `seconds`, µS.
    @inline(__always)
    public func program(_ target: Float, seconds: Double, streams: inout Streams) -> (initial: Float, atTime: Float) {
        let stuck = drawStuck(rng: &streams.stuck)
        let g = stuck != 0 ? stuckConductance(stuck) : device.writeVerify(target: Double(target), rng: &streams.program).conductance
        let nu = device.driftExponent(target: Double(target), rng: &streams.drift)
        return (Float(device.bounded(g)), Float(device.conductance(programmed: g, nu: nu, seconds: seconds, readNoise: &streams.flicker)))
    }

    /// Every target of `targets` (µS, any layout) programmed in order, as ``program(_:seconds:streams:)``.
    public func program(_ targets: [Float], seconds: Double, streams: inout Streams) -> (initial: [Float], atTime: [Float]) {
        var initial = [Float](repeating: 0, count: targets.count), atTime = initial
        for i in targets.indices { (initial[i], atTime[i]) = program(targets[i], seconds: seconds, streams: &streams) }
        return (initial, atTime)
    }
}
