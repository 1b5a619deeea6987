import CIMCore
import CIMCrossbar
import CIMDevice
import Testing

@Suite("Crossbar tile")
struct TileTests {
    func tile(_ device: DeviceModel, inputs: Int, outputs: Int, seed: UInt64) -> Tile {
        var rng = RandomGenerator(seed: seed)
        let gp = (0..<(inputs * outputs)).map { _ in Float(device.quantize(rng.uniform(10, 70).asDouble)) }
        let gm = (0..<(inputs * outputs)).map { _ in Float(device.quantize(rng.uniform(10, 70).asDouble)) }
        return Tile(inputs: inputs, outputs: outputs, gPlus: gp, gMinus: gm, device: device)
    }

    @Test("with an ideal device the VMM equals V · x · (G⁺ − G⁻) computed as a float matmul")
    func idealOracle() {
        let t = tile(DevicePreset.ideal.model, inputs: 64, outputs: 32, seed: 1)
        var rng = RandomGenerator(seed: 2)
        let batch = 5
        let x = (0..<(batch * 64)).map { _ in rng.nextFloat() }
        var none: RandomGenerator? = nil
        let y = t.multiply(x, batch: batch, rng: &none)
        let diff = zip(t.gPlus, t.gMinus).map { $0 - $1 }
        var expected = [Float](repeating: 0, count: batch * 32)
        referenceGEMM(m: batch, n: 32, k: 64, alpha: 0.1, a: x, lda: 64, b: diff, ldb: 32, c: &expected, ldc: 32)
        for i in y.indices { #expect(abs(y[i] - expected[i]) < 1e-4, "\(i): \(y[i]) vs \(expected[i])") }
        // And reading device by device (noiseless) gives the same.
        var r = RandomGenerator(seed: 3)
        let slow = t.multiplyPerDevice(x, batch: batch, rng: &r)
        for i in y.indices { #expect(abs(y[i] - slow[i]) < 1e-4) }
    }

    @Test("read noise as output noise matches a per-device simulation (mean and σ; 4,000 reads each)")
    func readNoiseStatistics() {
        let d = DevicePreset.brram4bit.model
        let t = tile(d, inputs: 64, outputs: 4, seed: 4)
        var rng = RandomGenerator(seed: 5)
        let x = (0..<64).map { _ in rng.nextFloat() }
        var none: RandomGenerator? = nil
        let clean = t.multiply(x, batch: 1, rng: &none)
        let n = 4000
        var fast: RandomGenerator? = RandomGenerator(seed: 6)
        var slow = RandomGenerator(seed: 7)
        var sf = [Double](repeating: 0, count: 4), sf2 = sf, ss = sf, ss2 = sf
        for _ in 0..<n {
            let a = t.multiply(x, batch: 1, rng: &fast)
            let b = t.multiplyPerDevice(x, batch: 1, rng: &slow)
            for o in 0..<4 {
                let ea = Double(a[o] - clean[o]), eb = Double(b[o] - clean[o])
                sf[o] += ea; sf2[o] += ea * ea; ss[o] += eb; ss2[o] += eb * eb
            }
        }
        let norm = x.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let sigma = 2.0.squareRoot() * d.readSigmaMicroSiemens * d.readVoltage * norm  // µA
        for o in 0..<4 {
            let stdFast = (sf2[o] / Double(n)).squareRoot(), stdSlow = (ss2[o] / Double(n)).squareRoot()
            // σ̂ has relative standard error 1/√(2n) ≈ 1.1 %; allow 5 of them.
            #expect(abs(stdFast / sigma - 1) < 5 / (2 * Double(n)).squareRoot(), "fast σ \(stdFast) vs \(sigma)")
            #expect(abs(stdSlow / sigma - 1) < 5 / (2 * Double(n)).squareRoot(), "per-device σ \(stdSlow) vs \(sigma)")
            #expect(abs(sf[o] / Double(n)) < 5 * sigma / Double(n).squareRoot())
            #expect(abs(ss[o] / Double(n)) < 5 * sigma / Double(n).squareRoot())
        }
    }
}

extension Float {
    var asDouble: Double { Double(self) }
}
