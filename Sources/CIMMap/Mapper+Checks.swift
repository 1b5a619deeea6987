import CIMCore
import CIMCrossbar
import CIMNetwork

extension Mapper {
    /// The calibration checks: per weighted layer, (1) Monte Carlo of programming error: K
    /// fresh programmings of the targets; the relative error ‖y − y₀‖/‖y₀‖ of the layer's
    /// outputs (ideal periphery, inputs recorded from the quantised model on the calibration
    /// batch); (2) ADC clipping: the rate of tile partial sums beyond the ADC's full scale on the
    /// same inputs, with the 99.9th percentile of |I| as the suggested range.
    func runChecks(on image: inout ChipImage, calibration: Tensor) throws(CIMError) {
        var net = try image.quantizedNetwork()
        var recorder = RecordingProduct(maxRows: 20_000)
        _ = net.forward(calibration, training: false, engine: &recorder)
        var crossbars = try image.crossbars()
        var rng = RandomGenerator(seed: config.seed, stream: "map/programming")
        let draws = (0..<config.monteCarloDraws).map { _ in image.program(rng: &rng) }
        for (k, l) in image.layers.enumerated() {
            guard let x = recorder.inputs[l.index] else { continue }
            let rows = x.count / l.rows
            // (1) programming error
            if !draws.isEmpty {
                let (tp, tm) = image.layerTargets(k)
                let y0 = Self.product(x, rows: rows, plus: tp, minus: tm, layer: l)
                let norm0 = (y0.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
                var errors: [Double] = []
                for d in draws {
                    let y = Self.product(x, rows: rows, plus: d[k].plus, minus: d[k].minus, layer: l)
                    let e = zip(y, y0).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
                    errors.append(norm0 > 0 ? e / norm0 : 0)
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
            var out = [Float](repeating: 0, count: rows * l.columns)
            var none: NormalStream? = nil
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    crossbars[l.index]!.accumulateProduct(input: xp.baseAddress!, rows: rows, into: op.baseAddress!,
                                                          noise: &none, observation: &observation)
                }
            }
            let o = observation!
            let p999 = o.quantile(0.999)
            image.report.layers[k].adcClippingRate = o.clippingRate
            image.report.layers[k].adcMaxMicroAmps = o.quantile(1)
            image.report.layers[k].adcP999MicroAmps = p999
            let fs = image.spec.adc.fullScaleMicroAmps
            image.report.checks.append(.init(
                name: "adc-clipping layer \(l.index)", value: o.clippingRate, threshold: config.maxADCClippingRate,
                passed: o.clippingRate <= config.maxADCClippingRate,
                detail: String(format: "%.4f of %d conversions beyond ±%g µA; 99.9th percentile |I| = %.2f µA (suggested full scale ≥ %.1f µA)",
                               o.clippingRate, o.conversions, fs, p999, (p999 * 10).rounded(.up) / 10)))
        }
    }

    /// `y = x · Wᵀ` with `W = scale · (G⁺ − G⁻)` from `[rows, columns]` conductances.
    static func product(_ x: [Float], rows: Int, plus: [Float], minus: [Float], layer l: LayerImage) -> [Float] {
        let s = Float(l.weightPerMicroSiemens)
        let d = zip(plus, minus).map { s * ($0 - $1) }  // [l.rows, l.columns]
        var y = [Float](repeating: 0, count: rows * l.columns)
        x.withUnsafeBufferPointer { xp in
            d.withUnsafeBufferPointer { dp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemm(m: rows, n: l.columns, k: l.rows, a: xp.baseAddress!, lda: l.rows, b: dp.baseAddress!, ldb: l.columns,
                               beta: 0, c: yp.baseAddress!, ldc: l.columns)
                }
            }
        }
        return y
    }
}
