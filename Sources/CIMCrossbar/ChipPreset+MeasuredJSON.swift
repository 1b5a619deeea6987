// The chip presets with devices from published measurements (HERMES PCM, NeuRRAM RRAM,
// CMO/HfOx ReRAM): each value once, with its source. schemas/chips/NAME.json are byte-identical
// copies (scripts/update-chip-files.sh; ChipPresetFileTests checks them). Format: schemas/chip-spec.md.

extension ChipPreset {
    static let hermesLikeInferenceJSON = #"""
{
  "name": "hermes-like-inference",
  "description": "An inference chip with the periphery and tiles of wu2023-inference and a HERMES-like PCM device: the statistics of the PCM devices of IBM's HERMES chip (Le Gallo et al., Nat. Electron. 6, 680 (2023)) as fitted by IBM aihwkit's HermesNoiseModel for one device per conductance (after the method of Nandakumar et al., ICECS 2019): continuous conductances over 0–10.35 µS, a cubic programming σ, drift exponents and 1/f noise with two-branch conductance dependences, t₀ = 200 s.",
  "tileRows": 256,
  "tileColumns": 64,
  "device": {
    "name": "hermes-like",
    "levels": 0,
    "gMinMicroSiemens": 0,
    "gMaxMicroSiemens": 10.35,
    "readVoltage": 0.2,
    "programmingSigmaMicroSiemens": 0,
    "programmingSigmaPolynomialMicroSiemens": [0.15781817, 2.32443916, -2.16310839, 0.68841818],
    "readSigmaMicroSiemens": 0,
    "maxWriteTrials": 1,
    "verifyToleranceLevels": 0.5,
    "initialMaxMicroSiemens": 4.9473,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": -0.0182,
    "driftNuLogSlope": -0.0387,
    "driftNuMeanRange": [0.072, 0.13],
    "driftNuMeanPolynomialAbove": 0.0945,
    "driftNuMeanPolynomial": [0.0736, -0.0126, -0.0436],
    "driftNuSigma": -0.0023,
    "driftNuSigmaLogSlope": -0.012,
    "driftNuSigmaRange": [0.0124, 0.04],
    "driftNuSigmaPolynomialAbove": 0.3039,
    "driftNuSigmaPolynomial": [0.0104, 0.0116, -0.0165],
    "driftReferenceSeconds": 200,
    "readNoise1fCoefficient": 0.0038,
    "readNoise1fLogSlope": -0.0078,
    "readNoise1fRange": [0.0179, 0.04],
    "readNoise1fPolynomialAbove": 0.1591,
    "readNoise1fPolynomial": [0.0088, 0.0768, -0.1352, 0.0664],
    "readNoise1fReadSeconds": 5.12e-7
  },
  "dac": {
    "bits": 8,
    "bitSerial": true
  },
  "adc": {
    "bits": 8,
    "fullScaleMicroAmps": 70,
    "noiseSigmaMicroAmps": 0.549,
    "columnsPerADC": 8
  },
  "sources": {
    "tileRows": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays), so that only the device differs",
    "tileColumns": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays)",
    "device.levels": "Le Gallo et al., Nat. Electron. 6, 680 (2023): analog PCM programmed to continuous targets (0 = continuous)",
    "device.gMinMicroSiemens": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel: single-pair converter, g_min = 0): a weight is G⁺ − G⁻ with one device of a pair at 0 µS",
    "device.gMaxMicroSiemens": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): the largest conductance characterised for one device per conductance, 10.35 µS",
    "device.readVoltage": "CIMKit's assumption: 0.2 V, a PCM read voltage below threshold switching (as pcm-like-inference); the largest device current, 2.07 µA, fits wu2023-inference's ADC range",
    "device.programmingSigmaMicroSiemens": "0: replaced by the conductance-dependent σ (device.programmingSigmaPolynomialMicroSiemens)",
    "device.programmingSigmaPolynomialMicroSiemens": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel prog_coeff, num_devices = 1): σ_prog = 0.15781817 + 2.32443916 x − 2.16310839 x² + 0.68841818 x³ µS, x = G/10.35 µS, the residual after iterative programming",
    "device.readSigmaMicroSiemens": "0: the model's read noise is the accumulated 1/f noise at the evaluation time (device.readNoise1f*)",
    "device.maxWriteTrials": "1: the published σ_prog is already the residual of the chip's iterative programming, so no further verify loop is simulated",
    "device.verifyToleranceLevels": "CIMKit's default, unused with one write attempt",
    "device.initialMaxMicroSiemens": "CIMKit's default for training, gMin + 0.478 (gMax − gMin) (unused by inference audits)",
    "device.stuckRate": "Not in the published model: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel): mean ν = clamp(−0.0387 ln x − 0.0182, 0.072, 0.13) for x < 0.0945; this is the intercept",
    "device.driftNuLogSlope": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel): −0.0387 per unit ln x below x = 0.0945",
    "device.driftNuMeanRange": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel): the low branch of the mean ν clipped to [0.072, 0.13]",
    "device.driftNuMeanPolynomialAbove": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel): the mean ν's branch point, x = 0.0945",
    "device.driftNuMeanPolynomial": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel): mean ν = 0.0736 − 0.0126 x − 0.0436 x² for x ≥ 0.0945",
    "device.driftNuSigma": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): σ_ν = clamp(−0.0120 ln x − 0.0023, 0.0124, 0.04) for x < 0.3039; this is the intercept",
    "device.driftNuSigmaLogSlope": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): −0.0120 per unit ln x below x = 0.3039",
    "device.driftNuSigmaRange": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): the low branch of σ_ν clipped to [0.0124, 0.04]",
    "device.driftNuSigmaPolynomialAbove": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): σ_ν's branch point, x = 0.3039",
    "device.driftNuSigmaPolynomial": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): σ_ν = 0.0104 + 0.0116 x − 0.0165 x² for x ≥ 0.3039",
    "device.driftReferenceSeconds": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel t_0 = 200 s for num_devices = 1): the first read after programming",
    "device.readNoise1fCoefficient": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): q = clamp(−0.0078 ln x + 0.0038, 0.0179, 0.04) for x < 0.1591, σ/G = q √ln((t + t_r)/(2 t_r)); this is the intercept",
    "device.readNoise1fLogSlope": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): −0.0078 per unit ln x below x = 0.1591",
    "device.readNoise1fRange": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): q's low branch clipped to [0.0179, 0.04]",
    "device.readNoise1fPolynomialAbove": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): q's branch point, x = 0.1591",
    "device.readNoise1fPolynomial": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel, num_devices = 1): q = 0.0088 + 0.0768 x − 0.1352 x² + 0.0664 x³ for x ≥ 0.1591",
    "device.readNoise1fReadSeconds": "Le Gallo et al. 2023 (aihwkit HermesNoiseModel t_read = 512 ns): the read duration of the 1/f model",
    "dac.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit inputs)",
    "dac.bitSerial": "As wu2023-inference (Wu et al. 2023: bit-serial inputs)",
    "adc.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit ADC)",
    "adc.fullScaleMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: ±70 µA)",
    "adc.noiseSigmaMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: σ = 0.549 µA)",
    "adc.columnsPerADC": "As wu2023-inference (the SoC's 8 columns per ADC; sets conversion time, not values)"
  }
}

