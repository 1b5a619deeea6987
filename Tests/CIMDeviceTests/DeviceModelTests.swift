import CIMCore
import CIMDevice
import Foundation
import Testing

@Suite("Device models")
struct DeviceModelTests {
    @Test("presets validate and carry the paper's numbers")
    func presets() throws {
        for p in DevicePreset.allCases { try p.model.validate() }
        let b4 = DevicePreset.brram4bit.model
        #expect(b4.levelSpacingMicroSiemens == 4)
        #expect(abs(b4.programmingSigmaMicroSiemens / b4.levelSpacingMicroSiemens - 0.5) < 1e-12)
        #expect(abs(b4.readSigmaMicroSiemens / b4.levelSpacingMicroSiemens - 0.3) < 1e-12)
        #expect(b4.conductance(level: 15) * b4.readVoltage == 7)  // 7 µA at 0.1 V
        let b2 = DevicePreset.brram2bit.model
        #expect(b2.levels == 4 && abs(b2.conductance(level: 3) - 32.9) < 1e-12 && b2.maxWriteTrials == 2)
        #expect { try DevicePreset.named("rram-9bit") } throws: { e in "\(e)".contains("unknown device preset 'rram-9bit'") }
    }

    @Test("levels and quantisation: every level maps to itself; values outside the window clamp")
    func levels() {
        let d = DevicePreset.brram4bit.model
        for i in 0..<16 { #expect(d.nearestLevel(to: d.conductance(level: i)) == i) }
        #expect(d.nearestLevel(to: 11.9) == 0 && d.nearestLevel(to: 12.1) == 1)
        #expect(d.quantize(-5) == 10 && d.quantize(500) == 70)
        #expect(DevicePreset.ideal.model.quantize(37.25) == 37.25)
    }

    @Test("an ideal device writes and reads exactly, in one trial")
    func ideal() {
        var rng = RandomGenerator(seed: 1)
        let d = DevicePreset.ideal.model
        let w = d.writeVerify(target: 42.5, rng: &rng)
        #expect(w.conductance == 42.5 && w.trials == 1)
        #expect(d.read(42.5, rng: &rng) == 42.5)
    }

    @Test("read noise has the preset's σ (n = 100,000; 5 standard errors)")
    func readNoise() {
        var rng = RandomGenerator(seed: 2)
        let d = DevicePreset.brram4bit.model
        let n = 100_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n {
            let e = d.read(30, rng: &rng) - 30
            s += e
            s2 += e * e
        }
        let sigma = d.readSigmaMicroSiemens
        #expect(abs(s / Double(n)) < 5 * sigma / Double(n).squareRoot())
        #expect(abs((s2 / Double(n)).squareRoot() - sigma) < 5 * sigma / (2 * Double(n)).squareRoot())
    }

    @Test("write-and-verify retries with the predicted probability and never exceeds 2 trials")
    func writeVerify() {
        // brram-4bit: the read-back error is N(0, √(0.5² + 0.3²) Δ); a retry happens when it
        // exceeds 0.5 Δ: p = 2(1 − Φ(0.5/0.5831)) = 0.3913, so E[trials] = 1.3913.
        var rng = RandomGenerator(seed: 3)
        let d = DevicePreset.brram4bit.model
        let n = 100_000
        var trials = 0, maxTrials = 0
        var err2 = 0.0
        for i in 0..<n {
            let target = d.conductance(level: i % 16)
            let w = d.writeVerify(target: target, rng: &rng)
            trials += w.trials
            maxTrials = max(maxTrials, w.trials)
            err2 += (w.conductance - target) * (w.conductance - target)
        }
        let z = 0.5 / (0.25 + 0.09).squareRoot()
        let p = erfc(z / 2.0.squareRoot())
        let se = (p * (1 - p) / Double(n)).squareRoot()
        #expect(abs(Double(trials) / Double(n) - (1 + p)) < 5 * se, "mean trials \(Double(trials) / Double(n)) vs \(1 + p)")
        #expect(maxTrials == 2)
        // Verification narrows the programmed distribution below the raw σ_prog.
        #expect((err2 / Double(n)).squareRoot() < d.programmingSigmaMicroSiemens)
    }

    @Test("invalid fields are rejected with the device and field named")
    func validation() {
        var d = DevicePreset.brram2bit.model
        d.levels = 1
        #expect { try d.validate() } throws: { e in "\(e)".contains("device brram-2bit.levels") }
        d = DevicePreset.brram2bit.model
        d.gMaxMicroSiemens = 5
        #expect { try d.validate() } throws: { e in "\(e)".contains("gMaxMicroSiemens") }
        d = DevicePreset.brram2bit.model
        d.readSigmaMicroSiemens = -.infinity
        #expect { try d.validate() } throws: { e in "\(e)".contains("readSigmaMicroSiemens") }
    }
}
