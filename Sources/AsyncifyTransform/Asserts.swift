// `asyncify-asserts`: runtime checks that the analysis was right. Binaryen
// adds them to every function it does not instrument (the state after a call
// must be what it was on entry: a sleep may not begin below an uninstrumented
// frame, which could not be resumed); ours also checks the calls an
// instrumented function assumes cannot unwind. The checks leave the call's
// results on the operand stack (an `if` with an empty block type only pops
// its condition), so no temporaries are needed, unlike Binaryen's.

import WasmBinary

enum Asserts {
    /// `body` of a function that is not instrumented, with its state on entry kept in a new
    /// local and compared after every call.
    static func uninstrumented(_ code: FunctionBody, parameterCount: Int, stateGlobal: UInt32) -> FunctionBody
    {
        var hasCall = false
        for instruction in code.body {
            switch instruction {
            case .call, .callIndirect: hasCall = true
            default: break
            }
        }
        guard hasCall else { return code }
        let declared = code.locals.reduce(0) { $0 + Int($1.count) }
        let entryState = UInt32(parameterCount + declared)
        var body: [Instruction] = [.globalGet(stateGlobal), .localSet(entryState)]
        body.reserveCapacity(code.body.count * 2)
        for instruction in code.body {
            body.append(instruction)
            switch instruction {
            case .call, .callIndirect:
                body += [
                    .globalGet(stateGlobal), .localGet(entryState), .numeric(.i32Ne), .if(.empty),
                    .unreachable,
                    .end,
                ]
            default: break
            }
        }
        return FunctionBody(locals: code.locals + [LocalGroup(count: 1, type: .i32)], body: body)
    }

    /// The check after a call an instrumented function assumes cannot unwind: such calls run
    /// only in the normal state (a rewind skips them), so any other state afterwards is an
    /// unwind (or rewind) the frame cannot take part in.
    static func stillNormal(stateGlobal: UInt32) -> [Instruction] {
        [.globalGet(stateGlobal), .if(.empty), .unreachable, .end]
    }
}
