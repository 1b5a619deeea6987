import CCIMKernels
import CIMCore

extension CrossbarLayer {
    /// `output[r·outputStride + o] += (x · Wᵀ)[r, o]` for `rows` input rows `x` (`[rows, inputs]`),
    /// computed by the chip (see the type's documentation); `outputStride` defaults to
    /// `outputs` (a grouped layer's group writes its channels of a wider output row).
    /// `noise == nil` is a noiseless read (no read or ADC noise; quantisation and clipping still apply).
    public mutating func accumulateProduct(input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                                           outputStride: Int? = nil, noise: inout NormalStream?) {
        var none: ADCObservation? = nil
        accumulateProduct(input: input, rows: rows, into: output, outputStride: outputStride, noise: &noise, observation: &none)
    }

    /// The same product, also recording every ADC input (each tile's partial sums, µA, before
    /// conversion) in `observation` when it is not `nil`.
    public mutating func accumulateProduct(input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                                           outputStride: Int? = nil, noise: inout NormalStream?, observation: inout ADCObservation?) {
        let stride = outputStride ?? outputs
        let n = rows * inputs, m = rows * columns  // m: device-pair columns (outputs · slices)
        var s = scratch
        scratch = Scratch()  // keep the buffers uniquely referenced while we work
        defer { scratch = s }
        grow(&s.xq, n); grow(&s.scale, rows); grow(&s.partial, m); grow(&s.acc, m)
        let dacBits = Int32(spec.dac.bits)
        let ranges = calibration?.inputRanges
        if let ranges {
            s.xq.withUnsafeMutableBufferPointer { q in
                ranges.withUnsafeBufferPointer { rp in
                    cim_dac_quantize_static(input, rows, inputs, spec.tileRows, rp.baseAddress!, dacBits, q.baseAddress!)
                }
            }
        } else {
            s.xq.withUnsafeMutableBufferPointer { q in
                s.scale.withUnsafeMutableBufferPointer { sc in
                    cim_dac_quantize(input, rows, inputs, dacBits, q.baseAddress!, sc.baseAddress!)
                }
            }
        }
        let signed = s.xq.withUnsafeBufferPointer { cim_any_negative($0.baseAddress!, n) } != 0
        if signed {
            grow(&s.pos, n); grow(&s.neg, n)
            if s.rowNegative.count < rows { s.rowNegative = [UInt8](repeating: 0, count: rows) }
            s.xq.withUnsafeBufferPointer { q in
                s.pos.withUnsafeMutableBufferPointer { p in
                    s.neg.withUnsafeMutableBufferPointer { g in
                        s.rowNegative.withUnsafeMutableBufferPointer { f in
                            cim_split_sign_rows(q.baseAddress!, rows, inputs, p.baseAddress!, g.baseAddress!, f.baseAddress!)
                        }
                    }
                }
            }
        }
        let v = Float(spec.device.readVoltage)
        let readVar = 2 * spec.device.readSigmaMicroSiemens * spec.device.readSigmaMicroSiemens * Double(v * v)
        let adcVar = spec.adc.noiseSigmaMicroAmps * spec.adc.noiseSigmaMicroAmps
        let noisy = noise != nil && (readVar > 0 || adcVar > 0)
        if noisy { grow(&s.rowSums, rows * rowBlocks); grow(&s.sigma, rows); grow(&s.z, m) }
        let step = Float(spec.adc.stepMicroAmps)
        let fullScale = spec.adc.bits > 0 ? Float(spec.adc.fullScaleMicroAmps) : .infinity
        s.acc.withUnsafeMutableBufferPointer { acc in acc.update(repeating: 0) }
        for phase in signed ? [Float(1), -1] : [1] {
            let xs = !signed ? s.xq : (phase > 0 ? s.pos : s.neg)
            xs.withUnsafeBufferPointer { xp in
                if noisy {
                    s.rowSums.withUnsafeMutableBufferPointer { w in
                        cim_read_noise_block_sums(xp.baseAddress!, rows, inputs, spec.tileRows, dacBits, spec.dac.bitSerial ? 1 : 0, w.baseAddress!)
                    }
                }
                for rb in 0..<rowBlocks {
                    let r0 = rb * spec.tileRows, r1 = min(inputs, r0 + spec.tileRows)
                    var step = step, fullScale = fullScale
                    if let f = calibration?.adcFullScales, spec.adc.bits > 0 {
                        step = Float(f[rb] / Double((1 << (spec.adc.bits - 1)) - 1))
                        fullScale = Float(f[rb])
                    }
                    s.partial.withUnsafeMutableBufferPointer { pp in
                        gDiff.withUnsafeBufferPointer { dp in
                            BLAS.sgemm(m: rows, n: columns, k: r1 - r0, alpha: v, a: xp.baseAddress! + r0, lda: inputs,
                                       b: dp.baseAddress! + r0 * columns, ldb: columns, beta: 0,
                                       c: pp.baseAddress!, ldc: columns)
                        }
                        if noisy {
                            let nb = rowBlocks
                            for r in 0..<rows {
                                // the negative phase runs only for rows that have negative inputs
                                let active = phase > 0 || s.rowNegative[r] != 0
                                s.sigma[r] = active ? Float((readVar * Double(s.rowSums[r * nb + rb]) + adcVar).squareRoot()) : 0
                            }
                            s.z.withUnsafeMutableBufferPointer { z in
                                noise!.fill(UnsafeMutableBufferPointer(rebasing: z[0..<m]))
                                s.sigma.withUnsafeBufferPointer { sg in
                                    cim_add_row_scaled(pp.baseAddress!, rows, columns, sg.baseAddress!, z.baseAddress!)
                                }
                            }
                        }
                        if observation != nil {
                            for r in 0..<rows where phase > 0 || s.rowNegative[r] != 0 {  // conversions that happen
                                observation!.record(UnsafeBufferPointer(rebasing: pp[(r * columns)..<((r + 1) * columns)]), fullScale: fullScale, block: rb)
                            }
                        }
                        cim_adc_quantize(pp.baseAddress!, m, step, fullScale)
                        let gain = ranges.map { phase * $0[rb] } ?? phase  // static ranges: R_b back on digitally
                        s.acc.withUnsafeMutableBufferPointer { acc in
                            for i in 0..<m { acc[i] += gain * pp[i] }
                        }
                    }
                }
            }
        }
        if slicing.count > 1 {
            // shift-and-add of the slices' converted currents, in place: acc[i] (i = r·outputs + o)
            // ← combine(acc[i·N ..< i·N + N]); reads at i·N ≥ i never see an earlier write
            let n = slicing.count
            s.acc.withUnsafeMutableBufferPointer { acc in
                for i in 0..<(rows * outputs) { acc[i] = slicing.combine(acc.baseAddress! + i * n) }
            }
        }
        if let c = calibration {
            // y += (m_r · (w_o / V)) · acc (abs-max), or (w_o / V) · acc (static ranges, R_b applied above)
            let k = c.columnScales.map { $0 / v }
            s.acc.withUnsafeBufferPointer { acc in
                for r in 0..<rows {
                    let a = acc.baseAddress! + r * outputs, y = output + r * stride
                    if ranges == nil {
                        let sr = s.scale[r]
                        for o in 0..<outputs { y[o] += (sr * k[o]) * a[o] }
                    } else {
                        for o in 0..<outputs { y[o] += k[o] * a[o] }
                    }
                }
            }
            return
        }
        let k = weightPerMicroSiemens / v
        s.acc.withUnsafeBufferPointer { acc in
            for r in 0..<rows {
                let f = s.scale[r] * k
                let a = acc.baseAddress! + r * outputs, y = output + r * stride
                for o in 0..<outputs { y[o] += f * a[o] }
            }
        }
    }

