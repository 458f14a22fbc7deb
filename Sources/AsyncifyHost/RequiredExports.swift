import WasmInterpreter

/// The module exports the host drives, resolved once after instantiation.
struct RequiredExports {
    var memory: Memory?
    var table: Table?
    var startUnwindFunction: Function?
    var stopUnwindFunction: Function?
    var startRewindFunction: Function?
    var stopRewindFunction: Function?
    var getState: Function?
    var malloc: Function?
    var free: Function?
    var stackSave: Function?
    var stackRestore: Function?
    var stackSetLimits: Function?
    var stackGetBase: Function?
    var stackGetEnd: Function?

    mutating func resolve(_ instance: Instance) throws {
        func function(_ name: String) -> Function? { try? instance.exportedFunction(name) }
        memory = try? instance.exportedMemory()
        table = try? instance.exportedTable("__indirect_function_table")
        startUnwindFunction = function("asyncify_start_unwind")
        stopUnwindFunction = function("asyncify_stop_unwind")
        startRewindFunction = function("asyncify_start_rewind")
        stopRewindFunction = function("asyncify_stop_rewind")
        getState = function("asyncify_get_state")
        malloc = function("malloc")
        free = function("free")
        stackSave = function("stackSave")
        stackRestore = function("stackRestore")
        stackSetLimits = function("emscripten_stack_set_limits")
        stackGetBase = function("emscripten_stack_get_base")
        stackGetEnd = function("emscripten_stack_get_end")
        guard startUnwindFunction != nil, stopUnwindFunction != nil, startRewindFunction != nil,
            stopRewindFunction != nil
        else {
            throw AsyncifyHostError(
                .missingExport,
                "the module is not instrumented by Asyncify: it lacks the asyncify_start_unwind, "
                    + "asyncify_stop_unwind, asyncify_start_rewind and asyncify_stop_rewind exports")
        }
    }

    var startUnwind: Function { startUnwindFunction.unsafelyUnwrapped }
    var stopUnwind: Function { stopUnwindFunction.unsafelyUnwrapped }
    var startRewind: Function { startRewindFunction.unsafelyUnwrapped }
    var stopRewind: Function { stopRewindFunction.unsafelyUnwrapped }

    /// A fiber helper export, or a typed error naming it.
    static func require(_ function: Function?, _ name: String) throws -> Function {
        guard let function else {
            throw AsyncifyHostError(.missingExport, "the module does not export \(name), which fibers need")
        }
        return function
    }
}