"""#

    static let neurramLikeInferenceJSON = #"""
{
  "name": "neurram-like-inference",
  "description": "An inference chip with the periphery and tiles of wu2023-inference and a NeuRRAM-like RRAM device: the spread of programmed RRAM conductances of Wan et al., Nature 608, 504 (2022), as fitted by IBM aihwkit's ReRamWan2022NoiseModel at 1 s, 1 day and 2 days after programming (quartic polynomials in G/40 µS). The model holds only at those times: evaluating at any other --time is refused.",
  "tileRows": 256,
  "tileColumns": 64,
  "device": {
    "name": "neurram-like",
    "levels": 0,
    "gMinMicroSiemens": 0,
    "gMaxMicroSiemens": 40,
    "readVoltage": 0.1,
    "programmingSigmaMicroSiemens": 0,
    "programmingSigmaPolynomialMicroSiemens": [0.348, 16.03, -43.853, 45.393, -16.815],
    "readSigmaMicroSiemens": 0,
    "maxWriteTrials": 1,
    "verifyToleranceLevels": 0.5,
    "initialMaxMicroSiemens": 19.12,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": 0,
    "validReadSeconds": [1, 86400, 172800],
    "timeSigmaPolynomialsMicroSiemens": [0.348, 16.03, -43.853, 45.393, -16.815, 0.701, 22.086, -50.773, 47.095, -16.458, 0.782, 20.274, -43.507, 37.062, -11.934]
  },
  "dac": {
    "bits": 8,
    "bitSerial": true
  },
  "adc": {
    "bits": 8,
    "fullScaleMicroAmps": 70,
    "noiseSigmaMicroAmps": 0.549,
    "columnsPerADC": 8
  },
  "sources": {
    "tileRows": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays), so that only the device differs",
    "tileColumns": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays)",
    "device.levels": "Wan et al., Nature 608, 504 (2022), as modelled by aihwkit ReRamWan2022NoiseModel: continuous targets (0 = continuous)",
    "device.gMinMicroSiemens": "aihwkit ReRamWan2022NoiseModel (single-pair converter, g_min = 0): a weight is G⁺ − G⁻ with one device of a pair at 0 µS",
    "device.gMaxMicroSiemens": "aihwkit ReRamWan2022NoiseModel: the polynomials are referenced to g_max = 40 µS (Wan et al. 2022's conductance range)",
    "device.readVoltage": "CIMKit's assumption: 0.1 V as wu2023-inference's RRAM; the largest device current, 4 µA, fits its ADC range",
    "device.programmingSigmaMicroSiemens": "0: replaced by the conductance-dependent σ (device.programmingSigmaPolynomialMicroSiemens)",
    "device.programmingSigmaPolynomialMicroSiemens": "Wan et al., Nature 608, 504 (2022), as fitted by aihwkit ReRamWan2022NoiseModel at 1 s: σ = 0.348 + 16.030 x − 43.853 x² + 45.393 x³ − 16.815 x⁴ µS, x = G/40 µS (aihwkit's programming noise)",
    "device.readSigmaMicroSiemens": "0: no separate read-noise data in the source (aihwkit suggests adding about 1 % short-term read noise separately)",
    "device.maxWriteTrials": "1: the published spread is already the residual of NeuRRAM's iterative write-verify",
    "device.verifyToleranceLevels": "CIMKit's default, unused with one write attempt",
    "device.initialMaxMicroSiemens": "CIMKit's default for training, gMin + 0.478 (gMax − gMin) (unused by inference audits)",
    "device.stuckRate": "Not in the published model: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "0: the source describes the change of the spread with time (device.timeSigmaPolynomialsMicroSiemens), not a drift law",
    "device.validReadSeconds": "Wan et al. 2022 (aihwkit ReRamWan2022NoiseModel): measured only at 1 s, 1 day and 2 days after programming; other times are refused",
    "device.timeSigmaPolynomialsMicroSiemens": "Wan et al. 2022, as fitted by aihwkit ReRamWan2022NoiseModel: σ of G − target in µS at 1 s [0.348, 16.030, −43.853, 45.393, −16.815], 1 day [0.701, 22.086, −50.773, 47.095, −16.458], 2 days [0.782, 20.274, −43.507, 37.062, −11.934] (c₀…c₄, x = G/40 µS)",
    "dac.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit inputs)",
    "dac.bitSerial": "As wu2023-inference (Wu et al. 2023: bit-serial inputs)",
    "adc.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit ADC)",
    "adc.fullScaleMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: ±70 µA)",
    "adc.noiseSigmaMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: σ = 0.549 µA)",
    "adc.columnsPerADC": "As wu2023-inference (the SoC's 8 columns per ADC; sets conversion time, not values)"
  }
}

