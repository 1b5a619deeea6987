import CIMCore
import CIMCrossbar
import CIMDevice
import Foundation
import Testing

/// The presets as JSON: the same chips as before, the shipped copies, the schema.
@Suite("Chip presets as JSON")
struct ChipPresetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The presets as the Swift code built them before they became JSON (commit b1a0751), kept
    /// here only as the oracle.
    static func swiftBuilt(_ p: ChipPreset) -> ChipSpec {
        switch p {
        case .wu2023SoC:
            return ChipSpec(name: p.rawValue, tileRows: 64, tileColumns: 64, tileCount: 4, device: DevicePreset.brram2bit.model,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0, columnsPerADC: 8))
        case .wu2023Inference:
            return ChipSpec(name: p.rawValue, tileRows: 256, tileColumns: 64, tileCount: nil, device: DevicePreset.brram4bit.model,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0.549, columnsPerADC: 8))
        case .pcmLikeInference:  // added with the preset (not in b1a0751): the published PCM model's numbers
            var d = DeviceModel(name: "pcm-like", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 25, readVoltage: 0.2,
                                programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1, initialMaxMicroSiemens: 11.95)
            d.programmingSigmaPolynomialMicroSiemens = [0.26348, 1.9650, -1.1731]
            d.driftNu = 0.0244
            d.driftNuLogSlope = -0.0155
            d.driftNuMeanRange = [0.049, 0.1]
            d.driftNuSigma = -0.0059
            d.driftNuSigmaLogSlope = -0.0125
            d.driftNuSigmaRange = [0.008, 0.045]
            d.driftReferenceSeconds = 20
            d.readNoise1fCoefficient = 0.0088
            d.readNoise1fExponent = 0.65
            d.readNoise1fMaxRelative = 0.2
            d.readNoise1fReadSeconds = 250e-9
            return ChipSpec(name: p.rawValue, tileRows: 256, tileColumns: 64, tileCount: nil, device: d,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0.549, columnsPerADC: 8))
        case .hermesLikeInference:  // Le Gallo et al. 2023 via aihwkit HermesNoiseModel (num_devices = 1)
            var d = DeviceModel(name: "hermes-like", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 10.35, readVoltage: 0.2,
                                programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1, initialMaxMicroSiemens: 4.9473)
            d.programmingSigmaPolynomialMicroSiemens = [0.15781817, 2.32443916, -2.16310839, 0.68841818]
            d.driftNu = -0.0182; d.driftNuLogSlope = -0.0387; d.driftNuMeanRange = [0.072, 0.13]
            d.driftNuMeanPolynomialAbove = 0.0945; d.driftNuMeanPolynomial = [0.0736, -0.0126, -0.0436]
            d.driftNuSigma = -0.0023; d.driftNuSigmaLogSlope = -0.0120; d.driftNuSigmaRange = [0.0124, 0.04]
            d.driftNuSigmaPolynomialAbove = 0.3039; d.driftNuSigmaPolynomial = [0.0104, 0.0116, -0.0165]
            d.driftReferenceSeconds = 200
            d.readNoise1fCoefficient = 0.0038; d.readNoise1fLogSlope = -0.0078; d.readNoise1fRange = [0.0179, 0.04]
            d.readNoise1fPolynomialAbove = 0.1591; d.readNoise1fPolynomial = [0.0088, 0.0768, -0.1352, 0.0664]
            d.readNoise1fReadSeconds = 512e-9
            return ChipSpec(name: p.rawValue, tileRows: 256, tileColumns: 64, tileCount: nil, device: d,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0.549, columnsPerADC: 8))
        case .neurramLikeInference:  // Wan et al. 2022 via aihwkit ReRamWan2022NoiseModel
            var d = DeviceModel(name: "neurram-like", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 40, readVoltage: 0.1,
                                programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1, initialMaxMicroSiemens: 19.12)
            d.programmingSigmaPolynomialMicroSiemens = [0.348, 16.030, -43.853, 45.393, -16.815]
            d.validReadSeconds = [1, 86400, 172800]
            d.timeSigmaPolynomialsMicroSiemens = [0.348, 16.030, -43.853, 45.393, -16.815, 0.701, 22.086, -50.773, 47.095, -16.458,
                                                  0.782, 20.274, -43.507, 37.062, -11.934]
            return ChipSpec(name: p.rawValue, tileRows: 256, tileColumns: 64, tileCount: nil, device: d,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0.549, columnsPerADC: 8))
        case .cmoHfOxLikeInference:  // Falcone et al. 2025 via aihwkit ReRamCMONoiseModel (0.2 % acceptance)
            var d = DeviceModel(name: "cmo-hfox-like", levels: 0, gMinMicroSiemens: 9, gMaxMicroSiemens: 88.19, readVoltage: 0.075,
                                programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1, initialMaxMicroSiemens: 46.85282)
            d.programmingSigmaPolynomialMicroSiemens = [0.00081107, 0.0942565901]
            d.verifyAcceptanceRelative = 0.002
            d.driftReferenceSeconds = 1
            d.relaxationLogShiftMicroSiemens = -0.08900206
            d.relaxationSigmaMicroSiemens = [0.41183342, 0.04201137]
            d.readNoise1fLog10MicroSiemens = 0.0277316483
            d.readNoise1fReadSeconds = 1e-6
            d.conductanceRangeMicroSiemens = [9, 88.19]
            return ChipSpec(name: p.rawValue, tileRows: 256, tileColumns: 64, tileCount: nil, device: d,
                            dac: DACConfig(bits: 8, bitSerial: true),
                            adc: ADCConfig(bits: 8, fullScaleMicroAmps: 70, noiseSigmaMicroAmps: 0.549, columnsPerADC: 8))
        case .ideal:
            return ChipSpec(name: p.rawValue, tileRows: 64, tileColumns: 64, tileCount: nil, device: DevicePreset.ideal.model,
                            dac: DACConfig(bits: 0, bitSerial: false),
                            adc: ADCConfig(bits: 0, fullScaleMicroAmps: .greatestFiniteMagnitude, noiseSigmaMicroAmps: 0))
        }
    }

    /// Every number of a spec as bits (so −0 ≠ 0 and every rounding shows).
    static func bits(_ s: ChipSpec) -> [UInt64] {
        let d = s.device
        return [d.gMinMicroSiemens, d.gMaxMicroSiemens, d.readVoltage, d.programmingSigmaMicroSiemens, d.readSigmaMicroSiemens,
                d.verifyToleranceLevels, d.initialMaxMicroSiemens, d.stuckRate, d.stuckHighFraction, d.driftNu,
                s.adc.fullScaleMicroAmps, s.adc.noiseSigmaMicroAmps].map(\.bitPattern)
            + [s.tileRows, s.tileColumns, s.tileCount ?? -1, d.levels, d.maxWriteTrials, s.dac.bits, s.dac.bitSerial ? 1 : 0,
               s.adc.bits, s.adc.columnsPerADC].map { UInt64(bitPattern: Int64($0)) }
    }

    @Test("every preset decoded from its JSON equals the Swift-built spec, bit for bit", arguments: ChipPreset.allCases)
    func oracle(preset: ChipPreset) throws {
        let want = Self.swiftBuilt(preset)
        #expect(preset.spec == want)
        #expect(Self.bits(preset.spec) == Self.bits(want))
        #expect(preset.spec.device.name == want.device.name)
        try preset.spec.validate()
    }

    @Test("schemas/chips/NAME.json is byte-identical to the preset compiled in", arguments: ChipPreset.allCases)
    func shippedCopy(preset: ChipPreset) throws {
        let path = Self.root.appendingPathComponent("schemas/chips/\(preset.rawValue).json")
        let copy = try Data(contentsOf: path)
        #expect(copy == Data(preset.jsonText.utf8), "\(path.path) differs from the compiled preset: run scripts/update-chip-files.sh")
        #expect(try ChipDocument.read(path: path.path) == preset.document)
    }

    @Test("every preset cites a source for every value it sets, and only for fields", arguments: ChipPreset.allCases)
    func sources(preset: ChipPreset) throws {
        let tree = try JSONValue.parse(Array(preset.jsonText.utf8))
        let present = ChipDocument.specKeyPaths.filter { tree[$0.split(separator: ".").map(String.init)] != nil }
        let unsourced = present.filter { !$0.hasSuffix("name") && preset.document.sources[$0] == nil }
        #expect(unsourced.isEmpty, "\(preset.rawValue): no source for \(unsourced)")
        #expect(Set(preset.document.sources.keys).isSubset(of: ChipDocument.specKeyPaths))
        #expect(!(preset.document.description ?? "").isEmpty)
    }

    /// The schema's property paths, recursively (`device.levels`), and its required ones.
    static func schemaPaths(_ node: [String: Any], _ prefix: String = "") -> (all: Set<String>, required: Set<String>) {
        var all: Set<String> = [], required: Set<String> = []
        let props = node["properties"] as? [String: Any] ?? [:]
        for name in (node["required"] as? [String]) ?? [] { required.insert(prefix + name) }
        for (name, sub) in props {
            all.insert(prefix + name)
            if let s = sub as? [String: Any], s["properties"] != nil {
                let inner = schemaPaths(s, prefix + name + ".")
                all.formUnion(inner.all)
                required.formUnion(inner.required)
            }
        }
        return (all, required)
    }

    static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/chip-spec.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Key paths of a JSON tree's objects, recursively, except inside `sources` (a map).
    static func treePaths(_ v: JSONValue, _ prefix: String = "") -> Set<String> {
        guard case .object(let o) = v else { return [] }
        var out: Set<String> = []
        for (k, x) in o {
            out.insert(prefix + k)
            if prefix.isEmpty && k == "sources" { continue }
            out.formUnion(treePaths(x, prefix + k + "."))
        }
        return out
    }

    @Test("the schema's property names, recursively, are exactly the keys the encoder writes")
    func schemaMatchesEncoder() throws {
        var doc = ChipPreset.wu2023SoC.document  // has tileCount, a description and sources
        doc.spec.tileCount = 4
        doc.spec.device = doc.spec.device.withEveryOptionalTerm()
        let written = Self.treePaths(try JSONValue.parse(Array(doc.jsonText.utf8)))
        let schema = Self.schemaPaths(try Self.schema())
        #expect(schema.all == written, "only in the schema: \(schema.all.subtracting(written)); only written: \(written.subtracting(schema.all))")
        let leaves = schema.all.filter { p in !schema.all.contains { $0.hasPrefix(p + ".") } }.subtracting(["description", "sources"])
        #expect(Set(ChipDocument.specKeyPaths) == leaves && leaves.count == 50, "\(ChipDocument.specKeyPaths)")
        let topLevel = Set(ChipDocument.specKeyPaths.map { String($0.split(separator: ".")[0]) }).union(["description", "sources"])
        #expect(Set(schema.all.filter { !$0.contains(".") }) == topLevel)
    }

    @Test("every preset file has every key the schema requires", arguments: ChipPreset.allCases)
    func requiredKeys(preset: ChipPreset) throws {
        let tree = try JSONValue.parse(Array(preset.jsonText.utf8))
        let required = Self.schemaPaths(try Self.schema()).required
        #expect(required.count >= 20)
        let missing = required.filter { tree[$0.split(separator: ".").map(String.init)] == nil }
        #expect(missing.isEmpty, "\(preset.rawValue) lacks \(missing.sorted())")
    }

    @Test("the schema requires exactly the keys the decoder cannot do without")
    func requiredMatchesDecoder() throws {
        let required = Self.schemaPaths(try Self.schema()).required
        let text = ChipPreset.wu2023SoC.jsonText
        for key in ChipDocument.specKeyPaths {
            let path = key.split(separator: ".").map(String.init)
            let tree = try JSONValue.parse(Array(text.utf8)).replacing(path, with: nil)!
            let decodes = (try? ChipDocument.decode(tree, label: "test")) != nil
            #expect(decodes == !required.contains(key), "\(key): decodes without it: \(decodes), required by the schema: \(required.contains(key))")
        }
    }

    @Test("a preset round-trips through its document's JSON exactly", arguments: ChipPreset.allCases)
    func documentRoundTrip(preset: ChipPreset) throws {
        let again = try ChipDocument.parse(Array(preset.document.jsonText.utf8), label: "test")
        #expect(again == preset.document)
        #expect(Self.bits(again.spec) == Self.bits(preset.spec))
    }
}
