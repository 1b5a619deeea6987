import CIMCore
import CIMCrossbar
import CIMNetwork

extension Mapper {
    /// Calibrates every layer that has column scales (``CalibrationConfig``) on the recorded
    /// inputs of the calibration set: (1) the static input range of each group's tile row
    /// blocks, the `q`-quantile of |x| over the block's inputs (nearest rank; 1 when that is 0);
    /// (2) with ``CalibrationConfig/ADCRange/mse``, each tile's ADC full scale: the noiseless
    /// partial sums of the row block (µA, through the calibrated DAC) are recorded, and of the
    /// candidates `FS · j / N` (j = 1…N, N = ``CalibrationConfig/adcCandidates``, FS the chip's)
    /// the one with the least Σ (ADC(I) − I)² is kept (ties: the larger). Results go into the
    /// image's layers and its report.
    func calibrate(_ image: inout ChipImage, settings: CalibrationConfig, recorder: RecordingProduct) throws(CIMError) {
        let spec = image.spec
        for (k, l) in image.layers.enumerated() {
            guard var cal = l.calibration else { continue }
            let inputs: [[Float]]
            if l.groups == 1, let x = recorder.inputs[l.index] {
                inputs = [x]
            } else if let xs = recorder.groupInputs[l.index], xs.count == l.groups, xs.values.allSatisfy({ !$0.isEmpty }) {
                inputs = (0..<l.groups).map { xs[$0]! }
            } else {
                throw .invalidConfig(field: "calibration", reason: "layer \(l.index) received no calibration inputs")
            }
            let rowBlocks = (l.rows + spec.tileRows - 1) / spec.tileRows
            if case .quantile(let q) = settings.inputRange {
                var ranges: [Float] = []
                for x in inputs {
                    let n = x.count / l.rows
                    for rb in 0..<rowBlocks {
                        let c0 = rb * spec.tileRows, c1 = min(l.rows, c0 + spec.tileRows)
                        var mags: [Float] = []
                        mags.reserveCapacity(n * (c1 - c0))
                        for r in 0..<n { for c in c0..<c1 { mags.append(abs(x[r * l.rows + c])) } }
                        ranges.append(Self.quantile(&mags, q))
                    }
                }
                cal.inputRanges = ranges
            }
            image.layers[k].calibration = cal
            if settings.adcRange == .mse, spec.adc.bits > 0 {
                // the partial sums do not depend on the ADC: record them once, through the calibrated DAC
                var crossbars = try image.crossbars(position: k)
                var scales: [Double] = []
                for (j, x) in inputs.enumerated() {
                    var observation: ADCObservation? = ADCObservation()
                    var none: NormalStream? = nil
                    let rows = x.count / l.rows
                    var out = [Float](repeating: 0, count: rows * crossbars[j].outputs)
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { op in
                            crossbars[j].accumulateProduct(input: xp.baseAddress!, rows: rows, into: op.baseAddress!, noise: &none,
                                                           observation: &observation)
                        }
                    }
                    for rb in 0..<rowBlocks {
                        scales.append(Self.minimumErrorFullScale(observation!.magnitudes(block: rb), adc: spec.adc))
                    }
                }
                cal.adcFullScalesMicroAmps = scales
                image.layers[k].calibration = cal
            }
            let c = cal.columnWeightPerMicroSiemens
            image.report.layers[k].columnScaleRange = [c.min() ?? 0, c.max() ?? 0]
            image.report.layers[k].inputRanges = cal.inputRanges?.map(Double.init)
            image.report.layers[k].adcFullScalesMicroAmps = cal.adcFullScalesMicroAmps
        }
    }

    /// The q-quantile (nearest rank) of non-negative values, or 1 when it is 0 (an all-zero block).
    static func quantile(_ values: inout [Float], _ q: Double) -> Float {
        guard !values.isEmpty else { return 1 }
        values.sort()
        let rank = Int((q * Double(values.count)).rounded(.up))
        let v = values[min(max(rank, 1), values.count) - 1]
        return v > 0 ? v : 1
    }

    /// Of the full scales `FS · j / N` (j = 1…N), the one whose ADC (the float32 arithmetic of
    /// `cim_adc_quantize`) gives the least Σ (ADC(I) − I)² over `magnitudes` (|I|, µA; at most
    /// 65,536 of them, evenly strided); ties go to the larger. The quantiser is symmetric, so
    /// magnitudes suffice.
    static func minimumErrorFullScale(_ magnitudes: [Float], adc: ADCConfig) -> Double {
        guard !magnitudes.isEmpty else { return adc.fullScaleMicroAmps }
        let stride = max(1, magnitudes.count / 65_536)
        let sample = Swift.stride(from: 0, to: magnitudes.count, by: stride).map { magnitudes[$0] }
        let n = CalibrationConfig.adcCandidates
        var best = adc.fullScaleMicroAmps, bestError = Double.infinity
        for j in 1...n {
            let fsD = adc.fullScaleMicroAmps * Double(j) / Double(n)
            let step = Float(fsD / Double((1 << (adc.bits - 1)) - 1)), fs = Float(fsD), inv = 1 / step
            var e = 0.0
            for a in sample {
                let v = min((a * inv).rounded(.toNearestOrEven) * step, fs)
                e += Double(v - a) * Double(v - a)
            }
            if e <= bestError { bestError = e; best = fsD }
        }
        return best
    }
}

extension Mapper {
    /// ``minimumErrorFullScale(_:adc:)``, for tests.
    public static func minimumErrorFullScaleForTesting(_ magnitudes: [Float], adc: ADCConfig) -> Double {
        minimumErrorFullScale(magnitudes, adc: adc)
    }
}
