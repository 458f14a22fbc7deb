import WasmBinary

extension Store {
    /// Calls `entry` from Swift: checks the arguments, runs, decodes the results.
    func invoke(_ entry: UnsafeMutablePointer<FunctionEntry>, _ arguments: [Value]) throws -> [Value] {
        let type = types[entry.pointee.typeID]
        guard arguments.count == type.parameters.count else {
            throw InvocationError(
                .argumentCount,
                "the function \(type) takes \(type.parameters.count) arguments, got \(arguments.count)")
        }
        for (k, (argument, expected)) in zip(arguments, type.parameters).enumerated()
        where argument.type != expected {
            throw InvocationError(
                .argumentType,
                "argument \(k) of the function \(type) should be \(expected), got \(argument.type)")
        }
        let fp = exec.pointee.stackTop
        let room = max(type.parameters.count, type.results.count, 1)
        guard exec.pointee.stackEnd - fp >= room else { throw Trap(.callStackExhausted) }
        for (k, argument) in arguments.enumerated() { fp[k] = argument.slot }
        try invokeRaw(entry, fp)
        return type.results.enumerated().map { Value(slot: fp[$0.offset], type: $0.element, store: self) }
    }

    /// Runs `entry` with its arguments already in `fp[0...]`; results replace them.
    /// The stacks are restored afterwards, also when the call traps.
    func invokeRaw(_ entry: UnsafeMutablePointer<FunctionEntry>, _ fp: UnsafeMutablePointer<UInt64>) throws {
        if entry.pointee.hostIndex >= 0 {
            let caller = Caller(storeReference: Unmanaged.passUnretained(self), storageReference: nil)
            try hostFunctions[entry.pointee.hostIndex].call(caller, fp)
            return
        }
        if usesNativeEngine, try invokeNative(entry, fp) { return }
        if entry.pointee.code == nil { try Interpreter.translate(entry) }
        let savedTop = exec.pointee.stackTop
        let savedFrames = exec.pointee.frameCount
        defer {
            exec.pointee.stackTop = savedTop
            exec.pointee.frameCount = savedFrames
        }
        guard exec.pointee.frameCount < exec.pointee.frameLimit,
            exec.pointee.stackEnd - fp >= entry.pointee.frameSize
        else { throw Trap(.callStackExhausted) }
        (fp + entry.pointee.parameterCount).update(repeating: 0, count: entry.pointee.localCount)
        exec.pointee.stackTop = fp + entry.pointee.frameSize
        try Interpreter.run(exec, entry, fp)
    }
}

extension Store {
    /// ``invokeRaw(_:_:)`` on the native engine; false (nothing run) when an
    /// `.automatic` store cannot get executable memory and has turned to the interpreter.
    func invokeNative(_ entry: UnsafeMutablePointer<FunctionEntry>, _ fp: UnsafeMutablePointer<UInt64>) throws
        -> Bool
    {
        let engine: NativeEngine
        do {
            if let existing = nativeEngine {
                engine = existing
            } else {
                engine = try NativeEngine(exec: exec)
                nativeEngine = engine
            }
            if entry.pointee.native == nil { try NativeCompiler.compileInstance(of: entry, store: self) }
        } catch let error as NativeEngineError {
            // Nothing has run yet, and both engines share the store's state, so the
            // interpreter can take over (from now on: a host that refused once refuses again).
            guard configuration.engine == .automatic, case .executableMemory = error.reason else {
                throw error
            }
            usesNativeEngine = false
            return false
        }
        let savedTop = exec.pointee.stackTop
        defer { exec.pointee.stackTop = savedTop }
        guard exec.pointee.stackEnd - fp >= entry.pointee.frameSize else { throw Trap(.callStackExhausted) }
        exec.pointee.stackTop = fp + entry.pointee.frameSize
        try engine.invoke(entry, fp, store: self)
        return true
    }
}

extension HostFunction {
    /// Runs the host function on the slots at `fp` (arguments in, results out).
    func call(_ caller: Caller, _ fp: UnsafeMutablePointer<UInt64>) throws {
        if let slotBody {
            try slotBody(caller, HostSlots(base: fp))
            return
        }
        guard let valueBody else { return }
        let store = caller.store
        let arguments = type.parameters.enumerated().map {
            Value(slot: fp[$0.offset], type: $0.element, store: store)
        }
        let results = try valueBody(caller, arguments)
        guard results.count == type.results.count, zip(results, type.results).allSatisfy({ $0.type == $1 })
        else {
            throw InvocationError(
                .hostResultMismatch,
                "host function returned \(results.map(\.type)), but its type \(type) declares \(type.results)"
            )
        }
        for (k, result) in results.enumerated() { fp[k] = result.slot }
    }
}
