// swift-tools-version: 6.0
import PackageDescription

// Layers form a DAG (see README "Architecture"):
//   Asyncify (fiber core) and WasmBinary use nothing;
//   WasmInterpreter -> WasmBinary; AsyncifyTransform -> WasmBinary;
//   AsyncifyHost -> WasmInterpreter, Asyncify, AsyncifyTransform;
//   TBCodegen -> WasmBinary; TBRuntime -> TBCodegen, WasmInterpreter, Asyncify;
//   executables -> everything; BenchmarkSupport and TestSupport (harness code, no
//   product) -> the libraries they measure or test.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// The interpreter loop is one big `switch`. LLVM duplicates its jump-table
// dispatch into every case (one indirect jump per opcode, which the branch
// predictor learns far better than one shared jump, and no jumps through
// shared tails) only below a predecessor/successor limit (16) that a
// 250-case switch exceeds; lifting the limit made the loop and CRC-32
// kernels 1.3-1.6x faster. Release builds of that one target only. (Swift
// skips LLVM code generation when a file's IR is unchanged, so after
// editing these flags delete .build/release/WasmInterpreter.build/*.o.)
let threadedDispatch: [SwiftSetting] = [
    .unsafeFlags(
        ["-Xllvm", "-tail-dup-pred-size=1024", "-Xllvm", "-tail-dup-succ-size=1024"],
        .when(configuration: .release))
]

