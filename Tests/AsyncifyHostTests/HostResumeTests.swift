// Examples/HostResume/Resources/sum.wasm (sum.wat instrumented by build.sh)
// driven through the calls a newcomer uses: invoke / resume(with:) and their
// AsyncifyCallResult, the default sleep data area, the import body that runs
// again on the rewind, and the error for an import missing from
// asyncify-imports.

import AsyncifyHost
import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

/// sum.wasm with its two imports, counting what happens.
final class SumDriver {
    var pending: [WakeUp] = []
    var bodyRuns = 0
    var starts = 0
    var totals: [Int32] = []
    var host: AsyncifyInstance!

    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples/HostResume").standardized

    init(module: Module? = nil) throws {
        let module =
            try module
            ?? Module(
                decoding: [UInt8](Data(contentsOf: Self.example.appendingPathComponent("Resources/sum.wasm")))
            )
        let imports = [
            HostImport(name: "next_value", isAsync: true) { [unowned self] host, slots in
                bodyRuns += 1
                let value = try host.handleSleep { wakeUp in
                    starts += 1
                    pending.append(wakeUp)
                }
                slots.setI32(0, UInt32(truncatingIfNeeded: value))
            },
            HostImport(name: "report") { [unowned self] _, slots in
                totals.append(Int32(bitPattern: slots.i32(0)))
            },
        ]
        host = try AsyncifyInstance(module: module, imports: imports)
    }

    /// sum.wat with `edit` applied, assembled and instrumented with `imports`
    /// as the asyncify-imports list; nil (after printing why) without the tools.
    static func rebuilt(asyncifyImports imports: String, edit: (String) -> String = { $0 }) throws -> Module?
    {
        guard let wat2wasm = ExternalTool.find("wat2wasm"), let wasmOpt = ExternalTool.find("wasm-opt") else {
            print("skipped: wat2wasm or wasm-opt not installed")
            return nil
        }
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = edit(try String(contentsOf: example.appendingPathComponent("sum.wat"), encoding: .utf8))
        let wat = directory.appendingPathComponent("sum.wat")
        try text.write(to: wat, atomically: true, encoding: .utf8)
        let plain = directory.appendingPathComponent("plain.wasm").path
        let instrumented = directory.appendingPathComponent("sum.wasm").path
        #expect(try ExternalTool.run(wat2wasm, [wat.path, "-o", plain]).status == 0)
        #expect(
            try ExternalTool.run(
                wasmOpt, [plain, "--asyncify", "--pass-arg=asyncify-imports@\(imports)", "-o", instrumented]
            ).status == 0)
        return try Module(decoding: [UInt8](Data(contentsOf: URL(fileURLWithPath: instrumented))))
    }
}

@Suite struct HostResumeTests {
    @Test func invokeAndResumeSayWhetherTheExportReturned() throws {
        let driver = try SumDriver()
        var outcome = try driver.host.invoke("sum", [.i32(3)])
        var outcomes: [AsyncifyCallResult] = [outcome]
        var next: UInt64 = 5
        while let wakeUp = driver.pending.popLast() {
            #expect(driver.host.isSleeping)
            outcome = try #require(try wakeUp.resume(with: next))
            outcomes.append(outcome)
            next += 1
        }
        // Three values (5, 6, 7): three suspensions, then the sum.
        #expect(outcomes == [.suspended, .suspended, .suspended, .returned([.i32(18)])])
        #expect(outcome.results == [.i32(18)] && !outcome.isSuspended)
        #expect(!driver.host.isSleeping)
        #expect(driver.totals == [5, 11, 18])
    }

    /// The old call returns zeros for a suspended export, which look like a sum of 0.
    @Test func callReturnsZerosWhereInvokeSaysSuspended() throws {
        let driver = try SumDriver()
        #expect(try driver.host.call("sum", [.i32(1)]) == [.i32(0)])
        #expect(driver.host.isSleeping)
        #expect(try driver.pending.removeLast().resume(with: 0) == .returned([.i32(0)]))
        #expect(try driver.host.invoke("sum", [.i32(1)]) == .suspended)
    }

    @Test func anAsyncImportBodyRunsAgainOnTheRewind() throws {
        let driver = try SumDriver()
        _ = try driver.host.invoke("sum", [.i32(4)])
        while let wakeUp = driver.pending.popLast() { try wakeUp.resume(with: 1) }
        // Each sleep: the body when it starts and again on the rewind; the starter once.
        #expect(driver.starts == 4)
        #expect(driver.bodyRuns == 8)
        #expect(driver.totals == [1, 2, 3, 4])
    }

    @Test func aSleepWithoutMallocOrAreaGrowsTheMemoryForItsData() throws {
        let driver = try SumDriver()
        #expect(driver.host.sleepDataArea == nil)
        let before = try driver.host.memory.byteCount
        _ = try driver.host.invoke("sum", [.i32(1)])
        let area = try #require(driver.host.sleepDataArea)
        #expect(area.address == before)
        #expect(area.byteCount >= driver.host.dataHeaderSize + UInt64(driver.host.options.asyncifyStackSize))
        #expect(try driver.host.memory.byteCount == before + area.byteCount)
        // The second sleep reuses the area: the memory does not grow again.
        try driver.pending.removeLast().resume(with: 2)
        _ = try driver.host.invoke("sum", [.i32(1)])
        #expect(try driver.host.memory.byteCount == before + area.byteCount)
    }

    @Test func aMemoryThatCannotGrowSaysToSetTheArea() throws {
        let fixedSize = { (text: String) in
            text.replacingOccurrences(
                of: "(memory (export \"memory\") 1)", with: "(memory (export \"memory\") 1 1)")
        }
        guard let module = try SumDriver.rebuilt(asyncifyImports: "env.next_value", edit: fixedSize) else {
            return
        }
        let driver = try SumDriver(module: module)
        #expect {
            try driver.host.invoke("sum", [.i32(1)])
        } throws: { error in
            "\(error)".contains("cannot grow") && "\(error)".contains("sleepDataArea")
        }
    }

    /// Instrumented with the wrong import listed, the code after next_value runs
    /// on during the unwind and calls it again: the error names the import.
    @Test func anImportMissingFromAsyncifyImportsIsNamed() throws {
        guard let module = try SumDriver.rebuilt(asyncifyImports: "env.other") else { return }
        let driver = try SumDriver(module: module)
        #expect {
            try driver.host.invoke("sum", [.i32(2)])
        } throws: { error in
            let text = "\(error)"
            return text.contains("import env.next_value is missing from the list")
                && text.contains("asyncify-imports")
        }
    }
}
