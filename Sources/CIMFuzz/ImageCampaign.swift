import CIMChipImage
import CIMCore
import CIMEvaluate
import Foundation

/// `CIMFuzz --mutate-images COUNT SEED IMAGE…`: re-sealed random mutations of real chip images
/// through the whole reading path (seal → isolated libhdf5 reader → checks), COUNT per image.
///
/// Each mutation flips, overwrites, inserts or deletes 1–8 bytes after the 512-byte seal, or
/// overwrites a run of up to 64 bytes, then re-seals the file so that only the HDF5 structures
/// and the checks stand between it and the reader. An image `verify` accepts is then used as
/// `evaluate` uses it (noiseless engine, quantised network, a forward pass). Prints the counts
/// of each outcome; a crash of this process (the parent) is the failure being looked for,
/// crashes of the isolated reader are counted.
enum ImageCampaign {
    static func main(_ args: [String]) -> Never {
        guard args.count >= 3, let count = Int(args[0]), count > 0, let seed = UInt64(args[1]) else {
            FileHandle.standardError.write(Data("usage: CIMFuzz --mutate-images COUNT SEED IMAGE.h5…\n".utf8))
            exit(2)
        }
        var rng = SplitMix(state: seed)
        let scratch = NSTemporaryDirectory() + "cimfuzz-image-\(getpid().description).h5"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var outcomes: [String: Int] = [:]
        let start = Date()
        var slowest = 0.0
        for image in args.dropFirst(2) {
            guard let original = FileManager.default.contents(atPath: image).map([UInt8].init), original.count > 1024 else {
                FileHandle.standardError.write(Data("CIMFuzz: cannot read \(image)\n".utf8))
                exit(2)
            }
            for n in 0..<count {
                var bytes = original
                ByteMutator.mutate(&bytes, from: 512, rng: &rng)
                guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes)),
                      (try? ChipImageFile.seal(path: scratch)) != nil else { outcomes["unsealable", default: 0] += 1; continue }
                let t0 = Date()
                let problems = ChipImageFile.verify(path: scratch)
                slowest = max(slowest, Date().timeIntervalSince(t0))
                if problems.isEmpty {
                    do {
                        let img = try ChipImageFile.read(path: scratch)
                        var engine = try ChipInstance.noiseless(img)
                        var network = try img.quantizedNetwork()
                        let x = Tensor(zeros: [2] + img.architecture.inputShape)
                        _ = network.forward(x, training: false, engine: &engine)
                        outcomes["accepted and used", default: 0] += 1
                    } catch {
                        print("CIMFuzz: FAIL \(image) mutation \(n): verify passed, then: \(error)")
                        outcomes["verify passed, later failed", default: 0] += 1
                    }
                } else if problems.contains(where: { $0.contains("crashed") || $0.contains("was killed") || $0.contains("CPU time") }) {
                    outcomes["refused: the isolated reader crashed", default: 0] += 1
                } else if problems.contains(where: { $0.contains("did not finish") }) {
                    outcomes["refused: the isolated reader timed out", default: 0] += 1
                } else if problems.contains(where: { $0.contains("not a readable HDF5 file") }) {
                    outcomes["refused: libhdf5 error", default: 0] += 1
                } else {
                    outcomes["refused by a check", default: 0] += 1
                }
                if (n + 1) % 1000 == 0 {
                    print("CIMFuzz: \(image): \(n + 1)/\(count) in \(Int(Date().timeIntervalSince(start))) s")
                }
            }
        }
        let total = outcomes.values.reduce(0, +)
        print("CIMFuzz --mutate-images: \(total) re-sealed mutations in \(String(format: "%.0f", Date().timeIntervalSince(start))) s "
              + "(slowest verify \(String(format: "%.2f", slowest)) s), parent peak RSS \(Int(ProcessStats.peakResidentMB)) MB")
        for (k, v) in outcomes.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
        exit(outcomes["verify passed, later failed", default: 0] == 0 ? 0 : 1)
    }
}

/// A small seeded generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
