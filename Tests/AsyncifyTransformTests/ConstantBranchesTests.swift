// Branches on constants folded before the analysis (Options.foldsConstantBranches):
// the folded module computes what the original computes, suspended and resumed
// at random calls, and a function whose only indirect call sits behind a
// branch that is always taken is no longer instrumented.

import AsyncifyTransform
import Testing
import WasmBinary

/// `run(depth i32, a i64, b f64) -> i32` over `env.sleep`: a `br_if` taken with a value,
/// an `if` on zero and one on a nonzero comparison (each arm with a sleep or a trap the
/// fold must not pick), and a call to `exiting`, whose indirect call is dead behind
/// `br_if (0 <= 0)` as in libc's exit path.
func constantBranchesModule() -> (module: Module, exiting: UInt32) {
    var (module, sleep) = sleepingModule()
    let void = FunctionType(parameters: [], results: [])
    let voidIndex = module.addType(void)
    let exiting = module.addFunction(
        type: void,
        body: FunctionBody(body: [
            .block(.empty), .i32Const(0), .i32Const(0), .numeric(.i32LeU), .brIf(depth: 0),
            .loop(.empty), .i32Const(0), .callIndirect(typeIndex: voidIndex, tableIndex: 0), .br(depth: 0),
            .end,
            .end, .end,
        ]))
    let run = module.addFunction(
        type: FunctionType(parameters: [.i32, .i64, .f64], results: [.i32]),
        body: FunctionBody(
            locals: [LocalGroup(count: 1, type: .i32)],
            body: [
                .block(.value(.i32)), .i32Const(7), .i32Const(1), .i32Const(2), .numeric(.i32LtS),
                .brIf(depth: 0), .drop, .i32Const(99), .end, .localSet(3),
                .i32Const(0), .if(.value(.i32)), .i32Const(1000), .else, .localGet(0),
                .call(functionIndex: sleep),
                .end, .localGet(3), .numeric(.i32Add), .localSet(3),
                .i32Const(5), .i32Const(5), .numeric(.i32Eq), .numeric(.i32Eqz), .numeric(.i32Eqz),
                .if(.value(.i32)), .localGet(3), .call(functionIndex: sleep), .else, .unreachable, .end,
                .localGet(3), .numeric(.i32Add), .localSet(3),
                .call(functionIndex: exiting),
                .localGet(3), .i32Const(0), .brIf(depth: 0), .end,
            ]))
    module.addExport("run", .function(run))
    return (module, exiting)
}

@Suite struct ConstantBranchesTests {
    @Test func foldedModulesComputeWhatTheOriginalComputes() throws {
        let (module, _) = constantBranchesModule()
        try module.validate()
        let expected = try runRandomModule(module, instrumentedBy: false, suspending: false, seed: 1)
        // By hand: 7 from the taken br_if, + sleep(2) = 7, + sleep(14) = 43: 57.
        #expect(expected.results == [.i32(57)])
        var suspensions = 0
        for schedule in 0..<UInt64(6) {
            let ours = try runRandomModule(module, instrumentedBy: true, suspending: true, seed: schedule)
            #expect(ours.results == expected.results, "schedule \(schedule)")
            suspensions += ours.suspensions
        }
        #expect(suspensions > 0)
    }

    @Test func aDeadIndirectCallNoLongerUnwinds() throws {
        let (module, exiting) = constantBranchesModule()
        let imported = module.imports.count
        func exitingBody(folding: Bool) throws -> [Instruction] {
            let options = AsyncifyTransform.Options(
                asyncImports: ["env.sleep"], inlines: false, foldsConstantBranches: folding)
            let instrumented = try AsyncifyTransform.instrument(module, options: options)
            try instrumented.validate()
            return instrumented.codes[Int(exiting) - imported].body
        }
        let folded = try exitingBody(folding: true)
        #expect(!folded.contains(.callIndirect(typeIndex: 0, tableIndex: 0)))
        #expect(folded == [.block(.empty), .br(depth: 0), .end, .end])
        // Without the fold the function is instrumented: it reads the Asyncify state.
        let unfolded = try exitingBody(folding: false)
        #expect(unfolded.count > module.codes[Int(exiting) - imported].body.count)
    }
}
