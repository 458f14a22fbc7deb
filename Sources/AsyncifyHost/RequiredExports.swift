import WasmInterpreter

/// The module exports the host drives, resolved once after instantiation.
struct RequiredExports {
    var memory: Memory?
    var table: Table?
    var startUnwind: Function?
    var stopUnwind: Function?
    var startRewind: Function?
    var stopRewind: Function?
    var getState: Function?
    var malloc: Function?
    var free: Function?
    var stackSave: Function?
    var stackRestore: Function?
    var stackSetLimits: Function?
    var stackGetBase: Function?
    var stackGetEnd: Function?

    mutating func resolve(_ instance: Instance) {
        func function(_ name: String) -> Function? { try? instance.exportedFunction(name) }
        memory = try? instance.exportedMemory()
        table = try? instance.exportedTable("__indirect_function_table")
        startUnwind = function("asyncify_start_unwind")
        stopUnwind = function("asyncify_stop_unwind")
        startRewind = function("asyncify_start_rewind")
        stopRewind = function("asyncify_stop_rewind")
        getState = function("asyncify_get_state")
        malloc = function("malloc")
        free = function("free")
        stackSave = function("stackSave")
        stackRestore = function("stackRestore")
        stackSetLimits = function("emscripten_stack_set_limits")
        stackGetBase = function("emscripten_stack_get_base")
        stackGetEnd = function("emscripten_stack_get_end")
    }

    /// A fiber helper export, or a typed error naming it.
    static func require(_ function: Function?, _ name: String) throws -> Function {
        guard let function else {
            throw AsyncifyHostError(.missingExport, "the module does not export \(name), which fibers need")
        }
        return function
    }
}
