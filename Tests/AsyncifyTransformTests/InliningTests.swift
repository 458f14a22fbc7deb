// Inlining before the analysis (Options.inlines): a module built so that
// exactly five functions must be inlined and six must stay, run suspended and
// resumed at random calls against the uninstrumented module, with the name
// section telling which functions survived.

import AsyncifyHost
import AsyncifyTransform
import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

/// `run(depth i32, a i64, b f64) -> (i32, i64)` over `env.sleep`, calling:
/// - `leaf` (inlined: one call site, cannot unwind): four parameters and four locals of
///   every numeric type, each read before it is written (a copy in a loop must start from
///   zero), two results, an early `return` inside an `if` and a branch to the function's label;
/// - `driver` (kept: its caller `run` has other calls that may unwind), into which `middle`
///   (parameter left on the stack) and `sleepy` (locals live across `env.sleep`) are inlined:
///   each is the one possibly-unwinding call of its caller;
/// - `tiny` (inlined at both call sites: one instruction);
/// - `rec` (kept: calls itself) and `p`, into which `q` (one call site, in `p`) is inlined
///   although `q` calls `p` back;
/// - `exported` and `tabled` (kept: reachable from outside, though called once directly).
func inliningModule() -> Module {
    var (module, sleep) = sleepingModule()
    let counter = module.addGlobal(
        GlobalType(valueType: .i32, isMutable: true), initializer: [.i32Const(11), .end])
    let unary = FunctionType(parameters: [.i32], results: [.i32])
    let unaryIndex = module.addType(unary)
    var names: [UInt32: String] = [:]
    func add(_ name: String, _ type: FunctionType, _ locals: [ValueType], _ body: [Instruction]) -> UInt32 {
        let f = module.addFunction(
            type: type,
            body: FunctionBody(locals: locals.map { LocalGroup(count: 1, type: $0) }, body: body + [.end]))
        names[f] = name
        return f
    }
    let leaf = add(
        "leaf", FunctionType(parameters: [.i32, .i64, .f32, .f64], results: [.i32, .i64]),
        [.i32, .i64, .f32, .f64],
        [
            .localGet(4), .i32Const(7), .numeric(.i32Add), .localSet(4),
            .localGet(5), .i64Const(3), .numeric(.i64Add), .localSet(5),
            .localGet(6), .localGet(2), .numeric(.f32Add), .localSet(6),
            .localGet(7), .localGet(3), .numeric(.f64Add), .localSet(7),
            .block(.empty), .block(.empty),
            .localGet(0), .i32Const(0), .numeric(.i32LtS), .if(.empty),
            .localGet(4), .localGet(5), .return, .end,
            .localGet(0), .numeric(.i32Eqz), .brIf(depth: 1),
            .localGet(0), .i32Const(1), .numeric(.i32Eq), .if(.empty),
            .localGet(4), .localGet(0), .numeric(.i32Add), .localGet(1), .br(depth: 3), .end,
            .end,
            .localGet(6), .numeric(.i32TruncF32S), .localGet(4), .numeric(.i32Add), .localSet(4),
            .end,
            .localGet(4), .localGet(7), .numeric(.i64TruncF64S), .localGet(5), .numeric(.i64Add),
        ])
    let sleepy = add(
        "sleepy", unary, [.i32, .i64],
        [
            .localGet(0), .i32Const(5), .numeric(.i32Mul), .localSet(1),
            .localGet(2), .i64Const(1), .numeric(.i64Add), .localSet(2),
            .localGet(0), .call(functionIndex: sleep), .localGet(1), .numeric(.i32Add),
            .localGet(2), .numeric(.i32WrapI64), .numeric(.i32Add),
        ])
    let middle = add(
        "middle", unary, [], [.localGet(0), .call(functionIndex: sleepy), .i32Const(2), .numeric(.i32Mul)])
    let driver = add(
        "driver", unary, [],
        [
            .localGet(0), .i32Const(1), .numeric(.i32Add), .call(functionIndex: middle), .localGet(0),
            .numeric(.i32Add),
        ])
    let tiny = add("tiny", FunctionType(parameters: [], results: [.i32]), [], [.globalGet(counter)])
    let recIndex = UInt32(module.imports.count + module.codes.count)
    let rec = add(
        "rec", unary, [],
        [
            .localGet(0), .numeric(.i32Eqz), .if(.value(.i32)), .i32Const(1), .else,
            .localGet(0), .i32Const(1), .numeric(.i32Sub), .call(functionIndex: recIndex), .localGet(0),
            .numeric(.i32Add), .end,
        ])
    let pIndex = UInt32(module.imports.count + module.codes.count + 1)  // after q
    let q = add(
        "q", unary, [], [.localGet(0), .call(functionIndex: pIndex), .i32Const(3), .numeric(.i32Mul)])
    let p = add(
        "p", unary, [],
        [
            .localGet(0), .numeric(.i32Eqz), .if(.value(.i32)), .i32Const(0), .else,
            .localGet(0), .i32Const(1), .numeric(.i32Sub), .call(functionIndex: q), .i32Const(2),
            .numeric(.i32Add), .end,
        ])
    let exported = add("exported", unary, [], [.localGet(0), .i32Const(100), .numeric(.i32Add)])
    let tabled = add("tabled", unary, [], [.localGet(0), .i32Const(1000), .numeric(.i32Sub)])
    module.addExport("exported", .function(exported))
    module.elements.append(
        ElementSegment(
            mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
            initializers: .functionIndices([tabled])))
    // Locals 3 (i), 4 (acc), 5 (acc64); `acc += x` after each call.
    let accumulate: [Instruction] = [.localGet(4), .numeric(.i32Add), .localSet(4)]
    var loopBody: [Instruction] = [
        .localGet(3), .i32Const(1), .numeric(.i32Sub), .localGet(1), .localGet(3), .numeric(.f32ConvertI32S),
        .localGet(2), .call(functionIndex: leaf),
        .localGet(5), .numeric(.i64Add), .localSet(5),
    ]
    loopBody += accumulate
    loopBody += [.localGet(4), .call(functionIndex: driver)] + accumulate
    loopBody += [.call(functionIndex: tiny)] + accumulate + [.call(functionIndex: tiny)] + accumulate
    loopBody += [.localGet(3), .i32Const(3), .numeric(.i32Add), .call(functionIndex: rec)] + accumulate
    loopBody += [.localGet(3), .call(functionIndex: p)] + accumulate
    loopBody += [.localGet(4), .call(functionIndex: exported)] + accumulate
    loopBody += [.localGet(4), .call(functionIndex: tabled)] + accumulate
    loopBody +=
        [.localGet(4), .i32Const(0), .callIndirect(typeIndex: unaryIndex, tableIndex: 0)] + accumulate
    loopBody += [
        .globalGet(counter), .i32Const(5), .numeric(.i32Add), .globalSet(counter),
        .localGet(3), .i32Const(1), .numeric(.i32Add), .localTee(3), .i32Const(4), .numeric(.i32LtS),
        .brIf(depth: 0),
    ]
    _ = add(
        "run", FunctionType(parameters: [.i32, .i64, .f64], results: [.i32, .i64]), [.i32, .i32, .i64],
        [.loop(.empty)] + loopBody + [.end, .localGet(4), .localGet(5)])
    module.addExport("run", .function(UInt32(module.imports.count + module.codes.count - 1)))
    names[UInt32(module.imports.count + module.codes.count - 1)] = "run"
    module.customSections.append(CustomSection(name: "name", bytes: nameSection(names), after: .data))
    return module
}

