import CIMCore
import CIMCrossbar
import CIMDevice
import Foundation
import Testing

/// Chip files as untrusted input, and `--set` overrides.
@Suite("Chip documents: strict reading and --set")
struct ChipDocumentTests {
    /// The SoC preset's text with `edit` applied to its tree.
    static func socText(_ edit: (JSONValue) -> JSONValue?) throws -> [UInt8] {
        let tree = try JSONValue.parse(Array(ChipPreset.wu2023SoC.jsonText.utf8))
        return Array(try #require(edit(tree)).text.utf8)
    }

    /// The one-line message of a failed parse.
    static func failure(_ bytes: [UInt8]) -> String {
        do {
            _ = try ChipDocument.parse(bytes, label: "chip file my.json")
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("a bad chip document gives one line naming the file and the key path",
          arguments: [
            (#"{"adc": {"fullScaleMicroAmps": -3}}"#, "adc.fullScaleMicroAmps: -3.0 µA must be > 0"),
            (#"{"tileRows": 0}"#, "tileRows: 0 must be ≥ 1"),
            (#"{"tileColumns": 63}"#, "tileColumns: 63 must be even"),
            (#"{"tileRows": 65536, "tileColumns": 65536}"#, "tileColumns: 65536 rows × 65536 columns must be at most 16777216 cells"),
            (#"{"tileRows": 4611686018427387904, "tileColumns": 4}"#, "tileColumns: 4611686018427387904 rows × 4 columns"),
            (#"{"tileCount": 0}"#, "tileCount: 0 must be in 1…"),
            (#"{"device": {"gMaxMicroSiemens": 5}}"#, "device.gMaxMicroSiemens: 5.0 must exceed gMin 8.2"),
            (#"{"device": {"gMaxMicroSiemens": 1e300}}"#, "device.gMaxMicroSiemens: 1e+300 µS must be ≤"),
            (#"{"device": {"levels": 1}}"#, "device.levels: 1 must be 0 (continuous) or in 2…65536"),
            (#"{"device": {"maxWriteTrials": 1000000000}}"#, "device.maxWriteTrials: 1000000000 must be in 1…1000"),
            (#"{"device": {"driftNu": 1}}"#, "device.driftNu: 1.0 must be in (−1, 1)"),
            (#"{"dac": {"bits": 17}}"#, "dac.bits: 17 must be in 0…16"),
            (#"{"adc": {"bits": 1}}"#, "adc.bits: 1 must be in 2…24"),
            (#"{"adc": {"fullScaleMicroAmps": 1e30}}"#, "adc.fullScaleMicroAmps: 1e+30 µA must be ≤"),
            (#"{"adc": {"columnsPerADC": 65}}"#, "adc.columnsPerADC: 65 must be at most the tile's 64 columns"),
            (#"{"adc": {"noiseSigmaMicroAmps": "0.5"}}"#, #"adc.noiseSigmaMicroAmps: expected a number, found "0.5""#),
            (#"{"tileRows": 64.5}"#, "tileRows: expected an integer in"),
            (#"{"tileRows": 1e400}"#, "tileRows: expected an integer in"),
            (#"{"adc": {"fullScaleMicroAmps": 1e400}}"#, "adc.fullScaleMicroAmps: expected a number within ±1.8e308, found 1e400"),
            (#"{"dac": {"bitSerial": 1}}"#, "dac.bitSerial: expected true or false, found 1"),
            (#"{"name": "soc\u001b[31m"}"#, "name: contains the control character U+1B"),
            (#"{"description": "two\nlines"}"#, "description: contains the control character U+A"),
            (#"{"adc": {"fullScale": 90}}"#, "unknown key 'adc.fullScale' (adc has: bits, columnsPerADC, fullScaleMicroAmps, noiseSigmaMicroAmps)"),
            (#"{"tileRow": 64}"#, "unknown key 'tileRow' (a chip has: adc, dac, description, device, name, sources, tileColumns, tileCount, tileRows)"),
            (#"{"sources": {"adc.fullScale": "me"}}"#, "sources.adc.fullScale: 'adc.fullScale' is not a field of a chip"),
            (#"{"device": 3}"#, "device: expected an object, found 3"),
          ])
    func badField(edit: String, expected: String) throws {
        // merge the edit's leaves into the SoC preset
        let patch = try JSONValue.parse(Array(edit.utf8))
        func merge(_ base: JSONValue, _ p: JSONValue) -> JSONValue {
            guard case .object(var b) = base, case .object(let q) = p else { return p }
            for (k, v) in q { b[k] = b[k].map { merge($0, v) } ?? v }
            return .object(b)
        }
        let message = Self.failure(try Self.socText { merge($0, patch) })
        #expect(message.hasPrefix("chip file my.json: "), "\(message)")
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("a missing field, a key twice, bad syntax and deep nesting are one line each",
          arguments: [
            ("remove tileRows", "tileRows: missing"),
            ("remove adc.bits", "adc.bits: missing"),
            ("twice", #"not valid JSON: line 1, column 10: key "x" appears twice in one object"#),
            ("syntax", "not valid JSON: line 2, column 15: expected ',' or '}'"),
            ("nesting", "nested deeper than 8 levels"),
            ("array", "expected a JSON object, found an array"),
            ("comment", "unexpected character '/'"),
          ])
    func structure(kind: String, expected: String) throws {
        let bytes: [UInt8]
        switch kind {
        case "remove tileRows": bytes = try Self.socText { $0.replacing(["tileRows"], with: nil) }
        case "remove adc.bits": bytes = try Self.socText { $0.replacing(["adc", "bits"], with: nil) }
        case "twice": bytes = Array(#"{"x": 1, "x": 2}"#.utf8)
        case "syntax": bytes = Array("{\n  \"name\": \"a\" \"tileRows\": 1}".utf8)
        case "nesting": bytes = Array(("{\"sources\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
        case "array": bytes = Array("[1, 2]".utf8)
        default: bytes = Array("// a chip\n{}".utf8)
        }
        let message = Self.failure(bytes)
        #expect(message.hasPrefix("chip file my.json: ") && message.contains(expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("chip files: a size limit before reading, regular files only, and a file round-trips exactly")
    func files() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-chipdoc-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = dir + "/big.json"
        try Data(count: ChipDocument.maxFileBytes + 1).write(to: URL(fileURLWithPath: big))
        #expect(throws: CIMError.io(path: "chip file \(big)", reason: "1048577 bytes is more than the limit of 1048576 bytes")) {
            try ChipDocument.read(path: big)
        }
        #expect(throws: CIMError.io(path: "chip file \(dir)", reason: "not a regular file")) { try ChipDocument.read(path: dir) }
        let fifo = dir + "/fifo.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: CIMError.io(path: "chip file \(fifo)", reason: "not a regular file")) { try ChipDocument.read(path: fifo) }
        // a user's chip: the inference chip with a wider ADC, written by hand with numbers that do not round-trip through a float
        var doc = ChipPreset.wu2023Inference.document
        doc.spec.name = "my-chip"
        doc.spec.adc.fullScaleMicroAmps = 90.1
        doc.spec.device.readSigmaMicroSiemens = 0.1 + 0.2
        doc.sources["adc.fullScaleMicroAmps"] = "a what-if"
        let path = dir + "/my-chip.json"
        try Data(doc.jsonText.utf8).write(to: URL(fileURLWithPath: path))
        let back = try ChipDocument.read(path: path)
        #expect(back == doc)
        #expect(back.spec.device.readSigmaMicroSiemens.bitPattern == (0.1 + 0.2).bitPattern)
        #expect(try ChipDocument.load(path) == doc)
        let changed = try ChipDocument.load(path, set: ["adc.bits=6"])
        #expect(changed.spec.adc.bits == 6 && changed.spec.name == "my-chip with adc.bits=6")
        #expect(changed.sources["adc.bits"] == "--set adc.bits=6" && changed.sources["adc.fullScaleMicroAmps"] == "a what-if")
        #expect(ChipDocument.isFileReference(path) && ChipDocument.isFileReference("missing.json") && !ChipDocument.isFileReference("ideal"))
        #expect(throws: CIMError.self) { try ChipDocument.load(dir + "/missing.json") }
    }

    @Test("--set replaces one field keeping its type, re-validates, and records itself")
    func overrides() throws {
        let base = ChipPreset.wu2023Inference.document
        let doc = try ChipDocument.load("wu2023-inference", set: ["adc.fullScaleMicroAmps=90", "device.readSigmaMicroSiemens=0.6"])
        var want = base.spec
        want.adc.fullScaleMicroAmps = 90
        want.device.readSigmaMicroSiemens = 0.6
        want.name = "wu2023-inference with adc.fullScaleMicroAmps=90, device.readSigmaMicroSiemens=0.6"
        #expect(doc.spec == want)
        #expect(ChipPresetTests.bits(doc.spec).count == ChipPresetTests.bits(want).count)
        #expect(ChipPresetTests.bits(doc.spec) == ChipPresetTests.bits(want))
        #expect(doc.sources["adc.fullScaleMicroAmps"] == "--set adc.fullScaleMicroAmps=90")
        #expect(doc.sources["tileRows"] == base.sources["tileRows"])
        // optional fields: added and removed; the name can be set
        #expect(try ChipDocument.load("wu2023-inference", set: ["tileCount=8"]).spec.tileCount == 8)
        #expect(try ChipDocument.load("wu2023-soc", set: ["tileCount=null"]).spec.tileCount == nil)
        #expect(try ChipDocument.load("ideal", set: ["name=mine", "dac.bitSerial=true"]).spec.name == "mine")
        // the oracle: an override equals editing the spec in Swift, for every field type
        #expect(try ChipDocument.load("ideal", set: ["dac.bitSerial=true"]).spec.dac.bitSerial)
        #expect(try ChipDocument.load("ideal", set: ["device.levels=16"]).spec.device.levels == 16)
        // arrays of numbers (the device terms' ranges and polynomials): replaced, added, removed
        let pcm = try ChipDocument.load("pcm-like-inference", set: ["device.driftNuMeanRange=[0.05,0.09]"]).spec.device
        #expect(pcm.driftNuMeanRange == [0.05, 0.09])
        let added = try ChipDocument.load("wu2023-inference", set: ["device.programmingSigmaMicroSiemens=0", "device.programmingSigmaPolynomialMicroSiemens=[1,0.5]"])
        #expect(added.spec.device.programmingSigmaPolynomialMicroSiemens == [1, 0.5])
        let removed = try ChipDocument.load("pcm-like-inference", set: ["device.driftNuLogSlope=null", "device.driftNuMeanRange=null"]).spec.device
        #expect(removed.driftNuMeanRange == nil && removed.driftNuLogSlope == nil)
    }

    @Test("a bad --set is one line naming the flag or the field",
          arguments: [
            ("adc.fullScale=90", "invalid --set adc.fullScale=90: unknown key path 'adc.fullScale' (a chip's fields: adc.bits,"),
            ("adc=90", "unknown key path 'adc'"),
            ("tileRows", "invalid --set tileRows: expected KEY.PATH=VALUE"),
            ("tileRows=abc", "invalid --set tileRows=abc: 'abc' is not a number"),
            ("tileRows=0x10", "'0x10' is not a number"),
            ("dac.bitSerial=1", "invalid --set dac.bitSerial=1: '1' is not true or false"),
            ("adc.fullScaleMicroAmps=-3", "chip preset wu2023-inference with --set adc.fullScaleMicroAmps=-3: adc.fullScaleMicroAmps: -3.0 µA must be > 0"),
            ("device.gMinMicroSiemens=80", "device.gMaxMicroSiemens: 70.0 must exceed gMin 80.0"),
            ("tileRows=64.5", "tileRows: expected an integer"),
            ("tileRows=null", "tileRows: missing"),
            ("device.programmingSigmaPolynomialMicroSiemens=[1,\"a\"]", "is not a JSON array of numbers"),
            ("device.programmingSigmaPolynomialMicroSiemens=[1,2", "is not a JSON array of numbers"),
          ])
    func badOverride(text: String, expected: String) {
        var message = "no error"
        do { _ = try ChipDocument.load("wu2023-inference", set: [text]) } catch { message = error.description }
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("an unknown preset names the presets and the file form")
    func unknownPreset() {
        #expect(throws: CIMError.invalidConfig(field: "chip", reason: "unknown chip preset 'tpu' (known: wu2023-soc, wu2023-inference, pcm-like-inference, hermes-like-inference, neurram-like-inference, cmo-hfox-like-inference, ideal; a chip file is a path that exists or ends in .json)")) {
            try ChipDocument.load("tpu")
        }
    }

    @Test("validate() names the chip and the field; the ideal periphery keeps the chip's ADC full scale")
    func validateMessages() {
        var s = ChipPreset.wu2023SoC.spec
        s.device.levels = 1
        #expect(throws: CIMError.invalidConfig(field: "chip wu2023-soc.device.levels", reason: "1 must be 0 (continuous) or in 2…65536")) { try s.validate() }
        let ideal = ChipPreset.wu2023Inference.spec.withIdealPeriphery
        #expect(ideal.adc.bits == 0 && ideal.dac.bits == 0 && ideal.adc.noiseSigmaMicroAmps == 0)
        #expect(ideal.adc.fullScaleMicroAmps == ChipPreset.wu2023Inference.spec.adc.fullScaleMicroAmps)
    }
}