"""#

    static let cmoHfOxLikeInferenceJSON = #"""
{
  "name": "cmo-hfox-like-inference",
  "description": "An inference chip with the periphery and tiles of wu2023-inference and a CMO/HfOx-like ReRAM device: IBM's analog filamentary conductive-metal-oxide/HfOx ReRAM (Falcone et al., arXiv:2502.04524 (2025)) as fitted by IBM aihwkit's ReRamCMONoiseModel: one device per weight over 9–88.19 µS, programming σ linear in G for a 0.2 % program-and-verify acceptance range, level-independent relaxation (mean shift and spread in ln t) and absolute 1/f read noise.",
  "tileRows": 256,
  "tileColumns": 64,
  "device": {
    "name": "cmo-hfox-like",
    "levels": 0,
    "gMinMicroSiemens": 9,
    "gMaxMicroSiemens": 88.19,
    "readVoltage": 0.075,
    "programmingSigmaMicroSiemens": 0,
    "programmingSigmaPolynomialMicroSiemens": [0.00081107, 0.0942565901],
    "readSigmaMicroSiemens": 0,
    "maxWriteTrials": 1,
    "verifyToleranceLevels": 0.5,
    "verifyAcceptanceRelative": 0.002,
    "initialMaxMicroSiemens": 46.85282,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": 0,
    "driftReferenceSeconds": 1,
    "relaxationLogShiftMicroSiemens": -0.08900206,
    "relaxationSigmaMicroSiemens": [0.41183342, 0.04201137],
    "readNoise1fLog10MicroSiemens": 0.0277316483,
    "readNoise1fReadSeconds": 1e-6,
    "conductanceRangeMicroSiemens": [9, 88.19]
  },
  "dac": {
    "bits": 8,
    "bitSerial": true
  },
  "adc": {
    "bits": 8,
    "fullScaleMicroAmps": 70,
    "noiseSigmaMicroAmps": 0.549,
    "columnsPerADC": 8
  },
  "sources": {
    "tileRows": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays), so that only the device differs",
    "tileColumns": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays)",
    "device.levels": "Falcone et al., arXiv:2502.04524 (2025): analog CMO/HfOx ReRAM (over 32 stable states), modelled as continuous (0)",
    "device.gMinMicroSiemens": "aihwkit ReRamCMONoiseModel (single-device converter): g_min = 9.0 µS",
    "device.gMaxMicroSiemens": "aihwkit ReRamCMONoiseModel (single-device converter): g_max = 88.19 µS, the reference of its coefficients",
    "device.readVoltage": "CIMKit's assumption: 0.075 V, so that the largest device current (6.6 µA) stays below wu2023-inference's 7 µA and its ADC range fits",
    "device.programmingSigmaMicroSiemens": "0: replaced by the conductance-dependent σ (device.programmingSigmaPolynomialMicroSiemens)",
    "device.programmingSigmaPolynomialMicroSiemens": "Falcone et al. 2025 (aihwkit ReRamCMONoiseModel, 0.2 % acceptance range): σ_prog = 0.00081107 + 0.00106879 G µS (G in µS), i.e. c₁ = 0.00106879 × 88.19 µS in x = G/88.19 µS; down to about 10 nS at 9 µS. The 2 % range's coefficients are 0.0112185391 + 0.01129027418 G µS",
    "device.readSigmaMicroSiemens": "0: the model's read noise is the accumulated 1/f noise at the evaluation time (device.readNoise1fLog10MicroSiemens)",
    "device.maxWriteTrials": "1: the published σ_prog is the residual of the program-and-verify loop with the acceptance range below, so the loop is not simulated again",
    "device.verifyToleranceLevels": "CIMKit's default, unused with one write attempt",
    "device.verifyAcceptanceRelative": "Falcone et al. 2025 (aihwkit ReRamCMONoiseModel): the 0.2 % acceptance range the σ_prog coefficients were measured with (recorded; not simulated with one write attempt)",
    "device.initialMaxMicroSiemens": "CIMKit's default for training, gMin + 0.478 (gMax − gMin) (unused by inference audits)",
    "device.stuckRate": "Not in the published model: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "0: CMO/HfOx relaxation is independent of the conductance and is not a power law (device.relaxation*)",
    "device.driftReferenceSeconds": "aihwkit ReRamCMONoiseModel: times in s, ln t with t in s (t₀ = 1 s)",
    "device.relaxationLogShiftMicroSiemens": "Falcone et al. 2025 (aihwkit ReRamCMONoiseModel decay mean): −0.08900206 µS per unit ln t",
    "device.relaxationSigmaMicroSiemens": "Falcone et al. 2025 (aihwkit ReRamCMONoiseModel decay std): σ = 0.41183342 + 0.04201137 ln t µS",
    "device.readNoise1fLog10MicroSiemens": "aihwkit ReRamCMONoiseModel read noise (CMO/HfOx 1/f characterisation, Lombardo et al., DRC 2024): σ = 0.0277316483 log10(G/µS) √ln((t + t_r)/(2 t_r)) µS",
    "device.readNoise1fReadSeconds": "aihwkit ReRamCMONoiseModel: t_read = 1 µs",
    "device.conductanceRangeMicroSiemens": "aihwkit ReRamCMONoiseModel: conductances clamped to [g_min, g_max] = [9, 88.19] µS",
    "dac.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit inputs)",
    "dac.bitSerial": "As wu2023-inference (Wu et al. 2023: bit-serial inputs)",
    "adc.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit ADC)",
    "adc.fullScaleMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: ±70 µA)",
    "adc.noiseSigmaMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: σ = 0.549 µA)",
    "adc.columnsPerADC": "As wu2023-inference (the SoC's 8 columns per ADC; sets conversion time, not values)"
  }
}

"""#
}
