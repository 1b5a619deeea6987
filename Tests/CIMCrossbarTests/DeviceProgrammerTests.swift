import CIMCore
import CIMCrossbar
import CIMDevice
import Testing

/// ``DeviceProgrammer``: the one programming path.
@Suite("DeviceProgrammer")
struct DeviceProgrammerTests {
    @Test("the per-device entry point is write-and-verify from the caller's stream; stuck devices keep their value")
    func write() {
        let d = ChipPreset.wu2023Inference.spec.device
        let p = DeviceProgrammer(device: d)
        var a = RandomGenerator(seed: 3), b = RandomGenerator(seed: 3)
        for target in [10, 30, 70] as [Float] {
            let mine = p.write(target, stuck: 0, rng: &a)
            let direct = d.writeVerify(target: Double(target), rng: &b)
            #expect(mine.g == Float(direct.conductance) && mine.trials == direct.trials)
        }
        #expect(p.write(30, stuck: 2, rng: &a) == (Float(d.gMaxMicroSiemens), 1))
        #expect(p.write(30, stuck: 1, rng: &a) == (Float(d.gMinMicroSiemens), 1))
    }

    @Test("whole arrays: stuck draws from their own stream (none without a stuck rate); all stuck high at rate 1")
    func program() {
        var d = ChipPreset.wu2023Inference.spec.device
        let targets: [Float] = [10, 14, 38, 70, 50]
        var s1 = DeviceProgrammer.Streams(seed: 1, prefix: "t"), s2 = s1
        let free = DeviceProgrammer(device: d).program(targets, seconds: 0, streams: &s1)
        #expect(s1.stuck.nextDouble() == s2.stuck.nextDouble(), "no stuck rate: the stuck stream is untouched")
        var direct = RandomGenerator(seed: 1, stream: "t/program")
        #expect(free.atTime == targets.map { Float(d.writeVerify(target: Double($0), rng: &direct).conductance) })
        d.stuckRate = 1
        d.stuckHighFraction = 1
        var s3 = DeviceProgrammer.Streams(seed: 1, prefix: "t")
        let stuck = DeviceProgrammer(device: d).program(targets, seconds: 3600, streams: &s3)
        #expect(stuck.initial.allSatisfy { $0 == Float(d.gMaxMicroSiemens) })
    }
}
