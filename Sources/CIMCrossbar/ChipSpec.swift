import CIMCore
import CIMDevice

/// What a chip *is*: tile geometry, device, periphery.
///
/// A tile has `tileRows` inputs and `tileColumns` device columns; a signed weight is a
/// differential pair on adjacent columns, so a tile holds `tileRows × tileColumns/2` weights.
public struct ChipSpec: Codable, Equatable, Sendable {
    /// Preset name or a user's label.
    public var name: String
    /// Rows (inputs) per tile.
    public var tileRows: Int
    /// Device columns per tile (even: two per weight).
    public var tileColumns: Int
    /// Physical tiles on the chip; `nil` = as many as needed. Training simulates as many tiles
    /// as the network needs and reports the count; the mapper enforces this capacity.
    public var tileCount: Int?
    /// The device in every cell.
    public var device: DeviceModel
    public var dac: DACConfig
    public var adc: ADCConfig

    public init(name: String, tileRows: Int, tileColumns: Int, tileCount: Int?, device: DeviceModel,
                dac: DACConfig, adc: ADCConfig) {
        self.name = name
        self.tileRows = tileRows
        self.tileColumns = tileColumns
        self.tileCount = tileCount
        self.device = device
        self.dac = dac
        self.adc = adc
    }

    /// Weights per tile column block (column pairs).
    public var weightColumns: Int { tileColumns / 2 }

    /// Checks every field; errors name the field.
    public func validate() throws(CIMError) {
        guard tileRows >= 1 else { throw .invalidConfig(field: "chip \(name).tileRows", reason: "\(tileRows) must be ≥ 1") }
        guard tileColumns >= 2, tileColumns % 2 == 0 else {
            throw .invalidConfig(field: "chip \(name).tileColumns", reason: "\(tileColumns) must be even and ≥ 2 (differential pairs)")
        }
        if let t = tileCount, t < 1 { throw .invalidConfig(field: "chip \(name).tileCount", reason: "\(t) must be ≥ 1") }
        try device.validate()
        try dac.validate()
        try adc.validate()
    }

    /// The same chip with an ideal periphery (no DAC/ADC quantisation, no ADC noise or clipping).
    public var withIdealPeriphery: ChipSpec {
        var s = self
        s.dac = DACConfig(bits: 0, bitSerial: false)
        s.adc = ADCConfig(bits: 0, fullScaleMicroAmps: .greatestFiniteMagnitude, noiseSigmaMicroAmps: 0, columnsPerADC: adc.columnsPerADC)
        return s
    }
}

/// Named chips from Wu et al., Adv. Mater. 35, e2305465 (2023).
public enum ChipPreset: String, CaseIterable, Codable, Sendable, NamedPreset {
    /// The training SoC: four 64×64 1T1R tiles, 8-bit bit-serial inputs, 8-bit ADC shared by
    /// 8 columns, read at 0.1 V, b-RRAM with 4 levels (`brram-2bit`). The ADC range is not
    /// stated; we use the inference chip's ±70 µA. ADC noise is not stated (0; device read
    /// noise is modelled).
    case wu2023SoC = "wu2023-soc"
    /// The paper's simulated inference chip (its Table 1): 256×64 tiles, 8-bit ADC over
    /// 0–70 µA with σ = 0.549 µA, 4-bit b-RRAM (`brram-4bit`), 8-bit bit-serial inputs.
    /// We read "0–70 µA" as the magnitude of the differential current (±70 µA): a per-column
    /// 0–70 µA range would clip on 256 rows of ≥ 10 µS devices. σ = 0.549 µA is about one step of
    /// an 8-bit converter over ±70 µA (70/127 = 0.551 µA).
    case wu2023Inference = "wu2023-inference"
    /// Ideal device and periphery on 64×64 tiles, for oracle tests.
    case ideal

    /// The chip spec of the preset.
    public var spec: ChipSpec {
        switch self {
        case .wu2023SoC:
            return ChipSpec(name: rawValue, tileRows: 64, tileColumns: 64, tileCount: 4, device: DevicePreset.brram2bit.model,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0, columnsPerADC: 8))
        case .wu2023Inference:
            return ChipSpec(name: rawValue, tileRows: 256, tileColumns: 64, tileCount: nil, device: DevicePreset.brram4bit.model,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0.549, columnsPerADC: 8))
        case .ideal:
            return ChipSpec(name: rawValue, tileRows: 64, tileColumns: 64, tileCount: nil, device: DevicePreset.ideal.model,
                            dac: DACConfig(bits: 0, bitSerial: false),
                            adc: ADCConfig(bits: 0, fullScaleMicroAmps: .greatestFiniteMagnitude, noiseSigmaMicroAmps: 0))
        }
    }

    public static let presetKind = "chip preset"
    public static let presetField = "chip"
}
