import CIMCore
import CIMCrossbar
import CIMDevice
import CIMMap
import CIMNetwork
import CIMTrain
import Testing

/// Hardware-aware training maps weights as the exporter does (CIMTrain cannot import CIMMap, so
/// the mapping is repeated there; these tests hold the two together).
@Suite("Hardware-aware training against the exporter")
struct HardwareAwareMappingTests {
    @Test("oracle: HardwareAwareChip.map gives the exporter's (Quantizer's) targets and scale, bit for bit",
          arguments: [DevicePreset.brram4bit, .brram2bit, .ideal])
    func sameTargets(_ preset: DevicePreset) throws {
        let model = try MapperTests.trained.get()
        let net = model.network
        let device = preset.model
        for (i, layer) in net.architecture.layers.enumerated() {
            guard let (rows, cols) = layer.matrixShape else { continue }
            let w = Array(net.parameters[net.offsets[i]..<(net.offsets[i] + rows * cols)])
            let q = Quantizer.quantize(weights: w, rows: rows, columns: cols, device: device)
            let m = HardwareAwareChip.map(w[...], device: device)
            #expect(m.weightPerMicroSiemens == q.weightPerMicroSiemens)
            var same = true
            for c in 0..<cols {
                for r in 0..<rows where m.plus[c * rows + r] != q.targetPlus[r * cols + c] || m.minus[c * rows + r] != q.targetMinus[r * cols + c] {
                    same = false
                }
            }
            #expect(same, "layer \(i) on \(preset.rawValue): targets differ from the exporter's")
        }
    }

    @Test("oracle: with the programming noise scaled to 0 and no read or ADC noise, a hardware-aware batch's chip computes exactly what the exported image computes (DAC, tiles, ADC)",
          arguments: [ChipPreset.wu2023Inference, .pcmLikeInference])
    func sameForwardAsExport(_ preset: ChipPreset) throws {
        let model = try MapperTests.trained.get()
        var spec = preset.spec
        spec.device.readSigmaMicroSiemens = 0
        spec.adc.noiseSigmaMicroAmps = 0
        var hw = HardwareAwareConfig(noiseScale: 0)
        hw.chip = "quiet"
        hw.customChip = spec
        let chip = try HardwareAwareChip(config: hw, architecture: model.network.architecture, seed: 1)
        var realised = try chip.realise(parameters: model.network.parameters, step: 0)
        let image = try Mapper(config: MappingConfig(spec: spec)).map(model, calibration: nil, creator: "test")
        var exported = try image.engine(noise: nil)
        let data = try MapperTests.mnist.get()
        let (x, _) = data.test.batch(indices: Array(0..<64)[...])
        var net = model.network
        let a = net.forward(x, training: false, engine: &realised.engine)
        let b = net.forward(x, training: false, engine: &exported)
        let scale = b.data.map { abs($0) }.max()!
        let worst = zip(a.data, b.data).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-6 * scale, "max |logit difference| \(worst) (|logit| ≤ \(scale))")
        // the realised weights are the image's quantised weights
        for (k, l) in image.layers.enumerated() {
            let (tp, tm) = image.layerTargets(k)
            let s = Float(l.weightPerMicroSiemens), o = model.network.offsets[l.index]
            var same = true
            for c in 0..<l.columns {
                for r in 0..<l.rows where realised.parameters[o + c * l.rows + r] != s * (tp[r * l.columns + c] - tm[r * l.columns + c]) {
                    same = false
                }
            }
            #expect(same, "layer \(l.index): realised weights differ from the image's")
        }
    }
}