let package = Package(
    name: "swift-asyncify",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Asyncify", targets: ["Asyncify"]),
        .library(name: "WasmBinary", targets: ["WasmBinary"]),
        .library(name: "WasmInterpreter", targets: ["WasmInterpreter"]),
        .library(name: "AsyncifyHost", targets: ["AsyncifyHost"]),
        .library(name: "TBCodegen", targets: ["TBCodegen"]),
        .library(name: "AsyncifyTransform", targets: ["AsyncifyTransform"]),
        .library(name: "TBRuntime", targets: ["TBRuntime"]),
        .executable(name: "asyncify", targets: ["AsyncifyCLI"]),
        .executable(name: "switch-bench", targets: ["SwitchBench"]),
        .executable(name: "riscv-demo", targets: ["RISCVDemo"]),
    ],
    targets: [
        .target(name: "Asyncify", swiftSettings: strict),
        .target(name: "WasmBinary", swiftSettings: strict),
        .target(name: "CNativeStack"),
        .target(name: "WasmNative", swiftSettings: strict),
        .target(name: "WasmInterpreter", dependencies: ["WasmBinary", "CNativeStack", "WasmNative"], swiftSettings: strict + threadedDispatch),
        .target(name: "AsyncifyHost", dependencies: ["WasmInterpreter", "Asyncify", "AsyncifyTransform"], swiftSettings: strict),
        .target(name: "TBCodegen", dependencies: ["WasmBinary"], swiftSettings: strict),
        .target(name: "AsyncifyTransform", dependencies: ["WasmBinary"], swiftSettings: strict),
        .target(
            name: "TBRuntime", dependencies: ["TBCodegen", "WasmInterpreter", "Asyncify"],
            swiftSettings: strict),
        .target(name: "WasmSpec", dependencies: ["WasmBinary", "WasmInterpreter"], swiftSettings: strict),
        // Harness code, in no product: the workloads switch-bench and `asyncify tb bench`
        // time, and what the tests share (seeded generators, running external tools).
        .target(
            name: "BenchmarkSupport",
            dependencies: ["Asyncify", "AsyncifyHost", "TBCodegen", "TBRuntime", "WasmBinary", "WasmInterpreter"],
            path: "Benchmarks/Support", swiftSettings: strict),
        .target(
            name: "TestSupport", dependencies: ["TBCodegen", "WasmBinary", "WasmInterpreter"], path: "Tests/Support",
            swiftSettings: strict),
        .executableTarget(
            name: "AsyncifyCLI",
            dependencies: [
                "WasmBinary", "WasmInterpreter", "WasmSpec", "Asyncify", "AsyncifyHost", "AsyncifyTransform",
                "TBCodegen", "TBRuntime", "BenchmarkSupport", "TestSupport",
            ],
            swiftSettings: strict),
        .target(name: "NativeSwitch", path: "Benchmarks/NativeSwitch"),
        .executableTarget(
            name: "SwitchBench",
            dependencies: ["Asyncify", "AsyncifyHost", "TBRuntime", "WasmInterpreter", "NativeSwitch", "BenchmarkSupport"],
            path: "Benchmarks/SwitchBench",
            swiftSettings: strict),
        .target(
            name: "RISCVEmulator", dependencies: ["TBCodegen", "TBRuntime", "Asyncify", "WasmInterpreter"], path: "Examples/riscv/Sources/RISCVEmulator",
            swiftSettings: strict),
        .executableTarget(
            name: "RISCVDemo", dependencies: ["RISCVEmulator"], path: "Examples/riscv/Sources/RISCVDemo",
            swiftSettings: strict),
        .testTarget(
            name: "RISCVEmulatorTests", dependencies: ["RISCVEmulator", "TestSupport", "WasmInterpreter"],
            path: "Examples/riscv/Tests/RISCVEmulatorTests", swiftSettings: strict),
        // Examples/: one small program per public module, run by ExamplesTests.
        .executableTarget(
            name: "HostResume", dependencies: ["AsyncifyHost", "WasmBinary", "WasmInterpreter"],
            path: "Examples/HostResume", exclude: ["sum.wat", "build.sh"],
            resources: [.copy("Resources/sum.wasm")], swiftSettings: strict),
        .executableTarget(
            name: "FiberGenerator", dependencies: ["Asyncify"], path: "Examples/FiberGenerator",
            swiftSettings: strict),
        .executableTarget(
            name: "TBScheduler", dependencies: ["Asyncify", "TBCodegen", "TBRuntime"],
            path: "Examples/TBScheduler", swiftSettings: strict),
        .testTarget(
            name: "ExamplesTests", dependencies: ["FiberGenerator", "HostResume", "TBScheduler", "TestSupport"],
            swiftSettings: strict),
        .testTarget(name: "AsyncifyTests", dependencies: ["Asyncify", "TestSupport"], swiftSettings: strict),
        // The spec suite's location and skip line for every test that reads it.
        .target(name: "SpecSuiteSupport", dependencies: ["WasmSpec"], path: "Tests/SpecSuiteSupport", swiftSettings: strict),
        .testTarget(
            name: "WasmBinaryTests", dependencies: ["WasmBinary", "SpecSuiteSupport", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "WasmInterpreterTests", dependencies: ["WasmInterpreter", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WasmNativeTests", dependencies: ["WasmNative", "WasmInterpreter", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "AsyncifyHostTests", dependencies: ["AsyncifyHost", "TestSupport"], exclude: ["Programs"],
            swiftSettings: strict),
        .testTarget(
            name: "AsyncifyTransformTests", dependencies: ["AsyncifyTransform", "AsyncifyHost", "TestSupport"], exclude: ["Programs"],
            swiftSettings: strict),
        .testTarget(name: "TBCodegenTests", dependencies: ["TBCodegen", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TBRuntimeTests", dependencies: ["TBRuntime", "TestSupport", "WasmInterpreter"], swiftSettings: strict),
        .testTarget(name: "WasmSpecTests", dependencies: ["WasmSpec", "SpecSuiteSupport"], swiftSettings: strict),
        // Runs the built `asyncify` executable as a separate process.
        .testTarget(name: "AsyncifyCLITests", dependencies: ["SpecSuiteSupport", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "SwitchBenchTests", dependencies: ["SwitchBench", "NativeSwitch", "BenchmarkSupport", "WasmInterpreter"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
