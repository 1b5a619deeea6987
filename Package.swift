// swift-tools-version:6.0
// CIMKit: a Swift toolchain for memristor compute-in-memory chips.
import PackageDescription

// MARK: - Public products
let products: [Product] = [
    .executable(name: "cim", targets: ["cim"]),
    .library(name: "CIMKit", targets: [
        "CIMCore", "CIMData", "CIMNetwork", "CIMDevice", "CIMCrossbar", "CIMTrain", "CIMHDF5", "CIMMap", "CIMChipImage", "CIMEvaluate", "CIMONNX",
    ]),
]

// MARK: - C shims (system libraries; OpenBLAS is loaded at run time, see Sources/CCIMBLAS)
let shims: [Target] = [
    .target(name: "CCIMBLAS", exclude: ["README.md"], linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "CCIMKernels", exclude: ["README.md"]),
    .target(name: "CCIMDNNL", exclude: ["README.md"], linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
]

// MARK: - Libraries (data → network → train; HDF5 files)
let libraries: [Target] = [
    .target(name: "CIMCore", dependencies: ["CCIMBLAS", "CCIMKernels"], exclude: ["README.md"]),
    .target(name: "CIMData", dependencies: ["CIMCore", "CZlib", "CIMHDF5"], exclude: ["README.md"]),
    .target(name: "CIMNetwork", dependencies: ["CIMCore", "CIMData", "CIMCrossbar", "CCIMDNNL", "CCIMKernels"], exclude: ["README.md"]),
    .target(name: "CIMDevice", dependencies: ["CIMCore"], exclude: ["README.md"]),
    .target(name: "CIMCrossbar", dependencies: ["CIMCore", "CIMDevice", "CCIMKernels"], exclude: ["README.md"]),
    .target(name: "CIMTrain", dependencies: ["CIMCore", "CIMData", "CIMNetwork", "CIMDevice", "CIMCrossbar"], exclude: ["README.md"]),
    .target(name: "CIMHDF5", dependencies: ["CIMCore", "CHDF5"], exclude: ["README.md"]),
    .target(name: "CIMMap", dependencies: ["CIMCore", "CIMNetwork", "CIMDevice", "CIMCrossbar"], exclude: ["README.md"]),
    .target(name: "CIMEvaluate", dependencies: ["CIMCore", "CIMData", "CIMDevice", "CIMNetwork", "CIMCrossbar", "CIMMap"], exclude: ["README.md"]),
    .target(name: "CIMONNX", dependencies: ["CIMCore", "CIMNetwork", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["README.md"]),
    .target(name: "CIMChipImage", dependencies: ["CIMCore", "CIMNetwork", "CIMCrossbar", "CIMMap", "CIMHDF5"], exclude: ["README.md"]),
]

// MARK: - Executables
let executables: [Target] = [
    .executableTarget(name: "cim", dependencies: [
        "CIMCore", "CIMHDF5", "CIMData", "CIMNetwork", "CIMDevice", "CIMCrossbar", "CIMTrain", "CIMMap", "CIMChipImage", "CIMEvaluate", "CIMONNX",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], exclude: ["README.md"]),
    .executableTarget(name: "CIMBench", dependencies: ["CIMCore", "CIMData", "CIMNetwork", "CIMCrossbar", "CIMTrain", "CIMMap", "CIMChipImage", "CIMEvaluate", "CIMONNX"],
                     exclude: ["README.md"]),
    // The readers under libFuzzer (scripts/fuzz.sh builds it with -sanitize=fuzzer,address -DCIM_FUZZ);
    // a plain build replays saved inputs.
    .executableTarget(name: "CIMFuzz", dependencies: ["CIMCore", "CIMCrossbar", "CIMDevice", "CIMData", "CIMNetwork", "CIMTrain", "CIMMap", "CIMONNX", "CIMHDF5", "CIMChipImage",
                                                     "CIMEvaluate"], exclude: ["README.md"]),
]

// MARK: - Tests
let tests: [Target] = [
    .testTarget(name: "CIMCoreTests", dependencies: ["CIMCore"]),
    .testTarget(name: "CIMDataTests", dependencies: ["CIMData", "CZlib", "CIMHDF5"]),
    .testTarget(name: "CIMNetworkTests", dependencies: ["CIMNetwork"]),
    .testTarget(name: "CIMDeviceTests", dependencies: ["CIMDevice"]),
    .testTarget(name: "CIMCrossbarTests", dependencies: ["CIMCrossbar", "CCIMKernels", "CIMCore", "CIMDevice"]),
    .testTarget(name: "CIMTrainTests", dependencies: ["CIMTrain"]),
    .testTarget(name: "CIMHDF5Tests", dependencies: ["CIMHDF5", "CIMCore", "CHDF5"]),
    .testTarget(name: "CIMMapTests", dependencies: ["CIMMap", "CIMCrossbar", "CIMData", "CIMTrain"]),
    .testTarget(name: "CIMEvaluateTests", dependencies: ["CIMEvaluate", "CIMMap", "CIMCrossbar", "CIMData", "CIMTrain"]),
    .testTarget(name: "CIMChipImageTests", dependencies: ["CIMChipImage", "CIMMap", "CIMHDF5", "CHDF5", "CIMCore", "CIMCrossbar", "CIMNetwork"]),
    .testTarget(name: "CIMONNXTests", dependencies: ["CIMONNX", "CIMNetwork", "CIMCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
    .testTarget(name: "CLITests", dependencies: ["CIMCore", "CIMData", "CIMNetwork", "CIMTrain", "CIMMap", "CIMChipImage", "CIMHDF5", "CHDF5"]),
]

let package = Package(
    name: "CIMKit",
    platforms: [.macOS(.v14)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: shims + libraries + executables + tests,
    swiftLanguageModes: [.v6]
)
