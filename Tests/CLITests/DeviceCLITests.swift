import Foundation
import Testing

/// `cim device sample` and `cim device fit` end to end.
@Suite("cim device", .serialized)
struct DeviceCLITests {
    let cli = CLITests()

    @Test("sample → fit writes a device a chip accepts, a record and a chip; a bad CSV is one line and no output")
    func sampleAndFit() throws {
        let dir = cli.tempDir()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = dir + "/m.csv"
        let sample = try cli.cim(["device", "sample", "pcm-like-inference", "--devices", "400", "--times", "20,3600", "--reads", "3", "--seed", "5", "--out", csv])
        #expect(sample.status == 0, "\(sample.stderr)")
        let fit = try cli.cim(["device", "fit", csv, "--chip", "pcm-like-inference", "--out", dir + "/d.json", "--chip-out", dir + "/chip.json",
                               "--plot", dir + "/fit.svg", "--bootstrap", "100"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("sigmaProg.c0") && fit.stdout.contains("driftNuSigma") && fit.stdout.contains("goodness of fit"))
        for f in ["d.json", "d-fit.json", "chip.json", "fit.svg"] { #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f)") }
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/d-fit.json"))) as? [String: Any]
        let input = record?["input"] as? [String: Any]
        #expect(input?["rows"] as? Int == 2400 && (input?["sha256"] as? String)?.count == 64)
        // the fitted chip is a chip file every --chip accepts; the device is a sampling source too
        let show = try cli.cim(["chip", "show", dir + "/chip.json"])
        #expect(show.status == 0 && show.stdout.contains("Fitted: cim device fit of m.csv"), "\(show.stderr)")
        let again = try cli.cim(["device", "sample", dir + "/d.json", "--devices", "10", "--out", dir + "/again.csv"])
        #expect(again.status == 0, "\(again.stderr)")

        try Data("device_id,target_uS,time_s,conductance_uS\n0,10,1,10\n0,10,1,abc\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
        let bad = try cli.cim(["device", "fit", dir + "/bad.csv", "--out", dir + "/bad.json"])
        #expect(bad.status != 0 && bad.stderr == "error: bad.csv:3: column conductance_uS: 'abc' is not a number\n", "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.json") && !FileManager.default.fileExists(atPath: dir + "/bad-fit.json"))
    }
}
