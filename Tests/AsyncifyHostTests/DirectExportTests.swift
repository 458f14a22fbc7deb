// The host performs the trivial Asyncify and stack exports itself when it
// recognises their bodies (DirectExports). Whether it does or calls them, the
// programs must behave exactly as under node; bodies of another shape must be
// called, not misread.

import Foundation
import Testing
import WasmBinary
import WasmInterpreter

@testable import AsyncifyHost

@Suite struct DirectExportTests {
    /// Every committed emcc program, with node's output and exit code.
    static let programs = ["fibers", "roundrobin", "deeprecursion", "sleep", "mallocprintf"]

    @Test(arguments: programs)
    func emccBuildsHaveTheRecognisedBodies(_ name: String) throws {
        // emcc 3.1.6 -sASYNCIFY emits Binaryen's asyncify_* functions and
        // Emscripten's stackSave/stackRestore/emscripten_stack_set_limits
        // (see `wasm2wat Programs/fibers.wasm`).
        let host = try AsyncifyInstance(module: try Programs.module("\(name).wasm"))
        #expect(host.recognisesTrivialExports)
        #expect(host.performsTrivialExports)
    }

    @Test(arguments: programs, wasmEngines)
    func calledExportsGiveNodesOutputToo(_ name: String, engine: Store.Engine) throws {
        let run = try runProgram(
            try Programs.module("\(name).wasm"), engine: engine, performsTrivialExports: false)
        let expected = try Data(contentsOf: Programs.url("\(name).node.out"))
        let expectedExit = Int32(
            try Programs.text("\(name).node.exit").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(run.error == nil, "\(name): \(String(describing: run.error))")
        #expect(run.stdout == [UInt8](expected), "\(name): output differs from node's")
        #expect(run.exitCode == expectedExit)
    }

    @Test(arguments: [true, false], wasmEngines)
    func overflowIsTheSameErrorEitherWay(_ direct: Bool, engine: Store.Engine) throws {
        let run = try runProgram(
            try Programs.module("overflow.wasm"), engine: engine, performsTrivialExports: direct)
        #expect(run.stdout == [UInt8](try Data(contentsOf: Programs.url("overflow.node.out"))))
        let error = try #require(run.error as? AsyncifyHostError)
        #expect(error.reason == .asyncifyStackOverflow)
        #expect(error.stackSize == 32)  // overflow.c: char astack[32]
    }

    @Test func anotherBodyIsCalledNotPerformed() throws {
        // stackSave with an extra `nop`: same meaning, but not the shape the
        // host knows, so it must fall back to calling it; the program still
        // prints what node printed.
        var module = try Programs.module("fibers.wasm")
        let index = try #require(exportedFunctionIndex("stackSave", in: module))
        module.codes[index].body.insert(.nop, at: 0)
        try module.validate()
        let host = try AsyncifyInstance(module: module)
        #expect(!host.recognisesTrivialExports)
        #expect(host.hot.pointee.direct.stackPointer == nil)
        #expect(host.hot.pointee.direct.asyncify != nil)
        let run = try runProgram(module)
        #expect(run.error == nil)
        #expect(run.stdout == [UInt8](try Data(contentsOf: Programs.url("fibers.node.out"))))
    }

    @Test func asyncifyBodiesOverDifferentGlobalsAreNotTakenOver() throws {
        // asyncify_stop_rewind writing another global than the other three:
        // the four functions no longer agree on __asyncify_state.
        var module = try Programs.module("fibers.wasm")
        let index = try #require(exportedFunctionIndex("asyncify_stop_rewind", in: module))
        guard case .globalSet(let state) = module.codes[index].body[1] else {
            Issue.record("unexpected asyncify_stop_rewind body")
            return
        }
        let other = module.globals.indices.map(UInt32.init).first { $0 != state }
        module.codes[index].body[1] = .globalSet(try #require(other))
        let host = try AsyncifyInstance(module: module)
        #expect(host.hot.pointee.direct.asyncify == nil)
    }

    @Test func wasm64HandWrittenBodiesAreCalled() throws {
        // Programs/wasm64/yield64.wat's asyncify_* call a helper: not Binaryen's inline shape.
        let yieldValue = HostImport(name: "yield_value", isAsync: true) { _, _ in }
        let host = try AsyncifyInstance(
            module: try Programs.module("wasm64/yield64.wasm"), imports: [yieldValue])
        #expect(host.hot.pointee.direct.asyncify == nil)
    }

    @Test func wasm64BinaryenShapedBodiesArePerformed() throws {
        // yield64 with its asyncify_* rewritten into Binaryen's wasm64 shape
        // (i64 loads at +0 and +8, i64.gt_u): recognised, and the sleep test's
        // figures (Wasm64HeaderTests) come out the same.
        var module = try Programs.module("wasm64/yield64.wasm")
        let state = try #require(globalSetTarget(of: "asyncify_stop_unwind", in: module))
        let data = try #require(globalSetTarget(of: "asyncify_start_unwind", in: module, skip: 1))
        for (name, value, setsData) in [
            ("asyncify_start_unwind", Int32(1), true), ("asyncify_stop_unwind", 0, false),
            ("asyncify_start_rewind", 2, true), ("asyncify_stop_rewind", 0, false),
        ] {
            let index = try #require(exportedFunctionIndex(name, in: module))
            var body: [Instruction] = [.i32Const(value), .globalSet(state)]
            if setsData { body += [.localGet(0), .globalSet(data)] }
            body += [
                .globalGet(data), .load(.i64Load, MemArg(align: 3, offset: 0)), .globalGet(data),
                .load(.i64Load, MemArg(align: 3, offset: 8)), .numeric(.i64GtU), .if(.empty), .unreachable,
                .end, .end,
            ]
            module.codes[index] = FunctionBody(body: body)
        }
        try module.validate()
        var pending: WakeUp?
        let yieldValue = HostImport(name: "yield_value", isAsync: true) { host, slots in
            let woken = try host.handleSleep { pending = $0 }
            slots.setI32(0, UInt32(truncatingIfNeeded: woken))
        }
        let host = try AsyncifyInstance(module: module, imports: [yieldValue])
        #expect(host.hot.pointee.direct.asyncify != nil)
        let area: UInt64 = 1024
        host.sleepDataArea = (area, 256)
        #expect(try host.call("run", [Value(Int32(4))]) == [.i32(0)])
        let memory = try host.memory
        #expect(try memory.load(UInt64.self, at: area) == area + 24 + 12)
        #expect(try memory.load(UInt64.self, at: area + 8) == area + 256)
        let wakeUp = try #require(pending)
        #expect(try wakeUp(7) == [.i32(47)])
        #expect(try memory.load(UInt64.self, at: area) == area + 24)
        #expect(host.state == .normal)
    }

    /// The defined-function position (index into `codes`) of export `name`.
    func exportedFunctionIndex(_ name: String, in module: Module) -> Int? {
        guard let export = module.exports.first(where: { $0.name == name }),
            case .function(let index) = export.descriptor
        else { return nil }
        let imported = module.imports.count { if case .function = $0.descriptor { true } else { false } }
        return Int(index) - imported
    }

    /// The global of the `skip`-th `global.set` in export `name`'s body.
    func globalSetTarget(of name: String, in module: Module, skip: Int = 0) -> UInt32? {
        guard let index = exportedFunctionIndex(name, in: module) else { return nil }
        let targets = module.codes[index].body.compactMap { instruction -> UInt32? in
            if case .globalSet(let g) = instruction { g } else { nil }
        }
        return skip < targets.count ? targets[skip] : nil
    }
}

@Suite struct FiberStatusTableTests {
    @Test func agreesWithADictionaryThroughInsertsUpdatesAndRemovals() {
        // Addresses 32 bytes apart (fiber records), plus colliding patterns,
        // against Swift's Dictionary as the reference.
        var table = FiberStatusTable()
        defer { table.deallocate() }
        var reference: [UInt64: FiberStatus] = [:]
        let statuses: [FiberStatus] = [.fresh, .incomplete, .suspended, .running]
        var seed: UInt64 = 0x1234_5678
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for step in 0..<20_000 {
            let key = (next() % 300) * 32 + (step % 7 == 0 ? 0x1_0000_0000 : 0)
            if next() % 3 == 0 {
                table[key] = nil
                reference[key] = nil
            } else {
                let status = statuses[Int(next() % 4)]
                table[key] = status
                reference[key] = status
            }
            if step % 97 == 0 {
                for probe in reference.keys { #expect(table[probe] == reference[probe]) }
                #expect(table.count == reference.count)
            }
        }
        for key in stride(from: UInt64(0), to: 300 * 32, by: 32) { #expect(table[key] == reference[key]) }
    }
}
