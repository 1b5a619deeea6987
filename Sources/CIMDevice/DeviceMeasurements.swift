import CIMCore
import Foundation

/// Device measurements read from a CSV file (format: `schemas/device-measurements-v1.md`): one
/// row per read, `device_id,target_uS,time_s,conductance_uS`, kept as per-(device, read time)
/// summaries (count, mean, sum of squared deviations) — all ``DeviceFit`` needs.
///
/// The file is untrusted input: its size is checked before it is read (``maxFileBytes``), rows,
/// devices, read times and line lengths are bounded, every field must be a plain decimal number
/// in its column's range, and the first problem is one error line naming the line and the column
/// (`m.csv:17: column conductance_uS: 'abc' is not a number`).
public struct DeviceMeasurements: Equatable, Sendable {
    /// The reads of one device at one read time.
    public struct Cell: Equatable, Sendable {
        /// Number of reads.
        public var count: Int
        /// Mean read, µS.
        public var mean: Double
        /// Sum of squared deviations of the reads from their mean, µS².
        public var sumSquares: Double

        public init(count: Int, mean: Double, sumSquares: Double) {
            self.count = count
            self.mean = mean
            self.sumSquares = sumSquares
        }
    }

    /// The column names, in order (the header line).
    public static let columns = ["device_id", "target_uS", "time_s", "conductance_uS"]
    /// The largest file read, bytes (256 MiB).
    public static let maxFileBytes = 256 << 20
    /// The most data rows.
    public static let maxRows = 10_000_000
    /// The most distinct devices.
    public static let maxDevices = 1_000_000
    /// The most distinct read times.
    public static let maxTimes = 64
    /// The longest line, bytes.
    public static let maxLineBytes = 1024
    /// The largest device id.
    public static let maxDeviceID = 999_999_999
    /// The largest conductance or target magnitude, µS (``DeviceModel/maxMicroSiemens``).
    public static let maxMicroSiemens = DeviceModel.maxMicroSiemens
    /// The largest read time, s (about 317 years).
    public static let maxSeconds = 1e10

    /// The device ids, in order of first appearance.
    public var deviceIDs: [Int]
    /// Each device's target conductance, µS.
    public var targets: [Double]
    /// The distinct read times, s, ascending.
    public var times: [Double]
    /// `cells[device][time]`: the device's reads at `times[time]` (count 0 when not read then).
    public var cells: [[Cell]]
    /// Number of data rows (reads).
    public var rows: Int
    /// SHA-256 of the file's bytes, hex.
    public var sha256: String

    /// Reads and checks the CSV file at `path` (``maxFileBytes`` checked before reading).
    public static func read(path: String) throws(CIMError) -> DeviceMeasurements {
        let name = (path as NSString).lastPathComponent
        let bytes = try BoundedFileRead.bytes(atPath: path, maxBytes: maxFileBytes, what: path)
        return try parse(bytes, label: name)
    }

