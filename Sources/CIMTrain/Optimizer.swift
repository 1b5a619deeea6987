import CIMCore
import Foundation

/// Optimizer settings (`Codable`, with PyTorch's defaults).
public struct OptimizerConfig: Codable, Equatable, Sendable {
    /// Which algorithm.
    public enum Kind: String, Codable, CaseIterable, Sendable { case sgd, adamw }
    public var kind: Kind = .adamw
    /// Learning rate.
    public var learningRate: Float = 0.004
    /// SGD momentum μ (0 = plain SGD).
    public var momentum: Float = 0
    /// Weight decay: L2 added to the gradient for SGD, decoupled for AdamW
    /// (Loshchilov & Hutter 2019). `nil` means the default: 0 for SGD, 0.01 for AdamW.
    public var weightDecay: Float? = nil
    /// AdamW β₁.
    public var beta1: Float = 0.9
    /// AdamW β₂.
    public var beta2: Float = 0.999
    /// AdamW ε.
    public var epsilon: Float = 1e-8

    public init(kind: Kind = .adamw, learningRate: Float = 0.004, momentum: Float = 0, weightDecay: Float? = nil) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// The weight decay in force.
    public var effectiveWeightDecay: Float { weightDecay ?? (kind == .adamw ? 0.01 : 0) }

    public func validate() throws(CIMError) {
        guard learningRate.isFinite, learningRate > 0 else {
            throw CIMError.invalidConfig(field: "optimizer.learningRate", reason: "\(learningRate) must be > 0")
        }
        guard momentum.isFinite, (0..<1).contains(momentum) else {
            throw CIMError.invalidConfig(field: "optimizer.momentum", reason: "\(momentum) must be in [0, 1)")
        }
        guard effectiveWeightDecay.isFinite, effectiveWeightDecay >= 0 else {
            throw CIMError.invalidConfig(field: "optimizer.weightDecay", reason: "\(effectiveWeightDecay) must be ≥ 0")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon > 0 else {
            throw CIMError.invalidConfig(field: "optimizer.beta1/beta2/epsilon", reason: "need β in [0, 1) and ε > 0")
        }
    }

    /// A fresh optimizer for `count` parameters.
    public func make(count: Int) -> Optimizer {
        Optimizer(config: self, count: count)
    }
}

/// SGD (with momentum and L2 weight decay) or AdamW, computing the update to add to the weights.
///
/// The update is returned rather than applied so that a mixed-precision rule can accumulate it
/// digitally instead (Wu et al. 2023). All state is `Codable` for bit-identical resume.
public struct Optimizer: Codable, Equatable, Sendable {
    public let config: OptimizerConfig
    /// Steps taken so far.
    public private(set) var step: Int = 0
    /// SGD velocity, or AdamW's first moment.
    public private(set) var m: [Float]
    /// AdamW's second moment (empty for SGD).
    public private(set) var v: [Float]

    public init(config: OptimizerConfig, count: Int) {
        self.config = config
        m = [Float](repeating: 0, count: count)
        v = config.kind == .adamw ? [Float](repeating: 0, count: count) : []
    }

    /// An optimizer in a saved state (for resuming a run); sizes must match the config's kind.
    public init(config: OptimizerConfig, step: Int, m: [Float], v: [Float]) throws(CIMError) {
        guard step >= 0, v.count == (config.kind == .adamw ? m.count : 0) else {
            throw CIMError.invalidConfig(field: "optimizer", reason: "saved state does not fit \(config.kind.rawValue) (\(m.count) vs \(v.count) moments)")
        }
        self.config = config
        self.step = step
        self.m = m
        self.v = v
    }

    /// Computes `update` (to be added to the parameters) for one step.
    ///
    /// - SGD (PyTorch semantics): `g' = g + λp`, `b = μb + g'`, `Δ = −η b`.
    /// - AdamW: `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`,
    ///   `Δ = −η(λp + m̂ / (√v̂ + ε))` with `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`.
    public mutating func computeUpdate(parameters: [Float], gradients: [Float], update: inout [Float]) {
        precondition(parameters.count == m.count && gradients.count == m.count, "Optimizer: size mismatch")
        if update.count != m.count { update = [Float](repeating: 0, count: m.count) }
        step += 1
        let lr = config.learningRate
        let wd = config.effectiveWeightDecay
        switch config.kind {
        case .sgd:
            let mu = config.momentum
            for i in 0..<m.count {
                let g = gradients[i] + wd * parameters[i]
                if mu > 0 {
                    m[i] = step == 1 ? g : mu * m[i] + g
                    update[i] = -lr * m[i]
                } else {
                    update[i] = -lr * g
                }
            }
        case .adamw:
            let b1 = config.beta1, b2 = config.beta2, eps = config.epsilon
            let c1 = 1 - Float(pow(Double(b1), Double(step)))
            let c2 = 1 - Float(pow(Double(b2), Double(step)))
            let c2root = c2.squareRoot()
            let stepSize = lr / c1
            m.withUnsafeMutableBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    for i in 0..<mp.count {
                        let g = gradients[i]
                        mp[i] = b1 * mp[i] + (1 - b1) * g
                        vp[i] = b2 * vp[i] + (1 - b2) * g * g
                        let denom = vp[i].squareRoot() / c2root + eps
                        update[i] = -lr * wd * parameters[i] - stepSize * mp[i] / denom
                    }
                }
            }
        }
    }
}
