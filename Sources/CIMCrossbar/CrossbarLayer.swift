import CCIMKernels
import CIMCore
import CIMDevice

/// One layer's weight matrix placed on as many tiles of a ``ChipSpec`` as it needs, with the
/// tile periphery, computing `y = x · Wᵀ` the way the chip does.
///
/// Weight `w[o, i]` is the device pair on row `i mod tileRows` and columns
/// (2(o mod C), 2(o mod C)+1) of tile (⌊i / tileRows⌋, ⌊o / C⌋), C = tileColumns/2, and
/// `w = weightPerMicroSiemens · (G⁺ − G⁻)`. Conductances are kept as whole `[inputs, outputs]`
/// matrices (row = crossbar row); a tile is a block of them.
///
/// **The product.** For a batch of input rows: (1) DAC (``DACConfig``): scale each row by its
/// abs-max `s`, quantise, split into positive and negative phases if any input is negative (the
/// negative phase, and its noise, applies only to rows that have negative inputs);
/// (2) per phase and per row block (tile row): the column-pair currents
/// `I = V · x_q · (G⁺ − G⁻)` µA by GEMM (all column blocks of a tile row at once: they are
/// independent columns); (3) read noise and ADC noise as one Gaussian per output (below);
/// (4) the ADC of each tile (``ADCConfig``); (5) digitally: sum the tiles' partial sums and the
/// phases, and scale by `s · weightPerMicroSiemens / V` into weight units. A calibrated layer
/// (``CrossbarCalibration``) uses static input ranges, its tiles' own ADC full scales and a
/// scale per column instead (see ``accumulateProduct(input:rows:into:outputStride:noise:observation:)``).
///
/// **Read noise as output noise.** Every read of a device adds an independent N(0, σ_r) µS.
/// One output of one tile, read with inputs `x_i ∈ [0, 1]`, gets noise
/// `V Σ_i x_i (n⁺_i − n⁻_i)` with variance `2 σ_r² V² Σ_i x_i²`. With bit-serial inputs each
/// bit cycle k (weight 2ᵏ/L, L = 2ᵇ − 1) is a separate read, so the variance is
/// `2 σ_r² V² Σ_i Σ_k (2ᵏ/L)² b_k(q_i)` for codes `q_i`. Either way the noise of each output
/// is exactly Gaussian and independent across outputs, so it is drawn once per output, with
/// the ADC's own noise added in quadrature: σ² = 2σ_r²V²·w + σ_ADC².
public struct CrossbarLayer: Sendable {
    /// Layer inputs (crossbar rows in all) and outputs (column pairs in all).
    public let inputs: Int, outputs: Int
    public let spec: ChipSpec
    /// Weight units per µS of `G⁺ − G⁻` (of the least significant slice when sliced).
    public let weightPerMicroSiemens: Float
    /// Device pairs per weight and their significance (``BitSlicing``; ``BitSlicing/single`` = one pair).
    public let slicing: BitSlicing
    /// Conductances as programmed (with their programming error), µS, `[inputs, columns]`
    /// (``columns`` = outputs · slices; slice s of output o is column o·slices + s).
    public private(set) var gPlus: [Float], gMinus: [Float]
    /// The nominal targets last programmed (level conductances), µS, `[inputs, columns]`.
    public private(set) var targetPlus: [Float], targetMinus: [Float]
    /// Stuck devices (0 = free, 1 = stuck at gMin, 2 = stuck at gMax); empty when none.
    public private(set) var stuckPlus: [UInt8] = [], stuckMinus: [UInt8] = []
    /// Column scales, static input ranges and ADC full scales chosen at export
    /// (``CrossbarCalibration``); `nil` = the layer's one scale, abs-max inputs, the spec's ADC.
    public private(set) var calibration: CrossbarCalibration?
    var gDiff: [Float]
    var scratch = Scratch()

