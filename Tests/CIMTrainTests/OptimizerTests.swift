import CIMCore
import CIMTrain
import Foundation
import Testing

@Suite("Optimizers against hand-computed steps")
struct OptimizerTests {
    @Test("AdamW: two steps by hand (decoupled weight decay, bias correction)")
    func adamW() {
        var c = OptimizerConfig(kind: .adamw, learningRate: 0.1, weightDecay: 0.01)
        c.epsilon = 1e-8
        var opt = c.make(count: 2)
        var p: [Float] = [1, -2]
        var u: [Float] = []
        let g1: [Float] = [0.5, 0.1], g2: [Float] = [-0.25, 0.3]
        opt.computeUpdate(parameters: p, gradients: g1, update: &u)
        // Step 1: m̂ = g, v̂ = g², so Δ = −η(λp + g/(|g| + ε)).
        for i in 0..<2 {
            let g = Double(g1[i])
            let expected: Double = -0.1 * (0.01 * Double(p[i]) + g / (abs(g) + 1e-8))
            #expect(abs(Double(u[i]) - expected) < 1e-7)
        }
        for i in 0..<2 { p[i] += u[i] }
        opt.computeUpdate(parameters: p, gradients: g2, update: &u)
        for i in 0..<2 {
            let a = Double(g1[i]), b = Double(g2[i])
            let m: Double = 0.9 * (0.1 * a) + 0.1 * b
            let v: Double = 0.999 * (0.001 * a * a) + 0.001 * b * b
            let mh: Double = m / (1 - 0.81)
            let vh: Double = v / (1 - 0.999 * 0.999)
            let expected: Double = -0.1 * (0.01 * Double(p[i]) + mh / (vh.squareRoot() + 1e-8))
            #expect(abs(Double(u[i]) - expected) < 1e-6, "\(u[i]) vs \(expected)")
        }
        #expect(opt.step == 2)
    }

    @Test("SGD with momentum and L2 decay follows PyTorch's rule")
    func sgd() {
        var opt = OptimizerConfig(kind: .sgd, learningRate: 0.5, momentum: 0.9, weightDecay: 0.1).make(count: 1)
        var u: [Float] = []
        opt.computeUpdate(parameters: [2], gradients: [1], update: &u)
        #expect(abs(u[0] - (-0.5 * 1.2)) < 1e-6)  // b = g + λp = 1.2
        opt.computeUpdate(parameters: [1.4], gradients: [-1], update: &u)
        #expect(abs(u[0] - (-0.5 * (0.9 * 1.2 + (-1 + 0.14)))) < 1e-6)
        var plain = OptimizerConfig(kind: .sgd, learningRate: 0.1).make(count: 1)
        plain.computeUpdate(parameters: [3], gradients: [2], update: &u)
        #expect(u == [-0.2])
    }

    @Test("invalid settings are rejected with the field named")
    func validation() {
        #expect { try OptimizerConfig(kind: .adamw, learningRate: 0).validate() } throws: { e in
            "\(e)".contains("optimizer.learningRate")
        }
        #expect { try OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 1.5).validate() } throws: { e in
            "\(e)".contains("optimizer.momentum")
        }
    }
}
