import CIMCore

/// Named chips, shipped as JSON documents (``ChipDocument``) embedded in the library.
///
/// Each preset is one JSON text (``jsonText``, in `ChipPreset+JSON.swift`): every value of
/// the chip is written there once, next to its source (the document's `sources`). The files
/// `schemas/chips/NAME.json` are byte-identical copies for reading and for tools
/// (`scripts/update-chip-files.sh` writes them; a test keeps them equal). The text is compiled
/// into the library rather than shipped as a SwiftPM resource, so that `cim` needs no files
/// next to it: a resource bundle is found next to the executable or at the build directory's
/// absolute path, and a `cim` copied elsewhere (a cluster's PATH) without it stops with a fatal
/// error on first use.
public enum ChipPreset: String, CaseIterable, Codable, Sendable, NamedPreset {
    /// The training SoC of Wu et al., Adv. Mater. 35, e2305465 (2023): four 64×64 1T1R tiles,
    /// 8-bit bit-serial inputs, 8-bit ADC shared by 8 columns, b-RRAM with 4 levels.
    case wu2023SoC = "wu2023-soc"
    /// The simulated inference chip of Wu et al. 2023 (its Table 1): 256×64 tiles of 4-bit
    /// b-RRAM, 8-bit bit-serial inputs, 8-bit ADC over ±70 µA with σ = 0.549 µA.
    case wu2023Inference = "wu2023-inference"
    /// wu2023-inference's tiles and periphery with a PCM-like device: the published statistical
    /// PCM model of Nandakumar et al., ICECS 2019 and Joshi et al., Nat. Commun. 11, 2473 (2020)
    /// (conductance-dependent programming error, drift ν with spread from t₀ = 20 s, 1/f read
    /// noise), continuous over 0–25 µS.
    case pcmLikeInference = "pcm-like-inference"
    /// wu2023-inference's tiles and periphery with a HERMES-like PCM device: the statistics of
    /// the PCM devices of IBM's HERMES chip, Le Gallo et al., Nat. Electron. 6, 680 (2023), as
    /// fitted by IBM aihwkit's `HermesNoiseModel` (one device per conductance): 0–10.35 µS, cubic
    /// σ_prog, two-branch mean ν, σ_ν and 1/f coefficient, t₀ = 200 s.
    case hermesLikeInference = "hermes-like-inference"
    /// wu2023-inference's tiles and periphery with a NeuRRAM-like RRAM device: the spread of
    /// Wan et al., Nature 608, 504 (2022) at 1 s, 1 day and 2 days (aihwkit's
    /// `ReRamWan2022NoiseModel`), 0–40 µS; valid only at those times (others are refused).
    case neurramLikeInference = "neurram-like-inference"
    /// wu2023-inference's tiles and periphery with a CMO/HfOx-like ReRAM device: Falcone et al.,
    /// arXiv:2502.04524 (2025) (aihwkit's `ReRamCMONoiseModel`): 9–88.19 µS, σ_prog linear in G
    /// for a 0.2 % acceptance range, level-independent relaxation, absolute 1/f read noise.
    case cmoHfOxLikeInference = "cmo-hfox-like-inference"
    /// Ideal device and periphery on 64×64 tiles, for oracle tests.
    case ideal

    /// The preset's JSON document, exactly as shipped (`schemas/chips/NAME.json`).
    public var jsonText: String {
        switch self {
        case .wu2023SoC: return Self.wu2023SoCJSON
        case .wu2023Inference: return Self.wu2023InferenceJSON
        case .pcmLikeInference: return Self.pcmLikeInferenceJSON
        case .hermesLikeInference: return Self.hermesLikeInferenceJSON
        case .neurramLikeInference: return Self.neurramLikeInferenceJSON
        case .cmoHfOxLikeInference: return Self.cmoHfOxLikeInferenceJSON
        case .ideal: return Self.idealJSON
        }
    }

    /// The preset's document: spec, description and sources.
    public var document: ChipDocument { Self.documents[self]! }

    /// The chip spec of the preset.
    public var spec: ChipSpec { document.spec }

    /// Every preset, decoded once. A preset that does not decode is a build defect (the tests
    /// decode and validate each one), so it stops the program with the reason.
    private static let documents: [ChipPreset: ChipDocument] = {
        var out: [ChipPreset: ChipDocument] = [:]
        for p in allCases {
            do throws(CIMError) {
                out[p] = try ChipDocument.parse(Array(p.jsonText.utf8), label: "chip preset \(p.rawValue)")
            } catch {
                fatalError("the embedded chip preset \(p.rawValue) is broken: \(error.description)")
            }
        }
        return out
    }()

    public static let presetKind = "chip preset"
    public static let presetField = "chip"
}