    struct Scratch {
        var xq: [Float] = [], scale: [Float] = [], pos: [Float] = [], neg: [Float] = []
        var partial: [Float] = [], acc: [Float] = [], rowSums: [Float] = [], sigma: [Float] = [], z: [Float] = []
        var rowNegative: [UInt8] = []
    }

    /// A layer with every device at gMin (call ``initialize(rng:)`` or program it).
    public init(inputs: Int, outputs: Int, spec: ChipSpec, weightPerMicroSiemens: Float, slicing: BitSlicing = .single) {
        precondition(inputs > 0 && outputs > 0, "CrossbarLayer: empty matrix")
        self.inputs = inputs
        self.outputs = outputs
        self.spec = spec
        self.weightPerMicroSiemens = weightPerMicroSiemens
        self.slicing = slicing
        let g0 = [Float](repeating: Float(spec.device.gMinMicroSiemens), count: inputs * outputs * slicing.count)
        gPlus = g0; gMinus = g0; targetPlus = g0; targetMinus = g0
        gDiff = [Float](repeating: 0, count: inputs * outputs * slicing.count)
    }

    /// A layer in a saved state (conductances and targets in µS, `[inputs, columns]`; stuck
    /// masks empty or of the same size).
    public init(inputs: Int, outputs: Int, spec: ChipSpec, weightPerMicroSiemens: Float, gPlus: [Float], gMinus: [Float],
                targetPlus: [Float], targetMinus: [Float], stuckPlus: [UInt8] = [], stuckMinus: [UInt8] = [],
                slicing: BitSlicing = .single) throws(CIMError) {
        let (n0, o1) = inputs.multipliedReportingOverflow(by: outputs)
        let (n, o2) = n0.multipliedReportingOverflow(by: slicing.count)
        guard !o1, !o2, inputs > 0, outputs > 0, [gPlus, gMinus, targetPlus, targetMinus].allSatisfy({ $0.count == n }),
              stuckPlus.isEmpty || stuckPlus.count == n, stuckMinus.isEmpty || stuckMinus.count == n else {
            throw .invalidConfig(field: "crossbar", reason: "saved arrays do not match \(inputs)×\(outputs)×\(slicing.count) slices")
        }
        for a in [gPlus, gMinus, targetPlus, targetMinus] {
            if let bad = a.first(where: { !$0.isFinite || $0 < 0 }) {
                throw .invalidConfig(field: "crossbar", reason: "conductance \(bad) µS is not finite and ≥ 0")
            }
        }
        guard weightPerMicroSiemens.isFinite, weightPerMicroSiemens > 0 else {
            throw .invalidConfig(field: "crossbar", reason: "weightPerMicroSiemens \(weightPerMicroSiemens) must be > 0")
        }
        self.inputs = inputs
        self.outputs = outputs
        self.spec = spec
        self.weightPerMicroSiemens = weightPerMicroSiemens
        self.slicing = slicing
        self.gPlus = gPlus; self.gMinus = gMinus
        self.targetPlus = targetPlus; self.targetMinus = targetMinus
        self.stuckPlus = stuckPlus; self.stuckMinus = stuckMinus
        gDiff = zip(gPlus, gMinus).map { $0 - $1 }
    }

    /// Sets (or, with `nil`, removes) the layer's calibration after checking it against the layer.
    public mutating func calibrate(_ c: CrossbarCalibration?) throws(CIMError) {
        try c?.validate(outputs: outputs, rowBlocks: rowBlocks)
        calibration = c
    }

    /// Tile rows (row blocks) the layer spans.
    public var rowBlocks: Int { (inputs + spec.tileRows - 1) / spec.tileRows }
    /// Device pairs per row: outputs · slices.
    public var columns: Int { outputs * slicing.count }
    /// Tile columns (column blocks) the layer spans.
    public var columnBlocks: Int { (columns + spec.weightColumns - 1) / spec.weightColumns }
    /// Tiles used.
    public var tileCount: Int { rowBlocks * columnBlocks }

    // MARK: Programming

