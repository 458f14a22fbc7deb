// Compaction of an instance for embedders that keep thousands of small ones
// (a translation-block cache): once everything is compiled, the decoded
// function bodies and constant expressions are dead weight - for a small
// generated module they outweigh its machine code several times over - and
// on the native engine so is the translated code the machine code came from.

import WasmBinary

extension Instance {
    /// Compiles every function the instance defines now (to machine code on
    /// the native engine, to the interpreter's code otherwise) and frees what
    /// only compilation needed: the function bodies, constant expressions and
    /// segments of ``module`` (which keeps its types, imports, function types,
    /// tables, memories and exports) and, on the native engine, the translated
    /// code of each function whose machine code no longer refers to it.
    ///
    /// - Throws: `NativeEngineError` when the native engine cannot run here,
    ///   `TranslationError` when a function cannot be compiled.
    package func compact() throws {
        let s = storage
        let defined = s.functions.dropFirst(s.importedFunctionCount)
        if store.usesNativeEngine {
            if store.nativeEngine == nil { store.nativeEngine = try NativeEngine(exec: store.exec) }
            if let first = defined.first, first.pointee.native == nil {
                try NativeCompiler.compileInstance(of: first, store: store)
            }
            for entry in defined where entry.pointee.native != nil {
                guard let code = entry.pointee.code,
                    !Self.machineCodeRefersTo(code, count: entry.pointee.codeCount)
                else { continue }
                code.deallocate()
                entry.pointee.code = nil
                entry.pointee.codeCount = 0
            }
        } else {
            for entry in defined where entry.pointee.code == nil { try s.translate(entry) }
        }
        var lean = Module()
        lean.types = s.module.types
        lean.imports = s.module.imports
        lean.functions = s.module.functions
        lean.tables = s.module.tables
        lean.memories = s.module.memories
        lean.exports = s.module.exports
        lean.start = s.module.start
        s.module = lean
    }

    /// Whether machine code compiled from `code` holds the address of one of
    /// its instructions: `NativeCompiler` passes a `call_indirect`'s own
    /// instruction to the helper that resolves the callee. (Keep this in
    /// step with the compiler's `UInt(bitPattern: pointer)` arguments.)
    static func machineCodeRefersTo(_ code: UnsafeMutablePointer<Inst>, count: Int) -> Bool {
        (0..<count).contains { code[$0].op == .callIndirect }
    }
}
