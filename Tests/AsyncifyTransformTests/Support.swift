// Shared helpers: the emcc programs before their Asyncify pass, running
// modules on the host with captured output, and external tools.

import AsyncifyHost
import AsyncifyTransform
import Foundation
import TestSupport
import WasmBinary
import WasmInterpreter

enum Inputs {
    /// `Tests/AsyncifyTransformTests/Programs`: `<name>.pre.wasm` and `<name>.imports` (see build.sh).
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Programs")
    /// `Tests/AsyncifyHostTests/Programs`: the C sources, Binaryen-instrumented builds and node outputs.
    static let hostPrograms = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("AsyncifyHostTests/Programs")

    static let programs = [
        "fibers", "roundrobin", "deeprecursion", "sleep", "entryreturns", "overflow", "mallocprintf",
        "badswap",
    ]

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// The module emcc built before running Binaryen's Asyncify pass.
    static func preAsyncify(_ name: String) throws -> Module {
        try Module(decoding: try bytes(directory.appendingPathComponent("\(name).pre.wasm")))
    }

    /// The import list emcc passed to Binaryen for this program.
    static func importList(_ name: String) throws -> [String] {
        let text = try String(
            contentsOf: directory.appendingPathComponent("\(name).imports"), encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
    }

    /// The Binaryen-instrumented build emcc produced (the host tests' program).
    static func binaryenBuild(_ name: String) throws -> Module {
        try Module(decoding: try bytes(hostPrograms.appendingPathComponent("\(name).wasm")))
    }

    /// Our instrumentation of the pre-Asyncify module, with emcc's import list.
    static func ours(_ name: String) throws -> Module {
        var options = AsyncifyTransform.Options()
        options.asyncImports = try importList(name)
        return try AsyncifyTransform.instrument(try preAsyncify(name), options: options)
    }
}

/// What a program did on the host.
struct ProgramRun {
    var stdout: [UInt8]
    var exitCode: Int32?
    var error: (any Error)?

    var errorReason: String? {
        guard let error else { return nil }
        if let host = error as? AsyncifyHostError { return "\(host.reason)" }
        return "\(type(of: error))"
    }
}

/// Runs `module` through `_start`, capturing stdout.
func runProgram(_ module: Module) throws -> ProgramRun {
    var stdout: [UInt8] = []
    let options = AsyncifyInstance.Options(arguments: ["prog"]) { fd, bytes in
        if fd == 1 { stdout += bytes }
    }
    let host = try AsyncifyInstance(module: module, options: options)
    do {
        let code = try host.runStart()
        return ProgramRun(stdout: stdout, exitCode: code, error: nil)
    } catch {
        return ProgramRun(stdout: stdout, exitCode: nil, error: error)
    }
}

extension ExternalTool {
    /// Runs `wasm-validate` on `bytes`; nil when the tool is missing, else its verdict and output.
    static func wasmValidate(_ bytes: [UInt8], features: [String] = []) throws -> (ok: Bool, output: String)?
    {
        guard let tool = find("wasm-validate") else { return nil }
        let dir = try temporaryDirectory("AsyncifyTransformTests")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.wasm")
        try Data(bytes).write(to: file)
        let result = try run(tool, features + [file.path])
        return (result.status == 0, result.text)
    }
}

/// A module importing `env.sleep(i32) -> i32` (the async import the tests list),
/// with one exported memory page and a one-slot funcref table: the frame the
/// hand-built modules of these tests start from.
func sleepingModule() -> (module: Module, sleep: UInt32) {
    var module = Module()
    let sleep = module.addImportedFunction(
        module: "env", name: "sleep", type: FunctionType(parameters: [.i32], results: [.i32]))
    module.memories.append(Limits(min: 1))
    module.addExport("memory", .memory(0))
    module.tables.append(TableType(elementType: .funcref, limits: Limits(min: 1)))
    return (module, sleep)
}
