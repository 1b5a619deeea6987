import CIMCore
import CIMCrossbar
import CIMDevice
import CIMMap
import CIMNetwork

/// One programmed realisation of an immutable ``ChipImage``: every device written afresh with
/// write-and-verify (programming error of the device, or the override), stuck devices drawn
/// anew, drift applied at the given time, and read noise drawn at every read from a stream of
/// its own. Trial `i` takes all of its randomness from streams named by `(seed, i)`, so a trial
/// gives the same result whichever process, thread or order runs it.
public struct ChipInstance: Sendable {
    /// The device the instance was programmed with (after overrides).
    public let device: DeviceModel
    /// The chip as programmed, ready to run.
    public var engine: ChipEngine

    /// The device of `image` with the overrides of `config` applied.
    public static func device(of image: ChipImage, config: EvaluationConfig) -> DeviceModel {
        var d = image.spec.device
        if let p = config.programmingSigma { d.programmingSigmaMicroSiemens = p.microSiemens(for: image.spec.device) }
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
        let time = config.timeSeconds ?? 0
        var programmed: [(plus: [Float], minus: [Float])] = [], targets = programmed
        for k in image.layers.indices {
            let (tp, tm) = image.layerTargets(k)
            targets.append((tp, tm))
            func write(_ target: Float) -> Float {
                var g: Double
                if d.stuckRate > 0, stuck.nextDouble() < d.stuckRate {
                    g = stuck.nextDouble() < d.stuckHighFraction ? d.gMaxMicroSiemens : d.gMinMicroSiemens
                } else {
                    g = d.writeVerify(target: Double(target), rng: &program).conductance
                }
                return Float(d.drifted(g, seconds: time))
            }
            programmed.append((tp.map(write), tm.map(write)))
        }
        device = d
        engine = try image.engine(spec: spec, conductances: programmed, targets: targets,
                                  noise: NormalStream(seed: config.seed, stream: "trial/\(trial)/read"))
    }

    /// The image exactly as targeted: no programming error, no read or ADC noise (the DAC and
    /// ADC still quantise and clip).
    public static func noiseless(_ image: ChipImage) throws(CIMError) -> ChipEngine {
        try image.engine(noise: nil)
    }
}
