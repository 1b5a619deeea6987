import CIMCore
import CIMCrossbar
import CIMDevice
import CIMMap
import CIMNetwork

/// One programmed realisation of an immutable ``ChipImage``: every device written afresh with
/// write-and-verify (programming error of the device, or the override), stuck devices drawn
/// anew, then the device's state at the evaluation time (``DeviceModel``: drift with a per-device
/// exponent, accumulated 1/f read noise, bounds), and read noise drawn at every read from a
/// stream of its own. Trial `i` takes all of its randomness from streams named by `(seed, i)`
/// (`program`, `stuck`, `drift`, `readnoise-1f`, `read`, `reference`), so a trial gives the same
/// result whichever process, thread or order runs it; a device without drift spread or 1/f
/// noise draws nothing from their streams.
public struct ChipInstance: Sendable {
    /// The device the instance was programmed with (after overrides).
    public let device: DeviceModel
    /// The chip as programmed, at the evaluation time, ready to run.
    public var engine: ChipEngine
    /// Drift-compensation gains per weighted layer and output (``DriftCompensation``); `nil`
    /// without compensation.
    public let compensationGains: [[Float]?]?

    /// The device of `image` with the overrides of `config` applied (`--prog-sigma` replaces a
    /// conductance-dependent σ with the constant given).
    public static func device(of image: ChipImage, config: EvaluationConfig) -> DeviceModel {
        var d = image.spec.device
        if let p = config.programmingSigma {
            d.programmingSigmaMicroSiemens = p.microSiemens(for: image.spec.device)
            d.programmingSigmaPolynomialMicroSiemens = nil
            d.programmingSigmaPerLevelMicroSiemens = nil
        }
        if let r = config.readSigma { d.readSigmaMicroSiemens = r.microSiemens(for: image.spec.device) }
        if let s = config.stuckRate { d.stuckRate = s }
        return d
    }

    /// Programs trial `trial` of `image`.
    public init(image: ChipImage, config: EvaluationConfig, trial: Int) throws(CIMError) {
        let d = Self.device(of: image, config: config)
        var spec = image.spec
        spec.device = d
        var program = RandomGenerator(seed: config.seed, stream: "trial/\(trial)/program")
        var stuck = RandomGenerator(seed: config.seed, stream: "trial/\(trial)/stuck")
        var drift = RandomGenerator(seed: config.seed, stream: "trial/\(trial)/drift")
        var flicker = RandomGenerator(seed: config.seed, stream: "trial/\(trial)/readnoise-1f")
        let time = config.timeSeconds ?? 0
        try d.checkEvaluationTime(time)
        let compensation = config.driftCompensation ?? .none
        var programmed: [(plus: [Float], minus: [Float])] = [], targets = programmed, atTime = programmed
        for k in image.layers.indices {
            let (tp, tm) = image.layerTargets(k)
            targets.append((tp, tm))
            var g0p = [Float](repeating: 0, count: tp.count), g0m = g0p, gtp = g0p, gtm = g0p
            func write(_ target: Float) -> (g0: Float, gt: Float) {
                var g: Double
                if d.stuckRate > 0, stuck.nextDouble() < d.stuckRate {
                    g = stuck.nextDouble() < d.stuckHighFraction ? d.gMaxMicroSiemens : d.gMinMicroSiemens
                } else {
                    g = d.writeVerify(target: Double(target), rng: &program).conductance
                }
                let nu = d.driftExponent(target: Double(target), rng: &drift)
                return (Float(d.bounded(g)), Float(d.conductance(programmed: g, nu: nu, seconds: time, readNoise: &flicker)))
            }
            for i in tp.indices { (g0p[i], gtp[i]) = write(tp[i]) }
            for i in tm.indices { (g0m[i], gtm[i]) = write(tm[i]) }
            atTime.append((gtp, gtm))
            if compensation != .none { programmed.append((g0p, g0m)) }
        }
        device = d
        let noise = NormalStream(seed: config.seed, stream: "trial/\(trial)/read")
        engine = try image.engine(spec: spec, conductances: atTime, targets: targets, noise: noise)
        if compensation == .none {
            compensationGains = nil
        } else {
            let reference = try image.engine(spec: spec, conductances: programmed, targets: targets, noise: nil)
            var readNoise: NormalStream? = NormalStream(seed: config.seed, stream: "trial/\(trial)/reference")
            compensationGains = compensation.gains(reference: reference, now: engine, noise: &readNoise)
        }
    }

    /// The image exactly as targeted: no programming error, no read or ADC noise (the DAC and
    /// ADC still quantise and clip).
    public static func noiseless(_ image: ChipImage) throws(CIMError) -> ChipEngine {
        try image.engine(noise: nil)
    }
}
