// The chip presets' JSON documents: the one place where each preset's values are written,
// each with its source. schemas/chips/NAME.json are byte-identical copies
// (scripts/update-chip-files.sh; ChipPresetFileTests checks them). Format: schemas/chip-spec.md.

extension ChipPreset {
    static let wu2023SoCJSON = #"""
{
  "name": "wu2023-soc",
  "description": "The training SoC of Wu et al., Adv. Mater. 35, e2305465 (2023): four 64×64 1T1R tiles of b-RRAM with 4 levels over 8.2–32.9 µS read at 0.1 V (brram-2bit), 8-bit bit-serial inputs, 8-bit ADC shared by 8 columns.",
  "tileRows": 64,
  "tileColumns": 64,
  "tileCount": 4,
  "device": {
    "name": "brram-2bit",
    "levels": 4,
    "gMinMicroSiemens": 8.2,
    "gMaxMicroSiemens": 32.9,
    "readVoltage": 0.1,
    "programmingSigmaMicroSiemens": 2.0,
    "readSigmaMicroSiemens": 1.2,
    "maxWriteTrials": 2,
    "verifyToleranceLevels": 0.5,
    "initialMaxMicroSiemens": 20,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": 0
  },
  "dac": {
    "bits": 8,
    "bitSerial": true
  },
  "adc": {
    "bits": 8,
    "fullScaleMicroAmps": 70,
    "noiseSigmaMicroAmps": 0,
    "columnsPerADC": 8
  },
  "sources": {
    "tileRows": "Wu et al., Adv. Mater. 35, e2305465 (2023): the training SoC's 64×64 1T1R arrays",
    "tileColumns": "Wu et al., Adv. Mater. 35, e2305465 (2023): the training SoC's 64×64 1T1R arrays",
    "tileCount": "Wu et al., Adv. Mater. 35, e2305465 (2023): four arrays on the SoC",
    "device.levels": "Wu et al., Adv. Mater. 35, e2305465 (2023): b-RRAM programmed to 4 levels (2 bit) in on-chip training",
    "device.gMinMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): the on-chip training window, 8.2–32.9 µS",
    "device.gMaxMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): the on-chip training window, 8.2–32.9 µS",
    "device.readVoltage": "Wu et al., Adv. Mater. 35, e2305465 (2023): read at 0.1 V",
    "device.programmingSigmaMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): σ_prog = 0.5 Δ at 16 levels over 10–70 µS (Δ = 4 µS), i.e. 2.0 µS; noise is a device property, so it stays the same in µS on this window",
    "device.readSigmaMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): σ_read = 0.3 Δ at 16 levels over 10–70 µS (Δ = 4 µS), i.e. 1.2 µS; noise is a device property, so it stays the same in µS on this window",
    "device.maxWriteTrials": "Wu et al., Adv. Mater. 35, e2305465 (2023): write-and-verify with at most 2 write attempts",
    "device.verifyToleranceLevels": "Not stated (CIMKit's assumption): a write is repeated when the read-back misses the target by more than half a level spacing",
    "device.initialMaxMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): initial conductances in 8.2–20 µS in on-chip training",
    "device.stuckRate": "Not modelled for this chip: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "Not modelled for this chip: no drift",
    "dac.bits": "Wu et al., Adv. Mater. 35, e2305465 (2023): 8-bit inputs",
    "dac.bitSerial": "Wu et al., Adv. Mater. 35, e2305465 (2023): eight 1-bit read pulses per 8-bit input",
    "adc.bits": "Wu et al., Adv. Mater. 35, e2305465 (2023): 8-bit ADC",
    "adc.fullScaleMicroAmps": "Not stated for the SoC; the inference chip's ±70 µA (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1)",
    "adc.noiseSigmaMicroAmps": "Not stated for the SoC: 0 (device read noise is modelled)",
    "adc.columnsPerADC": "Wu et al., Adv. Mater. 35, e2305465 (2023): one ADC shared by 8 columns"
  }
}

"""#

    static let wu2023InferenceJSON = #"""
{
  "name": "wu2023-inference",
  "description": "The simulated inference chip of Wu et al., Adv. Mater. 35, e2305465 (2023), its Table 1: 256×64 tiles of b-RRAM with 16 levels over 10–70 µS read at 0.1 V (brram-4bit), 8-bit bit-serial inputs, 8-bit ADC over ±70 µA with σ = 0.549 µA.",
  "tileRows": 256,
  "tileColumns": 64,
  "device": {
    "name": "brram-4bit",
    "levels": 16,
    "gMinMicroSiemens": 10,
    "gMaxMicroSiemens": 70,
    "readVoltage": 0.1,
    "programmingSigmaMicroSiemens": 2.0,
    "readSigmaMicroSiemens": 1.2,
    "maxWriteTrials": 2,
    "verifyToleranceLevels": 0.5,
    "initialMaxMicroSiemens": 38.68,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": 0
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
    "tileRows": "Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays",
    "tileColumns": "Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 256×64 arrays",
    "tileCount": "Not stated: absent, so the chip has as many tiles as a network needs",
    "device.levels": "Wu et al., Adv. Mater. 35, e2305465 (2023): b-RRAM with 16 levels (4 bit), the paper's simulation of larger models",
    "device.gMinMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): 16 levels over 10–70 µS (1–7 µA at 0.1 V)",
    "device.gMaxMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): 16 levels over 10–70 µS (1–7 µA at 0.1 V)",
    "device.readVoltage": "Wu et al., Adv. Mater. 35, e2305465 (2023): read at 0.1 V",
    "device.programmingSigmaMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): σ_prog = 0.5 Δ = 2.0 µS (Δ = 4 µS)",
    "device.readSigmaMicroSiemens": "Wu et al., Adv. Mater. 35, e2305465 (2023): σ_read = 0.3 Δ = 1.2 µS (Δ = 4 µS)",
    "device.maxWriteTrials": "Wu et al., Adv. Mater. 35, e2305465 (2023): write-and-verify with at most 2 write attempts",
    "device.verifyToleranceLevels": "Not stated (CIMKit's assumption): a write is repeated when the read-back misses the target by more than half a level spacing",
    "device.initialMaxMicroSiemens": "Not stated: the same fraction of the window as on chip, gMin + 0.478 (gMax − gMin) with 0.478 = (20 − 8.2)/(32.9 − 8.2), i.e. 10–38.68 µS",
    "device.stuckRate": "Not modelled for this chip: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "Not modelled for this chip: no drift",
    "dac.bits": "Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit inputs",
    "dac.bitSerial": "Wu et al., Adv. Mater. 35, e2305465 (2023): bit-serial inputs, as on the SoC",
    "adc.bits": "Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit ADC",
    "adc.fullScaleMicroAmps": "Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 0–70 µA, read as the magnitude of the differential current (±70 µA): a per-column 0–70 µA range would clip on 256 rows of ≥ 10 µS devices",
    "adc.noiseSigmaMicroAmps": "Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: σ = 0.549 µA, about one step of an 8-bit converter over ±70 µA (70/127 = 0.551 µA)",
    "adc.columnsPerADC": "Not stated for the inference chip: the SoC's 8 columns per ADC (Wu et al., Adv. Mater. 35, e2305465 (2023)); sets conversion time, not values"
  }
}

"""#

    static let pcmLikeInferenceJSON = #"""
{
  "name": "pcm-like-inference",
  "description": "An inference chip with the periphery and tiles of wu2023-inference (256×64 tiles, 8-bit bit-serial inputs, 8-bit ADC over ±70 µA with σ = 0.549 µA) and a PCM-like device following the published statistical PCM model of Nandakumar et al., ICECS 2019 and Joshi et al., Nat. Commun. 11, 2473 (2020) (IBM aihwkit's PCMLikeNoiseModel): continuous conductances over 0–25 µS, conductance-dependent programming error, drift exponents with a conductance-dependent mean and device-to-device spread from t₀ = 20 s, and accumulated 1/f read noise.",
  "tileRows": 256,
  "tileColumns": 64,
  "device": {
    "name": "pcm-like",
    "levels": 0,
    "gMinMicroSiemens": 0,
    "gMaxMicroSiemens": 25,
    "readVoltage": 0.2,
    "programmingSigmaMicroSiemens": 0,
    "programmingSigmaPolynomialMicroSiemens": [0.26348, 1.965, -1.1731],
    "readSigmaMicroSiemens": 0,
    "maxWriteTrials": 1,
    "verifyToleranceLevels": 0.5,
    "initialMaxMicroSiemens": 11.95,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": 0.0244,
    "driftNuLogSlope": -0.0155,
    "driftNuMeanRange": [0.049, 0.1],
    "driftNuSigma": -0.0059,
    "driftNuSigmaLogSlope": -0.0125,
    "driftNuSigmaRange": [0.008, 0.045],
    "driftReferenceSeconds": 20,
    "readNoise1fCoefficient": 0.0088,
    "readNoise1fExponent": 0.65,
    "readNoise1fMaxRelative": 0.2,
    "readNoise1fReadSeconds": 2.5e-7
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
    "device.levels": "Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 11, 2473 (2020): analog PCM programmed to continuous targets (0 = continuous)",
    "device.gMinMicroSiemens": "Joshi et al., Nat. Commun. 11, 2473 (2020): a weight is G⁺ − G⁻ with one device of a pair at 0 µS (aihwkit's single-pair converter, g_min = 0)",
    "device.gMaxMicroSiemens": "Nandakumar et al., ICECS 2019; Joshi et al. 2020: the model is fitted for G up to 25 µS (aihwkit PCMLikeNoiseModel: coefficients referenced to g_max = 25 µS)",
    "device.readVoltage": "CIMKit's assumption: 0.2 V, a typical PCM read voltage below threshold switching; the largest device current (5 µA) stays below wu2023-inference's (7 µA), so its ADC range fits",
    "device.programmingSigmaMicroSiemens": "0: replaced by the conductance-dependent σ (device.programmingSigmaPolynomialMicroSiemens)",
    "device.programmingSigmaPolynomialMicroSiemens": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel prog_coeff): σ_prog(G) = 0.26348 + 1.9650 x − 1.1731 x² µS, x = G/25 µS, the residual error after iterative programming",
    "device.readSigmaMicroSiemens": "0: the model's read noise is the accumulated 1/f noise at the evaluation time (device.readNoise1f*), sampled once per programmed chip",
    "device.maxWriteTrials": "1: the published σ_prog is already the residual of the iterative program-and-verify (Joshi et al. 2020), so no further verify loop is simulated",
    "device.verifyToleranceLevels": "CIMKit's default, unused with one write attempt",
    "device.initialMaxMicroSiemens": "CIMKit's default for training, gMin + 0.478 (gMax − gMin) (unused by inference audits)",
    "device.stuckRate": "Not in the published model: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): mean ν(G) = clamp(0.0244 − 0.0155 ln x, 0.049, 0.1), x = G/25 µS; this is the intercept",
    "device.driftNuLogSlope": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): −0.0155 per unit ln x",
    "device.driftNuMeanRange": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): mean ν clipped to [0.049, 0.1]",
    "device.driftNuSigma": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): σ_ν(G) = clamp(−0.0059 − 0.0125 ln x, 0.008, 0.045); this is the intercept",
    "device.driftNuSigmaLogSlope": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): −0.0125 per unit ln x",
    "device.driftNuSigmaRange": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): σ_ν clipped to [0.008, 0.045]",
    "device.driftReferenceSeconds": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel t_0 = 20 s): the first read after programming",
    "device.readNoise1fCoefficient": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): σ/G = min(0.0088 / max(x^0.65, 10⁻³), 0.2) · √ln((t + t_r)/(2 t_r))",
    "device.readNoise1fExponent": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): 0.65",
    "device.readNoise1fMaxRelative": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel): relative 1/f coefficient at most 0.2",
    "device.readNoise1fReadSeconds": "Nandakumar et al., ICECS 2019 (aihwkit PCMLikeNoiseModel t_read = 250 ns): the read duration",
    "dac.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit inputs)",
    "dac.bitSerial": "As wu2023-inference (Wu et al. 2023: bit-serial inputs)",
    "adc.bits": "As wu2023-inference (Wu et al., Adv. Mater. 35, e2305465 (2023), Table 1: 8-bit ADC)",
    "adc.fullScaleMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: ±70 µA)",
    "adc.noiseSigmaMicroAmps": "As wu2023-inference (Wu et al. 2023, Table 1: σ = 0.549 µA)",
    "adc.columnsPerADC": "As wu2023-inference (the SoC's 8 columns per ADC; sets conversion time, not values)"
  }
}