    /// Parses CSV bytes; errors start with `label:LINE:`.
    public static func parse(_ bytes: [UInt8], label: String) throws(CIMError) -> DeviceMeasurements {
        guard bytes.count <= maxFileBytes else {
            throw .format(path: label, reason: "\(bytes.count) bytes is more than the limit of \(maxFileBytes) bytes")
        }
        func fail(_ line: Int, _ why: String) -> CIMError { .format(path: "\(label):\(line)", reason: why) }
        var deviceIndex: [Int: Int] = [:], timeIndex: [Double: Int] = [:]
        var ids: [Int] = [], targets: [Double] = [], firstLine: [Int] = [], times: [Double] = []
        var rowsDevice: [Int32] = [], rowsTime: [UInt8] = [], rowsValue: [Double] = []
        var sawHeader = false
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            var stop = end
            if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
            defer { start = next }
            guard stop - start <= maxLineBytes else { throw fail(lineNumber, "line is longer than \(maxLineBytes) bytes") }
            let line = bytes[start..<stop]
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 }
            if trimmed.isEmpty || trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) || trimmed.first == 0x23 { continue }  // blank, '#'
            guard let text = String(validating: line, as: UTF8.self) else { throw fail(lineNumber, "not UTF-8 text") }
            if let c = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
                throw fail(lineNumber, "contains the control character U+\(String(c.value, radix: 16, uppercase: true))")
            }
            let fields = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t")) }
            if !sawHeader {
                guard fields == columns else {
                    throw fail(lineNumber, "column \(firstMismatch(fields)): the header must be '\(columns.joined(separator: ","))'")
                }
                sawHeader = true
                continue
            }
            guard fields.count <= columns.count else {
                throw fail(lineNumber, "column \(fields.count): \(fields.count) columns; a row has \(columns.count) (\(columns.joined(separator: ",")))")
            }
            guard fields.count == columns.count else {
                throw fail(lineNumber, "column \(columns[fields.count]): missing (a row has \(columns.count) columns)")
            }
            guard rowsValue.count < maxRows else { throw fail(lineNumber, "more than \(maxRows) rows") }
            guard fields[0].allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int(fields[0]), (0...maxDeviceID).contains(id) else {
                throw fail(lineNumber, "column device_id: '\(clip(fields[0]))' is not a whole number in 0…\(maxDeviceID)")
            }
            let target = try number(fields[1], "target_uS", line: lineNumber, label: label)
            guard target > 0, target <= maxMicroSiemens else {
                throw fail(lineNumber, "column target_uS: \(fields[1]) must be in (0, \(Int(maxMicroSiemens))] µS")
            }
            let time = try number(fields[2], "time_s", line: lineNumber, label: label)
            guard time > 0, time <= maxSeconds else { throw fail(lineNumber, "column time_s: \(fields[2]) must be in (0, 1e10] s") }
            let g = try number(fields[3], "conductance_uS", line: lineNumber, label: label)
            guard abs(g) <= maxMicroSiemens else {
                throw fail(lineNumber, "column conductance_uS: \(fields[3]) must be within ±\(Int(maxMicroSiemens)) µS")
            }
            let d: Int
            if let known = deviceIndex[id] {
                d = known
                guard targets[d] == target else {
                    throw fail(lineNumber, "column target_uS: \(fields[1]) differs from device \(id)'s target \(targets[d]) (line \(firstLine[d]))")
                }
            } else {
                guard ids.count < maxDevices else { throw fail(lineNumber, "column device_id: more than \(maxDevices) devices") }
                d = ids.count
                deviceIndex[id] = d
                ids.append(id); targets.append(target); firstLine.append(lineNumber)
            }
            let k: Int
            if let known = timeIndex[time] {
                k = known
            } else {
                guard times.count < maxTimes else { throw fail(lineNumber, "column time_s: more than \(maxTimes) distinct read times") }
                k = times.count
                timeIndex[time] = k
                times.append(time)
            }
            rowsDevice.append(Int32(d)); rowsTime.append(UInt8(k)); rowsValue.append(g)
        }
        guard sawHeader else { throw .format(path: "\(label):1", reason: "column device_id: no header line (the file is empty)") }
        guard !rowsValue.isEmpty else { throw .format(path: "\(label):\(max(lineNumber, 1))", reason: "column device_id: no data rows") }
        // times ascending; cells by (device, time) with Welford's running mean and squares
        let order = times.indices.sorted { times[$0] < times[$1] }
        var rank = [Int](repeating: 0, count: times.count)
        for (r, k) in order.enumerated() { rank[k] = r }
        var cells = [[Cell]](repeating: [Cell](repeating: Cell(count: 0, mean: 0, sumSquares: 0), count: times.count), count: ids.count)
        for r in rowsValue.indices {
            let d = Int(rowsDevice[r]), k = rank[Int(rowsTime[r])], g = rowsValue[r]
            var c = cells[d][k]
            c.count += 1
            let delta = g - c.mean
            c.mean += delta / Double(c.count)
            c.sumSquares += delta * (g - c.mean)
            cells[d][k] = c
        }
        // every device is read at the first read time (its programmed value, t₀)
        for d in ids.indices where cells[d][0].count == 0 {
            throw .format(path: "\(label):\(firstLine[d])", reason:
                "column time_s: device \(ids[d]) has no read at the first read time \(order.first.map { times[$0] } ?? 0) s (it defines the programmed conductance)")
        }
        return DeviceMeasurements(deviceIDs: ids, targets: targets, times: order.map { times[$0] }, cells: cells,
                                  rows: rowsValue.count, sha256: SHA256.hex(of: bytes))
    }

    /// A plain decimal number (digits, one point, an optional sign and exponent): no `nan`,
    /// `inf`, hexadecimal or empty field; finite.
    static func number(_ field: String, _ column: String, line: Int, label: String) throws(CIMError) -> Double {
        let allowed = field.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2B || $0 == 0x2D || $0 == 0x65 || $0 == 0x45 }
        guard !field.isEmpty else { throw .format(path: "\(label):\(line)", reason: "column \(column): empty (a number is required)") }
        guard allowed, field.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }), let v = Double(field) else {
            throw .format(path: "\(label):\(line)", reason: "column \(column): '\(clip(field))' is not a number")
        }
        guard v.isFinite else { throw .format(path: "\(label):\(line)", reason: "column \(column): '\(clip(field))' is not finite") }
        return v
    }

    /// The first header field that differs from ``columns`` (its expected name).
    static func firstMismatch(_ fields: [String]) -> String {
        for (i, c) in columns.enumerated() where i >= fields.count || fields[i] != c { return c }
        return "\(fields.count)"
    }

    /// At most 40 characters of a field, for messages.
    static func clip(_ s: String) -> String { s.count <= 40 ? s : String(s.prefix(40)) + "…" }
}
