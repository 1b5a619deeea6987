/// How an optimizer's update reaches the weights (`cim train --rule`).
public enum UpdateRule: String, Codable, CaseIterable, Sendable {
    /// FP32 weights updated every step (no chip).
    case digital
    /// Wu et al., Adv. Mater. 35, e2305465 (2023): forward products on the chip, backward in
    /// FP32 with the digital weights W_FP; updates accumulate in ΔW and a device pair is written
    /// (write-and-verify) to the level nearest `w_FP + ΔW` only when `|ΔW|` reaches the
    /// programming granularity (one level in weight units × `threshold`); then
    /// `W_FP ← w_FP + ΔW` (clipped to the pair's range) and `ΔW ← 0`.
    case mixedPrecision = "mixed-precision"
    /// Nandakumar et al., Front. Neurosci. 14:406 (2020): updates accumulate in ΔW; where
    /// `n = trunc(ΔW / ε) ≠ 0` (ε = the device's average pulse step in weight units × `threshold`),
    /// `|n|` SET pulses go to G⁺ (n > 0) or G⁻ (n < 0) without verify, and `ΔW ← ΔW − n ε`.
    /// W_FP is the devices' (noiseless) state; a pair near saturation is refreshed.
    case mixedPrecisionPulse = "mixed-precision-pulse"
    /// The paper's "without accumulation" baseline: after every batch every weight is read
    /// back from its devices (with read noise), the update is added, and the pair is written
    /// (write-and-verify) to the levels nearest the result; a pair whose levels do not change
    /// is still re-written (the device on the update's side), so every weight is written once
    /// per batch. Updates smaller than half a level survive only through noise.
    case naive
    /// Hardware-aware (noise-injection) training of digital FP32 weights for a target chip
    /// (Joshi et al., Nat. Commun. 11, 2473 (2020); Rasch et al., Nat. Commun. 14, 5282 (2023)):
    /// every batch's forward pass runs on a fresh realisation of the chip the weights would be
    /// exported to (``HardwareAwareChip``: the exporter's mapping, programming error drawn anew,
    /// optional drift, the DAC/ADC), and the backward pass is the digital one with the realised
    /// weights W̃ in place of W (straight-through: ∂W̃/∂W := 1); the optimizer updates W. No
    /// device is written during training; the result exports like a digital model.
    case hardwareAware = "hardware-aware"

    /// True for the rules that train on a simulated chip (whose devices the rule writes).
    public var isOnChip: Bool { self != .digital && self != .hardwareAware }
}