    /// Draws the stuck devices (``DeviceProgrammer/drawStuck(rng:)``) and programs every free device with
    /// write-and-verify (``DeviceProgrammer/write(_:stuck:rng:)``) to the level nearest a uniform draw in [gMin, initialMax] µS.
    /// - Returns: write attempts used.
    @discardableResult
    public mutating func initialize(rng: inout RandomGenerator) -> Int {
        let d = spec.device, programmer = self.programmer
        if d.stuckRate > 0 {
            func draw() -> [UInt8] { (0..<(inputs * columns)).map { _ in programmer.drawStuck(rng: &rng) } }
            stuckPlus = draw()
            stuckMinus = draw()
        }
        var trials = 0
        for i in 0..<(inputs * columns) {
            let tp = d.quantize(d.gMinMicroSiemens + (d.initialMaxMicroSiemens - d.gMinMicroSiemens) * rng.nextDouble())
            let tm = d.quantize(d.gMinMicroSiemens + (d.initialMaxMicroSiemens - d.gMinMicroSiemens) * rng.nextDouble())
            trials += program(i, plus: Float(tp), minus: Float(tm), rng: &rng).trials
        }
        return trials
    }

    /// Write-and-verify of device pair `index` (= input · columns + column) to the given
    /// targets (µS; `nil` leaves that device alone). Stuck devices keep their conductance.
    /// - Returns: devices written and write attempts.
    @discardableResult
    public mutating func program(_ index: Int, plus: Float?, minus: Float?, rng: inout RandomGenerator) -> (writes: Int, trials: Int) {
        var writes = 0, trials = 0
        if let t = plus {
            targetPlus[index] = t
            let r = write(t, stuck: stuckPlus.isEmpty ? 0 : stuckPlus[index], rng: &rng)
            gPlus[index] = r.g
            writes += 1; trials += r.trials
        }
        if let t = minus {
            targetMinus[index] = t
            let r = write(t, stuck: stuckMinus.isEmpty ? 0 : stuckMinus[index], rng: &rng)
            gMinus[index] = r.g
            writes += 1; trials += r.trials
        }
        gDiff[index] = gPlus[index] - gMinus[index]
        return (writes, trials)
    }

    private func write(_ target: Float, stuck: UInt8, rng: inout RandomGenerator) -> (g: Float, trials: Int) {
        programmer.write(target, stuck: stuck, rng: &rng)
    }

    /// The programmer of the layer's device (``DeviceProgrammer``: the one programming path).
    public var programmer: DeviceProgrammer { DeviceProgrammer(device: spec.device) }

    /// Sets device pair `index` to exact conductances (µS), for devices programmed by other
    /// physics (pulses) or loaded from a file. Targets follow the values.
    public mutating func setConductances(_ index: Int, plus: Float, minus: Float) {
        gPlus[index] = plus; gMinus[index] = minus
        targetPlus[index] = plus; targetMinus[index] = minus
        gDiff[index] = plus - minus
    }

    /// The weights the devices hold, `[outputs, inputs]` (the network's layout):
    /// `weightPerMicroSiemens · (G⁺ − G⁻)` (sliced: of the slices' differences combined by
    /// ``BitSlicing/combine(_:)``), read once with read noise when `rng` is given.
    public func readWeights(rng: inout RandomGenerator?) -> [Float] {
        var w = [Float](repeating: 0, count: inputs * outputs)
        let n = slicing.count
        var d = [Float](repeating: 0, count: n)
        for i in 0..<inputs {
            for o in 0..<outputs {
                for s in 0..<n {
                    let k = i * columns + o * n + s
                    d[s] = gDiff[k]
                    if rng != nil {
                        d[s] = Float(spec.device.read(Double(gPlus[k]), rng: &rng!) - spec.device.read(Double(gMinus[k]), rng: &rng!))
                    }
                }
                w[o * inputs + i] = weightPerMicroSiemens * (n == 1 ? d[0] : d.withUnsafeBufferPointer { slicing.combine($0.baseAddress!) })
            }
        }
        return w
    }
}