"""#

    static let idealJSON = #"""
{
  "name": "ideal",
  "description": "Ideal device and periphery on 64×64 tiles, for oracle tests: a reference, not a physical chip.",
  "tileRows": 64,
  "tileColumns": 64,
  "device": {
    "name": "ideal",
    "levels": 0,
    "gMinMicroSiemens": 0,
    "gMaxMicroSiemens": 100,
    "readVoltage": 0.1,
    "programmingSigmaMicroSiemens": 0,
    "readSigmaMicroSiemens": 0,
    "maxWriteTrials": 1,
    "verifyToleranceLevels": 0.5,
    "initialMaxMicroSiemens": 47.8,
    "stuckRate": 0,
    "stuckHighFraction": 0.5,
    "driftNu": 0
  },
  "dac": {
    "bits": 0,
    "bitSerial": false
  },
  "adc": {
    "bits": 0,
    "fullScaleMicroAmps": 1.7976931348623157e308,
    "noiseSigmaMicroAmps": 0,
    "columnsPerADC": 8
  },
  "sources": {
    "tileRows": "CIMKit's oracle chip: 64×64 tiles, as the training SoC",
    "tileColumns": "CIMKit's oracle chip: 64×64 tiles, as the training SoC",
    "tileCount": "Absent: as many tiles as a network needs",
    "device.levels": "CIMKit's oracle chip: continuous conductances (no levels)",
    "device.gMinMicroSiemens": "CIMKit's oracle chip: a 0–100 µS window",
    "device.gMaxMicroSiemens": "CIMKit's oracle chip: a 0–100 µS window",
    "device.readVoltage": "CIMKit's oracle chip: 0.1 V, as the b-RRAM presets",
    "device.programmingSigmaMicroSiemens": "CIMKit's oracle chip: noiseless",
    "device.readSigmaMicroSiemens": "CIMKit's oracle chip: noiseless",
    "device.maxWriteTrials": "CIMKit's oracle chip: one write, which lands exactly",
    "device.verifyToleranceLevels": "CIMKit's default, unused with one write",
    "device.initialMaxMicroSiemens": "CIMKit's default: gMin + 0.478 (gMax − gMin), the b-RRAM presets' fraction of the window",
    "device.stuckRate": "CIMKit's oracle chip: no stuck devices",
    "device.stuckHighFraction": "CIMKit's default, unused without stuck devices",
    "device.driftNu": "CIMKit's oracle chip: no drift",
    "dac.bits": "CIMKit's oracle chip: ideal analog inputs (0 bits)",
    "dac.bitSerial": "CIMKit's oracle chip: one analog read per input",
    "adc.bits": "CIMKit's oracle chip: ideal ADC (0 bits: no quantisation, no clipping)",
    "adc.fullScaleMicroAmps": "CIMKit's oracle chip: unused by an ideal ADC (the largest finite double)",
    "adc.noiseSigmaMicroAmps": "CIMKit's oracle chip: noiseless",
    "adc.columnsPerADC": "CIMKit's default: 8 (sets conversion time, not values)"
  }
}

"""#
}
