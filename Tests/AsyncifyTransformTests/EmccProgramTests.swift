// The emcc fiber programs, instrumented by us from the module emcc had before
// its Binaryen pass, against the Binaryen-instrumented build of the same
// source and against what node printed for the JS build.

import AsyncifyHost
import AsyncifyTransform
import Foundation
import TestSupport
import Testing
import WasmBinary

@Suite struct EmccProgramTests {
    @Test(arguments: Inputs.programs)
    func ourInstrumentationValidates(_ name: String) throws {
        let module = try Inputs.ours(name)
        try module.validate()
        guard let verdict = try ExternalTool.wasmValidate(module.encoded()) else {
            print("skipped: wasm-validate not installed")
            return
        }
        #expect(verdict.ok, "\(name): \(verdict.output)")
    }

    /// `instrument(bytes:)` writes the code section itself, copying the bodies it leaves alone
    /// from the input; on these inputs (Binaryen wrote them, in the canonical encoding) that must
    /// give exactly the bytes of the module path re-encoding every body.
    @Test(arguments: Inputs.programs)
    func theBytesPathWritesWhatTheModulePathEncodes(_ name: String) throws {
        let pre = try Inputs.bytes(Inputs.directory.appendingPathComponent("\(name).pre.wasm"))
        for asserts in [false, true] {
            var options = AsyncifyTransform.Options()
            options.asyncImports = try Inputs.importList(name)
            options.asserts = asserts
            let viaModule = try AsyncifyTransform.instrument(try Module(decoding: pre), options: options)
                .encoded()
            let viaBytes = try AsyncifyTransform.instrument(bytes: pre, options: options)
            #expect(viaBytes == viaModule, "\(name), asserts \(asserts)")
        }
    }

    /// overflow.c is left out: its 32-byte fiber stack overflows with Binaryen's frames but
    /// holds ours, which save fewer locals (see `framesAreSmallerThanBinaryens`).
    @Test(arguments: Inputs.programs.filter { $0 != "overflow" })
    func behavesLikeTheBinaryenBuild(_ name: String) throws {
        let ours = try runProgram(try Inputs.ours(name))
        let binaryen = try runProgram(try Inputs.binaryenBuild(name))
        #expect(ours.stdout == binaryen.stdout, "\(name): \(String(decoding: ours.stdout, as: UTF8.self))")
        #expect(ours.exitCode == binaryen.exitCode)
        #expect(ours.errorReason == binaryen.errorReason, "\(name): \(String(describing: ours.error))")
    }

    @Test func framesAreSmallerThanBinaryens() throws {
        // Binaryen's build of overflow.c fails with an Asyncify stack overflow on its
        // 32-byte fiber stack; ours finishes, printing what the program prints without one.
        let binaryen = try runProgram(try Inputs.binaryenBuild("overflow"))
        #expect(binaryen.errorReason == "asyncifyStackOverflow")
        let ours = try runProgram(try Inputs.ours("overflow"))
        #expect(ours.error == nil)
        #expect(String(decoding: ours.stdout, as: UTF8.self) == "start\nback in main\n")
        #expect(ours.exitCode == 0)
    }

    @Test(arguments: ["fibers", "roundrobin", "deeprecursion", "sleep", "mallocprintf"])
    func printsWhatNodePrinted(_ name: String) throws {
        let run = try runProgram(try Inputs.ours(name))
        let expected = try Inputs.bytes(Inputs.hostPrograms.appendingPathComponent("\(name).node.out"))
        let exit = try String(
            contentsOf: Inputs.hostPrograms.appendingPathComponent("\(name).node.exit"), encoding: .utf8)
        #expect(run.error == nil, "\(name): \(String(describing: run.error))")
        #expect(run.stdout == expected)
        #expect(run.exitCode == Int32(exit.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
