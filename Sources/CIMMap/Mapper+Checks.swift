import CIMCore
import CIMCrossbar
import CIMNetwork

extension Mapper {
    /// The calibration checks: per weighted layer, (1) Monte Carlo of programming error: K
    /// fresh programmings of the targets (``DeviceProgrammer``: stuck devices and write-and-verify,
    /// as the evaluator programs a chip, read at t = 0); the relative error ‖y − y₀‖/‖y₀‖ of the layer's
    /// outputs (ideal periphery, inputs recorded from the quantised model on the calibration
    /// batch); (2) ADC clipping: the rate of tile partial sums beyond the ADC's full scale on the
    /// same inputs, with the 99.9th percentile of |I| as the suggested range.
    func runChecks(on image: inout ChipImage, calibration: Tensor) throws(CIMError) {
        var net = try image.quantizedNetwork()
        var recorder = RecordingProduct(maxRows: 20_000)
        _ = net.forward(calibration, training: false, engine: &recorder)
        if let settings = config.calibration { try calibrate(&image, settings: settings, recorder: recorder) }
        var engine = try image.engine(noise: nil)
        // the one programming path (DeviceProgrammer): stuck devices, write-and-verify, and the
        // state at t = 0; write-and-verify draws from the stream the check always used
        var streams = DeviceProgrammer.Streams(program: RandomGenerator(seed: config.seed, stream: "map/programming"),
                                               stuck: RandomGenerator(seed: config.seed, stream: "map/programming/stuck"),
                                               drift: RandomGenerator(seed: config.seed, stream: "map/programming/drift"),
                                               flicker: RandomGenerator(seed: config.seed, stream: "map/programming/readnoise-1f"))
        let draws = (0..<config.monteCarloDraws).map { _ in image.program(streams: &streams).atTime }
        for (k, l) in image.layers.enumerated() {
            // The layer's independent matrices: the whole layer, or each group with its inputs.
            let parts: [(x: [Float], first: Int)]
            if l.groups == 1 {
                guard let x = recorder.inputs[l.index] else { continue }
                parts = [(x, 0)]
            } else {
                guard let xs = recorder.groupInputs[l.index], xs.count == l.groups else { continue }
                parts = (0..<l.groups).map { (xs[$0]!, $0 * l.groupColumns) }
            }
            let width = l.groupColumns, ns = l.slicing.count
            func columns(_ a: [Float], _ first: Int) -> [Float] {  // the group's device-pair columns
                l.groups == 1 ? a : CrossbarLayer.columns(a, rows: l.rows, columns: l.pairColumns, from: first * ns, count: width * ns)
            }
            // (1) programming error
            if !draws.isEmpty {
                let (tp, tm) = image.layerTargets(k)
                let scales = l.columnScales
                func groupScales(_ first: Int) -> [Float] { Array(scales[first..<(first + width)]) }
                let y0 = parts.map { Self.product($0.x, plus: columns(tp, $0.first), minus: columns(tm, $0.first), inputs: l.rows,
                                                  columns: width, scales: groupScales($0.first), slicing: l.slicing) }
                let norm0 = y0.joined().reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                var errors: [Double] = []
                for d in draws {
                    var e = 0.0
                    for (j, part) in parts.enumerated() {
                        let y = Self.product(part.x, plus: columns(d[k].plus, part.first), minus: columns(d[k].minus, part.first),
                                             inputs: l.rows, columns: width, scales: groupScales(part.first), slicing: l.slicing)
                        e += zip(y, y0[j]).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
                    }
                    errors.append(norm0 > 0 ? e.squareRoot() / norm0 : 0)
                }
                let mean = errors.reduce(0, +) / Double(errors.count)
                image.report.layers[k].programmingRelativeErrorMean = mean
                image.report.layers[k].programmingRelativeErrorMax = errors.max()
                image.report.checks.append(.init(
                    name: "programming-error layer \(l.index)", value: mean, threshold: config.maxProgrammingRelativeError,
                    passed: mean <= config.maxProgrammingRelativeError,
                    detail: String(format: "mean relative output error %.3f over %d programmings (max %.3f)", mean, errors.count, errors.max() ?? 0)))
            }
            // (2) ADC clipping
            var observation: ADCObservation? = ADCObservation()
            var none: NormalStream? = nil
            for (j, part) in parts.enumerated() {
                let rows = part.x.count / l.rows
                var out = [Float](repeating: 0, count: rows * width)
                part.x.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { op in
                        if l.groups == 1 {
                            engine.layers[l.index]!.accumulateProduct(input: xp.baseAddress!, rows: rows, into: op.baseAddress!,
                                                                      noise: &none, observation: &observation)
                        } else {
                            engine.grouped[l.index]![j].accumulateProduct(input: xp.baseAddress!, rows: rows, into: op.baseAddress!,
                                                                          noise: &none, observation: &observation)
                        }
                    }
                }
            }
            let o = observation!
            let q = o.quantiles([0.999, 1]), p999 = q[0]
            image.report.layers[k].adcClippingRate = o.clippingRate
            image.report.layers[k].adcMaxMicroAmps = q[1]
            image.report.layers[k].adcP999MicroAmps = p999
            let adc = image.spec.adc
            var range = adc.bits > 0 ? String(format: " beyond ±%g µA", adc.fullScaleMicroAmps) : " clipped (ideal ADC: no range)"
            if adc.bits > 0, let f = l.calibration?.adcFullScalesMicroAmps, let lo = f.min(), let hi = f.max() {
                range = lo == hi ? String(format: " beyond the calibrated ±%.2f µA", lo)
                                 : String(format: " beyond the calibrated ±%.2f…%.2f µA", lo, hi)
            }
            image.report.checks.append(.init(
                name: "adc-clipping layer \(l.index)", value: o.clippingRate, threshold: config.maxADCClippingRate,
                passed: o.clippingRate <= config.maxADCClippingRate,
                detail: String(format: "%.4f of %d conversions", o.clippingRate, o.conversions) + range
                    + String(format: "; 99.9th percentile |I| = %.2f µA (suggested full scale ≥ %.1f µA)", p999, (p999 * 10).rounded(.up) / 10)))
        }
    }

    /// `y = x · Wᵀ` for `x` `[n, inputs]`, with `W[i, c] = scales[c] · (G⁺ − G⁻)` from `[inputs, columns]`
    /// conductances (sliced: `[inputs, columns · slices]`, the slices' differences combined first).
    static func product(_ x: [Float], plus: [Float], minus: [Float], inputs: Int, columns: Int, scales: [Float],
                        slicing: BitSlicing = .single) -> [Float] {
        let g = slicing.combineColumns(zip(plus, minus).map { $0 - $1 }, rows: inputs, outputs: columns)
        let d = g.indices.map { scales[$0 % columns] * g[$0] }
        let rows = x.count / inputs
        var y = [Float](repeating: 0, count: rows * columns)
        x.withUnsafeBufferPointer { xp in
            d.withUnsafeBufferPointer { dp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemm(m: rows, n: columns, k: inputs, a: xp.baseAddress!, lda: inputs, b: dp.baseAddress!, ldb: columns,
                               beta: 0, c: yp.baseAddress!, ldc: columns)
                }
            }
        }
        return y
    }
}