/// The function names of a module's name section (subsection 1), by index.
func functionNames(_ module: Module) throws -> [UInt32: String] {
    let bytes = try #require(module.customSections.first { $0.name == "name" }).bytes
    var offset = 0
    func leb() -> Int {
        var result = 0
        var shift = 0
        while true {
            let b = bytes[offset]
            offset += 1
            result |= Int(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }
    var names: [UInt32: String] = [:]
    while offset < bytes.count {
        let id = bytes[offset]
        offset += 1
        let end = leb() + offset
        if id == 1 {
            for _ in 0..<leb() {
                let index = UInt32(leb())
                let length = leb()
                names[index] = String(decoding: bytes[offset..<offset + length], as: UTF8.self)
                offset += length
            }
        }
        offset = end
    }
    return names
}

@Suite struct InliningTests {
    @Test func inlinedModulesComputeWhatTheUninstrumentedModuleComputes() throws {
        let module = inliningModule()
        try module.validate()
        let expected = try runRandomModule(module, instrumentedBy: false, suspending: false, seed: 1)
        // The uninstrumented module runs as built; a copy of leaf whose locals were not zeroed
        // (it runs in a loop) or whose early return fell through would change acc.
        #expect(expected.results.count == 2)
        var suspensions = 0
        for schedule in 0..<UInt64(6) {
            let ours = try runRandomModule(module, instrumentedBy: true, suspending: true, seed: schedule)
            #expect(ours.results == expected.results, "schedule \(schedule)")
            #expect(ours.sleeps == expected.sleeps)
            suspensions += ours.suspensions
        }
        #expect(suspensions > 0)
    }

    @Test func exactlyTheInlinableFunctionsAreGone() throws {
        let module = inliningModule()
        let instrumented = try AsyncifyTransform.instrument(
            module, options: .init(asyncImports: ["env.sleep"]))
        try instrumented.validate()
        let names = try functionNames(instrumented)
        #expect(Set(names.values) == ["run", "driver", "rec", "p", "exported", "tabled"])
        // Names moved with their functions: the export and the table still reach them.
        let exported = try #require(instrumented.exports.first { $0.name == "exported" })
        guard case .function(let e) = exported.descriptor else { throw InliningTestFailure.notAFunction }
        #expect(names[e] == "exported")
        guard case .functionIndices(let elements) = instrumented.elements[0].initializers else {
            throw InliningTestFailure.notAFunction
        }
        #expect(names[elements[0]] == "tabled")
        // Recursion stays a call: rec still calls itself, p (with q inside) calls p.
        for name in ["rec", "p"] {
            let index = try #require(names.first { $0.value == name }?.key)
            let body = instrumented.codes[Int(index) - 1].body
            #expect(body.contains(.call(functionIndex: index)), "\(name)")
        }
        // Every run-time call of the exported functions still works.
        let sleep = HostImport(name: "sleep", isAsync: false) { _, slots in slots.setI32(0, slots.i32(0)) }
        let host = try AsyncifyInstance(module: instrumented, imports: [sleep])
        #expect(try host.invoke("exported", [.i32(5)]).results == [.i32(105)])
    }

    @Test func inliningOffOrAListGivenKeepsEveryFunction() throws {
        let module = inliningModule()
        let off = try AsyncifyTransform.instrument(
            module, options: .init(asyncImports: ["env.sleep"], inlines: false))
        let listed = try AsyncifyTransform.instrument(
            module, options: .init(asyncImports: ["env.sleep"], removeList: ["rec"]))
        let on = try AsyncifyTransform.instrument(module, options: .init(asyncImports: ["env.sleep"]))
        #expect(off.codes.count == on.codes.count + 5)
        #expect(listed.codes.count == off.codes.count)
        #expect(try functionNames(off).count == module.codes.count)
    }

    @Test func aRemovedFunctionThatDoesNotValidateIsReported() throws {
        // An unused function and a single-caller one, each with a body that does not validate.
        for singleCaller in [false, true] {
            var module = inliningModule()
            let type = FunctionType(parameters: [], results: [.i32])
            let broken = module.addFunction(type: type, body: FunctionBody(body: [.numeric(.i32Add), .end]))
            if singleCaller {
                let caller = module.addFunction(
                    type: type, body: FunctionBody(body: [.call(functionIndex: broken), .end]))
                module.addExport("caller", .function(caller))
            }
            #expect("single caller: \(singleCaller)") {
                try AsyncifyTransform.instrument(module, options: .init(asyncImports: ["env.sleep"]))
            } throws: { ($0 as? AsyncifyTransformError)?.reason == .invalidModule }
        }
    }
}

enum InliningTestFailure: Error { case notAFunction }
