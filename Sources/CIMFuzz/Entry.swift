import Foundation

#if CIM_FUZZ
/// libFuzzer's driver (in the toolchain's libFuzzer runtime, linked by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The executable's entry point under libFuzzer (built by `scripts/fuzz.sh` with
/// `-sanitize=fuzzer,address -DCIM_FUZZ`): SwiftPM calls an executable's `main` `CIMFuzz_main`,
/// and this hands the command line to libFuzzer's driver.
@_cdecl("CIMFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        FuzzTarget.current.run(size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : [])
        return 0
    }
}
#else
/// Without libFuzzer: replays files (a corpus, or a crash input libFuzzer saved) through
/// `CIMFUZZ_TARGET`'s reader, e.g. `CIMFUZZ_TARGET=onnx .build/release/CIMFuzz crash-123`.
@main
struct CIMFuzzReplay {
    static func main() {
        if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "--mutate-images" {
            ImageCampaign.main(Array(CommandLine.arguments.dropFirst(2)))
        }
        if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "--mutate-files" {
            FileCampaign.main(Array(CommandLine.arguments.dropFirst(2)))
        }
        let target = FuzzTarget.current
        var accepted = 0, total = 0
        for path in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("CIMFuzz: \(path): no such file\n".utf8))
                exit(2)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                total += 1
                if target.run([UInt8](data)) { accepted += 1 }
            }
        }
        print("CIMFuzz \(target.rawValue): \(total) inputs replayed, \(accepted) accepted, \(total - accepted) refused with an error, no crash")
    }
}
#endif
