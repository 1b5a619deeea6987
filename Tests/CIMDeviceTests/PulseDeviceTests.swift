import CIMCore
import CIMDevice
import Foundation
import Testing

@Suite("Pulse-programmed devices")
struct PulseDeviceTests {
    /// The mean step law written out independently of the model: Δ∞ + (ε − Δ∞) e^{−β x}.
    static func handMeanStep(_ d: PulseDeviceModel, _ g: Double) -> Double {
        let x = min(max((g - d.gMinMicroSiemens) / (d.gMaxMicroSiemens - d.gMinMicroSiemens), 0), 1)
        return d.stepFloorMicroSiemens + (d.stepAtGMinMicroSiemens - d.stepFloorMicroSiemens) * exp(-d.stepDecay * x)
    }

    @Test("presets validate, carry the cited numbers and are found by name")
    func presets() throws {
        for p in PulseDevicePreset.allCases {
            try p.model.validate()
            let found: PulseDevicePreset = try PulseDevicePreset.named(p.rawValue)
            #expect(found == p)
            #expect(p.model.name == p.rawValue)
        }
        let d = PulseDevicePreset.pcmNandakumar2020.model
        let eps: Double = d.nominalStepMicroSiemens
        #expect(eps == 2.809)
        #expect(d.gMinMicroSiemens == 0.1 && d.gMaxMicroSiemens == 20)
        #expect(d.d2dRelativeSigma == 0.2 && d.c2cRelativeSigma == 0.6 && d.driftNu == 0.05)
        // ε = dw_min · (1 − A_up) in units of half the window (aihwkit's w ∈ [0, 2]).
        let aihwkitEps: Double = 0.01 * (1 + 27.235) * d.windowMicroSiemens / 2
        #expect(abs(eps - aihwkitEps) < 1e-3)
        let level: Double = d.refreshLevelMicroSiemens
        #expect(abs(level - (0.1 + 0.75 * 19.9)) < 1e-12)
        #expect { try PulseDevicePreset.named("pcm-9bit") } throws: { e in
            "\(e)".contains("unknown pulse-device preset 'pcm-9bit'")
        }
    }

    @Test("the mean step shrinks toward saturation, and pulses never leave [gMin, gMax]")
    func stepLaw() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        var previous: Double = .infinity
        for i in 0...200 {
            let g: Double = d.gMinMicroSiemens + Double(i) / 200 * d.windowMicroSiemens
            let mu: Double = d.meanStepMicroSiemens(at: g)
            #expect(mu < previous)
            #expect(mu > d.stepFloorMicroSiemens && mu <= d.nominalStepMicroSiemens)
            previous = mu
        }
        let atMin: Double = d.meanStepMicroSiemens(at: d.gMinMicroSiemens)
        #expect(atMin == d.nominalStepMicroSiemens)
        let below: Double = d.meanStepMicroSiemens(at: -5)
        let above: Double = d.meanStepMicroSiemens(at: 100)
        let atMax: Double = d.meanStepMicroSiemens(at: d.gMaxMicroSiemens)
        #expect(below == atMin && above == atMax)

        // 500 devices, 300 noisy pulses each (past saturation, where σ ≫ μ), checked every pulse.
        var rng = RandomGenerator(seed: 11)
        let factors: [Float] = d.makeDeviceFactors(count: 500, rng: &rng)
        let lo = Float(d.gMinMicroSiemens), hi = Float(d.gMaxMicroSiemens)
        var outside = 0
        var reachedMax = 0
        for f in factors {
            var g: Float = d.reset(rng: &rng)
            for _ in 0..<300 {
                g = d.applyPulses(1, to: g, factor: f, rng: &rng)
                if g < lo || g > hi { outside += 1 }
                if g == hi { reachedMax += 1 }
            }
        }
        #expect(outside == 0)
        #expect(reachedMax > 0)
    }

    @Test("without noise, n pulses equal the hand-computed recurrence exactly and draw nothing")
    func noiselessRecurrence() {
        let d = PulseDevicePreset.pcmNoiseless.model
        let starts: [Float] = [0.1, 3.3, 12.0, 19.95]
        let factors: [Float] = [1, 0.75, 1.5]
        for g0 in starts {
            for f in factors {
                var rng = RandomGenerator(seed: 5)
                let before = rng
                let got: Float = d.applyPulses(40, to: g0, factor: f, rng: &rng)
                var g: Float = g0
                for _ in 0..<40 {
                    let gd = Double(g)
                    let step: Double = Double(f) * Self.handMeanStep(d, gd)
                    g = Float(min(max(gd + step, d.gMinMicroSiemens), d.gMaxMicroSiemens))
                }
                #expect(got == g, "start \(g0), factor \(f): \(got) vs hand \(g)")
                #expect(rng == before)
                // Pulses compose: 15 then 25 is 40.
                let first: Float = d.applyPulses(15, to: g0, factor: f, rng: &rng)
                let split: Float = d.applyPulses(25, to: first, factor: f, rng: &rng)
                #expect(split == got)
                let none: Float = d.applyPulses(0, to: g0, factor: f, rng: &rng)
                #expect(none == g0)
            }
        }
        // A linear device adds exactly n steps.
        let ideal = PulseDevicePreset.idealPulse.model
        var rng = RandomGenerator(seed: 6)
        let g: Float = ideal.applyPulses(37, to: 1, factor: 1, rng: &rng)
        #expect(g == 1 + 37 * 0.125)
        let saturated: Float = ideal.applyPulses(500, to: 0, factor: 1, rng: &rng)
        #expect(saturated == 20)
    }

    @Test("single steps at a fixed state have the model's mean and σ (n = 100,000; 5 standard errors)")
    func cycleToCycle() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        let g0: Float = 10
        let factor: Float = 1.25
        let mean: Double = Double(factor) * d.meanStepMicroSiemens(at: Double(g0))
        let sigma: Double = d.stepSigmaMicroSiemens(at: Double(g0), factor: Double(factor))
        // σ = s_rel f μ + σ_min + (σ_max − σ_min) x, written out.
        let x: Double = (10 - 0.1) / 19.9
        let handSigma: Double = 0.6 * mean + 0.251 + (1.540 - 0.251) * x
        #expect(abs(sigma - handSigma) < 1e-12)
        var rng = RandomGenerator(seed: 12)
        let n = 100_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n {
            let step: Double = Double(d.applyPulses(1, to: g0, factor: factor, rng: &rng)) - Double(g0)
            s += step
            s2 += step * step
        }
        let m: Double = s / Double(n)
        let sd: Double = (s2 / Double(n) - m * m).squareRoot()
        let seMean: Double = sigma / Double(n).squareRoot()
        let seSigma: Double = sigma / (2 * Double(n)).squareRoot()
        #expect(abs(m - mean) < 5 * seMean, "mean step \(m) vs \(mean)")
        #expect(abs(sd - sigma) < 5 * seSigma, "σ \(sd) vs \(sigma)")
    }

    @Test("device-to-device factors have mean 1 and the configured σ (n = 100,000; 5 standard errors)")
    func deviceToDevice() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        var rng = RandomGenerator(seed: 13)
        let n = 100_000
        let f: [Float] = d.makeDeviceFactors(count: n, rng: &rng)
        #expect(f.count == n)
        var s = 0.0, s2 = 0.0, negative = 0
        for v in f {
            s += Double(v)
            s2 += Double(v) * Double(v)
            if v < 0 { negative += 1 }
        }
        let m: Double = s / Double(n)
        let sd: Double = (s2 / Double(n) - m * m).squareRoot()
        let sigma: Double = d.d2dRelativeSigma
        #expect(abs(m - 1) < 5 * sigma / Double(n).squareRoot())
        #expect(abs(sd - sigma) < 5 * sigma / (2 * Double(n)).squareRoot())
        #expect(negative == 0)
        var quiet = RandomGenerator(seed: 13)
        let before = quiet
        let ones: [Float] = PulseDevicePreset.pcmNoiseless.model.makeDeviceFactors(count: 10, rng: &quiet)
        #expect(ones == [Float](repeating: 1, count: 10))
        #expect(quiet == before)
    }

    @Test("the same seed gives the same chip, pulses, reads and refreshes; another seed does not")
    func determinism() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        func run(_ seed: UInt64) -> [Float] {
            var rng = RandomGenerator(seed: seed, stream: "pcm")
            let f: [Float] = d.makeDeviceFactors(count: 8, rng: &rng)
            var out: [Float] = f
            for i in 0..<4 {
                let gp: Float = d.applyPulses(3 + i, to: d.reset(rng: &rng), factor: f[2 * i], rng: &rng)
                let gm: Float = d.applyPulses(10 - i, to: d.reset(rng: &rng), factor: f[2 * i + 1], rng: &rng)
                let r = d.refresh(gPlus: gp, gMinus: gm, factorPlus: f[2 * i], factorMinus: f[2 * i + 1], rng: &rng)
                out += [gp, gm, r.gPlus, r.gMinus, Float(r.pulses), d.read(r.gPlus, rng: &rng)]
            }
            return out
        }
        let a: [Float] = run(42)
        let b: [Float] = run(42)
        let c: [Float] = run(43)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("a noiseless refresh keeps the difference within ε/2, on one device, counting its pulses")
    func refreshNoiseless() {
        let d = PulseDevicePreset.pcmNoiseless.model
        let eps: Double = d.nominalStepMicroSiemens
        let gMin = Float(d.gMinMicroSiemens)
        var rng = RandomGenerator(seed: 14)
        let before = rng
        var worst = 0.0
        for i in 0...20 {
            for j in 0...20 {
                let gp = Float(d.gMinMicroSiemens + Double(i) / 20 * d.windowMicroSiemens)
                let gm = Float(d.gMinMicroSiemens + Double(j) / 20 * d.windowMicroSiemens)
                let r = d.refresh(gPlus: gp, gMinus: gm, factorPlus: 1, factorMinus: 1, rng: &rng)
                let old = Double(gp) - Double(gm)
                let new = Double(r.gPlus) - Double(r.gMinus)
                worst = max(worst, abs(new - old))
                // The passive device stays RESET; the active one is gMin plus `pulses` pulses.
                let passive: Float = old >= 0 ? r.gMinus : r.gPlus
                let active: Float = old >= 0 ? r.gPlus : r.gMinus
                let replay: Float = d.applyPulses(r.pulses, to: gMin, factor: 1, rng: &rng)
                #expect(passive == gMin)
                #expect(active == replay)
            }
        }
        #expect(worst <= eps / 2 + 1e-5, "worst refresh error \(worst) µS vs ε/2 = \(eps / 2)")
        #expect(rng == before)
        // On the linear device a 5 µS difference is exactly 40 steps of 0.125 µS.
        let ideal = PulseDevicePreset.idealPulse.model
        let r = ideal.refresh(gPlus: 3, gMinus: 8, factorPlus: 1, factorMinus: 1, rng: &rng)
        #expect(r.gPlus == 0 && r.gMinus == 5 && r.pulses == 40)
    }

    @Test("a noisy refresh keeps the difference unbiased and within one nominal step (n = 20,000)")
    func refreshNoisy() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        let eps: Double = d.nominalStepMicroSiemens
        var rng = RandomGenerator(seed: 15)
        let n = 20_000
        let f: [Float] = d.makeDeviceFactors(count: 2 * n, rng: &rng)
        var errors: [Double] = []
        var sum = 0.0, sum2 = 0.0, outside = 0
        for i in 0..<n {
            let gp = Float(d.gMinMicroSiemens + d.windowMicroSiemens * rng.nextDouble())
            let gm = Float(d.gMinMicroSiemens + d.windowMicroSiemens * rng.nextDouble())
            let r = d.refresh(gPlus: gp, gMinus: gm, factorPlus: f[2 * i], factorMinus: f[2 * i + 1], rng: &rng)
            let e: Double = (Double(r.gPlus) - Double(r.gMinus)) - (Double(gp) - Double(gm))
            errors.append(abs(e))
            sum += e
            sum2 += e * e
            let lo = Float(d.gMinMicroSiemens), hi = Float(d.gMaxMicroSiemens)
            if min(r.gPlus, r.gMinus) < lo || max(r.gPlus, r.gMinus) > hi || r.pulses > d.maxRefreshPulses { outside += 1 }
        }
        errors.sort()
        let median: Double = errors[n / 2]
        let rms: Double = (sum2 / Double(n)).squareRoot()
        let bias: Double = sum / Double(n)
        #expect(median < eps / 2, "median |error| \(median) µS")
        #expect(rms < eps, "RMS error \(rms) µS")
        #expect(abs(bias) < 5 * rms / Double(n).squareRoot(), "bias \(bias) µS")
        #expect(outside == 0)
    }

    @Test("refresh trigger, drift and the nominal pulse ladder")
    func refreshTriggerDriftLadder() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        let level = Float(d.refreshLevelMicroSiemens)
        #expect(!d.needsRefresh(gPlus: 5, gMinus: 14.9))
        #expect(d.needsRefresh(gPlus: 0.1, gMinus: level))
        #expect(d.needsRefresh(gPlus: 20, gMinus: 20))

        // G(t) = G(t₀) (t/t₀)^−ν; 1000× the time at ν = 0.05 is a factor 1000^−0.05 = 0.7079.
        let drifted: Float = d.drift(10, from: 1, to: 1000)
        let expected = Float(10 * pow(1000.0, -0.05))
        #expect(abs(drifted - expected) < 1e-5)
        let early: Float = d.drift(10, from: 1, to: 0.5)
        #expect(early == 10)
        let floor: Float = d.drift(0.1, from: 1, to: 1e9)
        #expect(floor == 0.1)
        let still: Float = PulseDevicePreset.pcmNoiseless.model.drift(10, from: 1, to: 1000)
        #expect(still == 10)

        let ideal = PulseDevicePreset.idealPulse.model
        #expect(ideal.nominalPulseCount(toFraction: 0.5) == 80)
        #expect(ideal.nominalPulseCount(toFraction: 1) == 160)
        #expect(ideal.nominalPulseCount(toFraction: 0) == 0)
        // The PCM ladder: 35 pulses to the refresh level, 72 across the window; the average step
        // up to the refresh level is well below ε.
        let toRefresh: Int? = d.nominalPulseCount(toFraction: d.refreshThreshold)
        let toTop: Int? = d.nominalPulseCount(toFraction: 1)
        #expect(toRefresh == 35)
        #expect(toTop == 72)
        let average: Double = d.refreshThreshold * d.windowMicroSiemens / Double(toRefresh ?? 1)
        #expect(average < d.nominalStepMicroSiemens / 6)
    }

    @Test("reads and RESETs: noise with the configured σ, RESET never below gMin")
    func readAndReset() {
        let d = PulseDevicePreset.pcmNandakumar2020.model
        var rng = RandomGenerator(seed: 16)
        let n = 100_000
        var s = 0.0, s2 = 0.0, belowMin = 0, r1 = 0.0
        for _ in 0..<n {
            let e: Double = Double(d.read(10, rng: &rng)) - 10
            s += e
            s2 += e * e
            let g: Float = d.reset(rng: &rng)
            if g < Float(d.gMinMicroSiemens) { belowMin += 1 }
            r1 += Double(g) - d.gMinMicroSiemens
        }
        let sigma: Double = d.readSigmaMicroSiemens
        #expect(abs(s / Double(n)) < 5 * sigma / Double(n).squareRoot())
        #expect(abs((s2 / Double(n)).squareRoot() - sigma) < 5 * sigma / (2 * Double(n)).squareRoot())
        #expect(belowMin == 0)
        // E|N(0, σ)| = σ √(2/π); its standard deviation is σ √(1 − 2/π).
        let meanOffset: Double = d.resetSigmaMicroSiemens * (2 / Double.pi).squareRoot()
        let se: Double = d.resetSigmaMicroSiemens * (1 - 2 / Double.pi).squareRoot() / Double(n).squareRoot()
        #expect(abs(r1 / Double(n) - meanOffset) < 5 * se + 1e-6)
        let quiet = PulseDevicePreset.pcmNoiseless.model
        let exact: Float = quiet.read(7.5, rng: &rng)
        let resetAt: Float = quiet.reset(rng: &rng)
        #expect(exact == 7.5 && resetAt == Float(quiet.gMinMicroSiemens))
    }

    @Test("invalid fields are rejected with the device and field named")
    func validation() {
        let base = PulseDevicePreset.pcmNandakumar2020.model
        var d = base
        d.gMaxMicroSiemens = 0.05
        #expect { try d.validate() } throws: { e in "\(e)".contains("device pcm-nandakumar2020.gMaxMicroSiemens") }
        d = base
        d.stepAtGMinMicroSiemens = 0
        #expect { try d.validate() } throws: { e in "\(e)".contains("stepAtGMinMicroSiemens") }
        d = base
        d.stepFloorMicroSiemens = 3
        #expect { try d.validate() } throws: { e in "\(e)".contains("stepFloorMicroSiemens") }
        d = base
        d.d2dRelativeSigma = -0.1
        #expect { try d.validate() } throws: { e in "\(e)".contains("d2dRelativeSigma") }
        d = base
        d.c2cSigmaAtGMaxMicroSiemens = .nan
        #expect { try d.validate() } throws: { e in "\(e)".contains("c2cSigmaAtGMaxMicroSiemens") }
        d = base
        d.readSigmaMicroSiemens = -.infinity
        #expect { try d.validate() } throws: { e in "\(e)".contains("readSigmaMicroSiemens") }
        d = base
        d.refreshThreshold = 1.5
        #expect { try d.validate() } throws: { e in "\(e)".contains("refreshThreshold") }
        d = base
        d.maxRefreshPulses = 0
        #expect { try d.validate() } throws: { e in "\(e)".contains("maxRefreshPulses") }
        d = base
        d.readVoltage = 0
        #expect { try d.validate() } throws: { e in "\(e)".contains("readVoltage") }
        d = base
        d.driftNu = -0.05
        #expect { try d.validate() } throws: { e in "\(e)".contains("driftNu") }
    }

    @Test("models round-trip through JSON")
    func codable() throws {
        for p in PulseDevicePreset.allCases {
            let data: Data = try JSONEncoder().encode(p.model)
            let back: PulseDeviceModel = try JSONDecoder().decode(PulseDeviceModel.self, from: data)
            #expect(back == p.model)
        }
    }
}
