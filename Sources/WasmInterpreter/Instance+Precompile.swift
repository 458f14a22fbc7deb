import WasmBinary

extension Instance {
    /// Prepares every function the instance defines for its store's engine
    /// now rather than at the first call: translates them for the interpreter,
    /// or compiles the instance to machine code for the native tier (its
    /// translation included). For measuring compile throughput
    /// (`asyncify spec --compile-stats`); calls do this on demand anyway.
    package func precompile() throws {
        let defined = storage.functions.filter {
            $0.pointee.hostIndex < 0 && $0.pointee.context == storage.context && $0.pointee.definedIndex >= 0
        }
        if store.usesNativeEngine {
            guard let first = defined.first else { return }
            try NativeCompiler.compileInstance(of: first, store: store)
        } else {
            for entry in defined where entry.pointee.code == nil { try storage.translate(entry) }
        }
    }
}
