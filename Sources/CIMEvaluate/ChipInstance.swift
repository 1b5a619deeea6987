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
        try d.checkEvaluationTime(config.timeSeconds ?? 0)
        // the one programming path (DeviceProgrammer), streams trial/<i>/{program,stuck,drift,readnoise-1f}
        var streams = DeviceProgrammer.Streams(seed: config.seed, prefix: "trial/\(trial)")
        let compensation = config.driftCompensation ?? .none
        let targets = image.layers.indices.map { image.layerTargets($0) }
        let (programmed, atTime) = image.program(device: d, seconds: config.timeSeconds ?? 0, streams: &streams, targets: targets)
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
