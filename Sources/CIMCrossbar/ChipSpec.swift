import CIMCore
import CIMDevice

/// What a chip *is*: tile geometry, device, periphery.
///
/// A tile has `tileRows` inputs and `tileColumns` device columns; a signed weight is a
/// differential pair on adjacent columns, so a tile holds `tileRows × tileColumns/2` weights.
/// Chips are data: the presets (``ChipPreset``) and users' chips are JSON documents
/// (``ChipDocument``, `schemas/chip-spec.md`) whose keys are this type's fields.
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
    /// The input converters.
    public var dac: DACConfig
    /// The output converters.
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

    /// Most device cells per tile (rows × columns): 4096 × 4096.
    public static let maxTileCells = 1 << 24
    /// Most physical tiles a chip may declare.
    public static let maxTileCount = 1 << 20

    /// Checks every field; errors name the chip and the field (`chip wu2023-soc.adc.bits`).
    public func validate() throws(CIMError) { try validate(fieldPrefix: "chip \(name).") }

    /// Checks every field; an error's field is `fieldPrefix` + the field's JSON key path
    /// (`tileRows`, `device.levels`, `adc.fullScaleMicroAmps`), its reason the value and the
    /// rule. Products are overflow-checked: a chip file is untrusted input.
    public func validate(fieldPrefix: String) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        guard !name.isEmpty else { throw bad("name", "must not be empty") }
        if let c = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw bad("name", "contains the control character U+\(String(c.value, radix: 16, uppercase: true))")
        }
        guard tileRows >= 1 else { throw bad("tileRows", "\(tileRows) must be ≥ 1") }
        guard tileColumns >= 2, tileColumns % 2 == 0 else { throw bad("tileColumns", "\(tileColumns) must be even and ≥ 2 (differential pairs)") }
        let (cells, overflow) = tileRows.multipliedReportingOverflow(by: tileColumns)
        guard !overflow, cells <= Self.maxTileCells else {
            throw bad("tileColumns", "\(tileRows) rows × \(tileColumns) columns must be at most \(Self.maxTileCells) cells (4096 × 4096)")
        }
        if let t = tileCount, !(1...Self.maxTileCount).contains(t) { throw bad("tileCount", "\(t) must be in 1…\(Self.maxTileCount)") }
        try device.validate(fieldPrefix: fieldPrefix + "device.")
        try dac.validate(fieldPrefix: fieldPrefix + "dac.")
        try adc.validate(fieldPrefix: fieldPrefix + "adc.")
        guard adc.columnsPerADC <= tileColumns else {
            throw bad("adc.columnsPerADC", "\(adc.columnsPerADC) must be at most the tile's \(tileColumns) columns")
        }
    }

    /// The same chip with an ideal periphery (no DAC/ADC quantisation, no ADC noise or clipping).
    /// The ADC's full scale is kept (an ADC with 0 bits does not use it).
    public var withIdealPeriphery: ChipSpec {
        var s = self
        s.dac = DACConfig(bits: 0, bitSerial: false)
        s.adc.bits = 0
        s.adc.noiseSigmaMicroAmps = 0
        return s
    }
}
