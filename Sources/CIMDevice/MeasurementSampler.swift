import CIMCore
import Foundation

/// Synthetic measurements of a known ``DeviceModel`` in the CSV format of
/// ``DeviceMeasurements`` (`schemas/device-measurements-v1.md`), drawn with the device's own
/// code: each device gets a target (a random level, or uniform over the window of a continuous
/// device), is programmed with ``DeviceModel/writeVerify(target:rng:)``, draws its drift exponent
/// (``DeviceModel/driftExponent(target:rng:)``), and at each read time is drifted and given its
/// accumulated 1/f noise (``DeviceModel/conductance(programmed:nu:seconds:readNoise:)``), then read
/// `reads` times (``DeviceModel/read(_:rng:)``).
public struct MeasurementSampler: Sendable {
    public var device: DeviceModel
    /// Number of devices (1…1 000 000).
    public var devices: Int
    /// Read times, s after programming, ascending (1…64 of them).
    public var times: [Double]
    /// Reads per device and time (1…1000).
    public var reads: Int
    /// Targets are drawn from [low, high] µS (nil = the device's window).
    public var targetRange: [Double]?
    public var seed: UInt64

    public init(device: DeviceModel, devices: Int, times: [Double], reads: Int, targetRange: [Double]? = nil, seed: UInt64) {
        self.device = device
        self.devices = devices
        self.times = times
        self.reads = reads
        self.targetRange = targetRange
        self.seed = seed
    }

    public func validate() throws(CIMError) {
        try device.validate()
        guard (1...DeviceMeasurements.maxDevices).contains(devices) else {
            throw .invalidConfig(field: "devices", reason: "\(devices) must be in 1…\(DeviceMeasurements.maxDevices)")
        }
        guard (1...DeviceMeasurements.maxTimes).contains(times.count),
              times.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= DeviceMeasurements.maxSeconds }),
              zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .invalidConfig(field: "times", reason: "\(times) must be 1…\(DeviceMeasurements.maxTimes) ascending times in (0, 1e10] s")
        }
        guard (1...1000).contains(reads) else { throw .invalidConfig(field: "reads", reason: "\(reads) must be in 1…1000") }
        let (rows, overflow) = devices.multipliedReportingOverflow(by: times.count * reads)
        guard !overflow, rows <= DeviceMeasurements.maxRows else {
            throw .invalidConfig(field: "devices", reason: "\(devices) devices × \(times.count) times × \(reads) reads is more than \(DeviceMeasurements.maxRows) rows")
        }
        if let r = targetRange {
            guard r.count == 2, r.allSatisfy({ $0.isFinite }), r[0] > 0, r[0] <= r[1], r[1] <= device.gMaxMicroSiemens else {
                throw .invalidConfig(field: "target-range", reason: "\(r) must be [low, high] with 0 < low ≤ high ≤ gMax \(device.gMaxMicroSiemens) µS")
            }
        }
    }

    /// The CSV text (header, then one row per read).
    public func csv() throws(CIMError) -> String {
        try validate()
        var rng = RandomGenerator(seed: seed, stream: "device-sample")
        var readNoise = RandomGenerator(seed: seed, stream: "device-sample-1f")
        let lo = targetRange?[0] ?? max(device.gMinMicroSiemens, device.gMaxMicroSiemens * 1e-3)
        let hi = targetRange?[1] ?? device.gMaxMicroSiemens
        var out = "# synthetic measurements of device \(device.name): \(devices) devices, seed \(seed)\n"
        out += DeviceMeasurements.columns.joined(separator: ",") + "\n"
        out.reserveCapacity(devices * times.count * reads * 32)
        for i in 0..<devices {
            var target: Double
            if device.levels >= 2 {
                let levels = (0..<device.levels).map(device.conductance(level:)).filter { $0 >= lo && $0 <= hi && $0 > 0 }
                target = levels.isEmpty ? device.quantize(lo) : levels[rng.nextInt(below: levels.count)]
            } else {
                target = lo + (hi - lo) * rng.nextDouble()
            }
            target = Double(Float(target))  // written and read back exactly
            let programmed = device.writeVerify(target: target, rng: &rng).conductance
            let nu = device.driftExponent(target: target, rng: &rng)
            let t = "\(i),\(target),"
            for s in times {
                let g = device.conductance(programmed: programmed, nu: nu, seconds: s, readNoise: &readNoise)
                for _ in 0..<reads { out += t + "\(s),\(device.read(g, rng: &rng))\n" }
            }
        }
        return out
    }
}
