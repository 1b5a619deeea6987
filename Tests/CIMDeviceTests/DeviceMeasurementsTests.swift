import CIMCore
import CIMDevice
import Foundation
import Testing

@Suite("Device measurements CSV")
struct DeviceMeasurementsTests {
    static let header = "device_id,target_uS,time_s,conductance_uS\n"

    func parse(_ text: String) throws -> DeviceMeasurements { try DeviceMeasurements.parse(Array(text.utf8), label: "m.csv") }

    /// The one error line parsing `text` gives.
    func error(_ text: String) -> String {
        do { _ = try parse(text); return "no error" } catch { return "\(error)" }
    }

    @Test("a file with comments, blank lines, CRLF and spaces parses into per-device, per-time cells")
    func parses() throws {
        let text = "# a comment\r\n\r\n" + Self.header + "0, 10, 1, 10.5\r\n0,10,1,9.5\n  \n# again\n0,10,3600,9\n7,20.5,1,20\n"
        let m = try parse(text)
        #expect(m.deviceIDs == [0, 7] && m.targets == [10, 20.5] && m.times == [1, 3600] && m.rows == 4)
        #expect(m.cells[0][0] == .init(count: 2, mean: 10, sumSquares: 0.5))
        #expect(m.cells[0][1].count == 1 && m.cells[1][1].count == 0)
        #expect(m.sha256.count == 64)
    }

    @Test("every bad file is one line naming the line and the column")
    func badFiles() {
        let h = Self.header
        let cases: [(String, String)] = [
            (h + "0,10,1,10\n0,10,1,abc\n", "m.csv:3: column conductance_uS: 'abc' is not a number"),
            (h + "0,10,1,nan\n", "m.csv:2: column conductance_uS: 'nan' is not a number"),
            (h + "0,10,1,1e999\n", "m.csv:2: column conductance_uS: '1e999' is not finite"),
            (h + "0,10,-1,10\n", "m.csv:2: column time_s: -1 must be in (0, 1e10] s"),
            (h + "0,10,1\n", "m.csv:2: column conductance_uS: missing (a row has 4 columns)"),
            (h + "0,10,1,10,3\n", "m.csv:2: column 5: 5 columns; a row has 4 (device_id,target_uS,time_s,conductance_uS)"),
            (h + "0,10,1,\n", "m.csv:2: column conductance_uS: empty (a number is required)"),
            (h + "x,10,1,10\n", "m.csv:2: column device_id: 'x' is not a whole number in 0…999999999"),
            (h + "0,0,1,10\n", "m.csv:2: column target_uS: 0 must be in (0, 1000000] µS"),
            (h + "0,0x10,1,10\n", "m.csv:2: column target_uS: '0x10' is not a number"),
            (h + "0,10,1,10\n0,11,1,10\n", "m.csv:3: column target_uS: 11 differs from device 0's target 10.0 (line 2)"),
            (h + "0,10,5,10\n1,10,1,10\n", "m.csv:2: column time_s: device 0 has no read at the first read time 1.0 s (it defines the programmed conductance)"),
            ("device_id,target_uS,time,conductance_uS\n0,10,1,10\n", "m.csv:1: column time_s: the header must be 'device_id,target_uS,time_s,conductance_uS'"),
            ("", "m.csv:1: column device_id: no header line (the file is empty)"),
            ("# only a comment\n", "m.csv:1: column device_id: no header line (the file is empty)"),
            (h, "m.csv:1: column device_id: no data rows"),
            (h + "0,10,1," + String(repeating: "1", count: 2000) + "\n", "m.csv:2: line is longer than 1024 bytes"),
        ]
        for (text, want) in cases {
            let got = error(text)
            #expect(got == want, "\(text.prefix(80))")
            #expect(!got.contains("\n"))
        }
    }

    @Test("a file over the size limit is refused before it is read (a sparse 300 MiB file)")
    func hugeFile() throws {
        let path = NSTemporaryDirectory() + "cim-huge-\(getpid()).csv"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(Self.header.utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: 300 << 20)
        try h.close()
        #expect { try DeviceMeasurements.read(path: path) } throws: { e in
            "\(e)" == "\(path): 314572800 bytes is more than the limit of 268435456 bytes"
        }
    }

    @Test("too many distinct read times is an error at the row that adds one")
    func tooManyTimes() {
        let rows = (1...65).map { "0,10,\($0),10\n" }.joined()
        #expect(error(Self.header + rows) == "m.csv:66: column time_s: more than 64 distinct read times")
    }
}
