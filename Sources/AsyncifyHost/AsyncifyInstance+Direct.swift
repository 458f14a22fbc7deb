import WasmInterpreter

// The module exports a swap calls, each done directly on the module's globals
// when `DirectExports` recognised its body, or called as a function otherwise.

extension AsyncifyInstance {
    /// `asyncify_start_unwind(data)`.
    func startUnwind(_ data: UInt64) throws {
        try asyncifyTransition(to: 1, data: data, \.startUnwind, during: "asyncify_start_unwind")
    }

    /// `asyncify_stop_unwind()`.
    func stopUnwind() throws {
        try asyncifyTransition(to: 0, data: nil, \.stopUnwind, during: "asyncify_stop_unwind")
    }

    /// `asyncify_start_rewind(data)`.
    func startRewind(_ data: UInt64) throws {
        try asyncifyTransition(to: 2, data: data, \.startRewind, during: "asyncify_start_rewind")
    }

    /// `asyncify_stop_rewind()`.
    func stopRewind() throws {
        try asyncifyTransition(to: 0, data: nil, \.stopRewind, during: "asyncify_stop_rewind")
    }

    /// What Binaryen's four functions do: set the state (and the data
    /// pointer), then trap if the data's position is past its end.
    @inline(__always)
    func asyncifyTransition(
        to newState: UInt64, data: UInt64?, _ function: KeyPath<RequiredExports, Function?>,
        during what: String
    ) throws {
        guard let cells = hot.pointee.direct.asyncify else {
            try callAsyncify(exports[keyPath: function], data.map { [pointerValue($0)] } ?? [], during: what)
            return
        }
        cells.state.pointee = newState
        if let data { cells.data.pointee = is64 ? data : UInt64(UInt32(truncatingIfNeeded: data)) }
        let header = cells.data.pointee
        // The same loads the function makes: out of bounds, they trap alike.
        let (position, end) = try loadPointerPair(header)
        if position > end {
            throw overflowError(currData, during: what)
        }
    }

    /// `stackSave()`: the C stack pointer.
    func stackSave() throws -> UInt64 {
        if let cell = hot.pointee.direct.stackPointer { return cell.pointee }
        return try pointerResult(try ExportsHelper.call(exports.stackSave, "stackSave", []))
    }

    /// `stackRestore(pointer)`.
    func stackRestore(_ pointer: UInt64) throws {
        if let cell = hot.pointee.direct.stackPointer {
            cell.pointee = is64 ? pointer : UInt64(UInt32(truncatingIfNeeded: pointer))
            return
        }
        _ = try ExportsHelper.call(exports.stackRestore, "stackRestore", [pointerValue(pointer)])
    }

    /// `emscripten_stack_set_limits(base, end)`.
    func stackSetLimits(base: UInt64, end: UInt64) throws {
        if let cells = hot.pointee.direct.stackLimits {
            cells.base.pointee = is64 ? base : UInt64(UInt32(truncatingIfNeeded: base))
            cells.end.pointee = is64 ? end : UInt64(UInt32(truncatingIfNeeded: end))
            return
        }
        _ = try ExportsHelper.call(
            exports.stackSetLimits, "emscripten_stack_set_limits", [pointerValue(base), pointerValue(end)])
    }
}