    private func grow(_ a: inout [Float], _ n: Int) {
        if a.count < n { a = [Float](repeating: 0, count: n) }
    }
}

/// ADC inputs seen during products: how many conversions, how many beyond full scale, and the
/// magnitudes (µA) for percentiles.
public struct ADCObservation: Sendable {
    public private(set) var conversions = 0
    public private(set) var clipped = 0
    public private(set) var magnitudes: [Float] = []
    /// The row block (tile row) of each magnitude.
    public private(set) var blocks: [Int32] = []

    public init() {}

    mutating func record(_ currents: UnsafeBufferPointer<Float>, fullScale: Float, block: Int) {
        conversions += currents.count
        for v in currents {
            let a = abs(v)
            if a > fullScale { clipped += 1 }
            magnitudes.append(a)
            blocks.append(Int32(block))
        }
    }

    /// The magnitudes (µA) recorded for row block `block`.
    public func magnitudes(block: Int) -> [Float] {
        zip(magnitudes, blocks).compactMap { $0.1 == Int32(block) ? $0.0 : nil }
    }

    /// Fraction of conversions that clipped.
    public var clippingRate: Double { conversions > 0 ? Double(clipped) / Double(conversions) : 0 }

    /// The q-quantile (0…1) of |I|, µA.
    public func quantile(_ q: Double) -> Double { quantiles([q])[0] }

    /// Several quantiles of |I| (µA) from one sort.
    public func quantiles(_ qs: [Double]) -> [Double] {
        guard !magnitudes.isEmpty else { return qs.map { _ in 0 } }
        let sorted = magnitudes.sorted()
        return qs.map { Double(sorted[min(sorted.count - 1, Int($0 * Double(sorted.count - 1)))]) }
    }
}
