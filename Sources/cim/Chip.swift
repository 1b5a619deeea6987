import ArgumentParser
import CIMCore
import CIMCrossbar
import Foundation

/// `cim chip`: the chips CIMKit knows, and what a chip file holds.
struct Chip: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show chips: the presets (list) and one preset or chip file (show).",
        discussion: """
            A chip is a JSON document (schemas/chip-spec.md): the presets ship with CIMKit \
            (copies in schemas/chips/), and every --chip option also takes a chip file. \
            Example: cim chip show wu2023-inference --set adc.fullScaleMicroAmps=90
            """,
        subcommands: [Show.self, List.self])

    /// `cim chip list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the chip presets.")

        func run() throws {
            let width = ChipPreset.allCases.map(\.rawValue.count).max() ?? 0
            for p in ChipPreset.allCases {
                print(p.rawValue.padding(toLength: width + 2, withPad: " ", startingAt: 0) + Show.summary(p.spec))
            }
        }
    }

    /// `cim chip show NAME|FILE`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a chip's spec: every field with its unit and source, or (--json) its JSON document.")

        @Argument(help: "A chip preset (cim chip list) or a chip JSON file.")
        var chip: String

        @Option(name: .customLong("set"), help: ArgumentHelp("Change a field (repeatable), e.g. --set adc.fullScaleMicroAmps=90.", valueName: "key.path=value"))
        var set: [String] = []

        @Flag(help: "Print the chip's JSON document: a preset's text as shipped, otherwise the document as read (with --set applied), keys sorted.")
        var json = false

        func run() throws {
            let document = try ChipDocument.load(chip, set: set)
            if json {
                if set.isEmpty, !ChipDocument.isFileReference(chip), let preset = ChipPreset(rawValue: chip) {
                    print(preset.jsonText, terminator: "")
                } else {
                    print(document.jsonText, terminator: "")
                }
                return
            }
            let origin = (ChipDocument.isFileReference(chip) ? "chip file \(chip)" : "preset \(chip)")
                + set.map { ", --set \($0)" }.joined()
            print(try Self.table(document, from: origin))
        }

        /// One line: geometry, device, converters.
        static func summary(_ s: ChipSpec) -> String {
            let d = s.device
            let device = "\(d.name) (" + (d.levels >= 2 ? "\(d.levels) levels" : "continuous") + ", \(number(d.gMinMicroSiemens))–\(number(d.gMaxMicroSiemens)) µS)"
            let dac = s.dac.bits > 0 ? "DAC \(s.dac.bits) bit" + (s.dac.bitSerial ? " bit-serial" : "") : "ideal DAC"
            let adc = s.adc.bits > 0 ? "ADC \(s.adc.bits) bit ±\(number(s.adc.fullScaleMicroAmps)) µA, σ \(number(s.adc.noiseSigmaMicroAmps)) µA" : "ideal ADC"
            return "\(s.tileRows)×\(s.tileColumns) tiles" + (s.tileCount.map { " × \($0)" } ?? "") + ", \(device), \(dac), \(adc)"
        }

        /// `x` as JSON writes it (shortest text that reads back exactly).
        static func number(_ x: Double) -> String {
            (try? JSONEncoder().encode([x])).map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "\(x)"
        }

        /// The order fields are shown in; fields not listed follow, sorted.
        static let order = ["name", "tileRows", "tileColumns", "tileCount", "device.name", "device.levels", "device.gMinMicroSiemens",
                            "device.gMaxMicroSiemens", "device.readVoltage", "device.programmingSigmaMicroSiemens", "device.readSigmaMicroSiemens",
                            "device.programmingSigmaPolynomialMicroSiemens", "device.programmingSigmaPerLevelMicroSiemens",
                            "device.maxWriteTrials", "device.verifyToleranceLevels", "device.verifyAcceptanceRelative",
                            "device.initialMaxMicroSiemens", "device.stuckRate", "device.stuckHighFraction", "device.driftNu",
                            "device.driftNuLogSlope", "device.driftNuMeanRange", "device.driftNuSigma", "device.driftNuSigmaLogSlope",
                            "device.driftNuSigmaRange", "device.driftReferenceSeconds", "device.readNoise1fCoefficient",
                            "device.readNoise1fExponent", "device.readNoise1fMaxRelative", "device.readNoise1fReadSeconds",
                            "device.conductanceRangeMicroSiemens", "dac.bits", "dac.bitSerial", "adc.bits", "adc.fullScaleMicroAmps",
                            "adc.noiseSigmaMicroAmps", "adc.columnsPerADC"]

        /// The device keys every chip shows (the optional terms after them appear only when set).
        static let baseDeviceKeys: Set<String> = ["device.name", "device.levels", "device.gMinMicroSiemens", "device.gMaxMicroSiemens",
                                                  "device.readVoltage", "device.programmingSigmaMicroSiemens", "device.readSigmaMicroSiemens",
                                                  "device.maxWriteTrials", "device.verifyToleranceLevels", "device.initialMaxMicroSiemens",
                                                  "device.stuckRate", "device.stuckHighFraction", "device.driftNu"]

        /// The unit a key's name states.
        static func unit(_ key: String) -> String {
            if key.hasSuffix("MicroSiemens") { return "µS" }
            if key.hasSuffix("MicroAmps") { return "µA" }
            if key.hasSuffix("Voltage") { return "V" }
            if key.hasSuffix("bits") { return "bit" }
            if key.hasSuffix("Levels") { return "Δ" }
            if key.hasSuffix("Seconds") { return "s" }
            return ""
        }

        /// Every field with its value, unit and source, then derived quantities.
        static func table(_ doc: ChipDocument, from origin: String) throws -> String {
            let s = doc.spec
            let tree = try JSONValue.parse(Array(try JSONEncoder().encode(s)))
            // optional device terms only when the chip has them (absent = off; the schema lists them all)
            let terms = Set(ChipDocument.specKeyPaths.filter { $0.hasPrefix("device.") && !Self.baseDeviceKeys.contains($0) })
            let keys = (order.filter(ChipDocument.specKeyPaths.contains) + ChipDocument.specKeyPaths.filter { !order.contains($0) })
                .filter { !terms.contains($0) || tree[$0.split(separator: ".").map(String.init)] != nil }
            var lines = ["chip \(s.name) (\(origin))"]
            if let d = doc.description { lines.append(d) }
            let width = keys.map(\.count).max() ?? 0
            let values = keys.map { key -> String in
                guard let v = tree[key.split(separator: ".").map(String.init)] else { return key == "tileCount" ? "none (unlimited)" : "–" }
                let text: String
                switch v {
                case .string(let t): text = t
                default: text = v.text
                }
                let u = unit(key)
                return u.isEmpty ? text : text + " " + u
            }
            let valueWidth = values.map(\.count).max() ?? 0
            for (key, value) in zip(keys, values) {
                let source = doc.sources[key].map { "  " + $0 } ?? ""
                lines.append(key.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                    + (source.isEmpty ? value : value.padding(toLength: valueWidth, withPad: " ", startingAt: 0)) + source)
            }
            let d = s.device
            var derived = ["\(s.tileRows * s.weightColumns) weights per tile (\(s.tileRows) rows × \(s.weightColumns) pairs)"]
            if d.levels >= 2 { derived.append(String(format: "level spacing Δ = %.4g µS", d.levelSpacingMicroSiemens)) }
            derived.append(String(format: "read current ≤ %.4g µA per device", d.gMaxMicroSiemens * d.readVoltage))
            if s.adc.bits > 0 { derived.append(String(format: "ADC step %.4g µA", s.adc.stepMicroAmps)) }
            lines.append("derived: " + derived.joined(separator: ", "))
            return lines.joined(separator: "\n")
        }
    }
}
