// Read-only access to an instance's machine code, for looking at what the
// native tier emitted with a disassembler (`asyncify run --dump-native`).

extension Instance {
    /// The machine code the native tier compiled for this instance, the
    /// address it runs at (to match a profiler's addresses to the bytes) and
    /// where each of its own functions starts in it (index in the module's
    /// function index space, byte offset); nil before the instance's first
    /// native call or on the interpreter.
    package var nativeCode: (bytes: [UInt8], address: UInt, functions: [(index: Int, offset: Int)])? {
        guard let native = storage.native else { return nil }
        let base = native.memory.base
        let bytes = Array(UnsafeRawBufferPointer(start: base, count: native.memory.count))
        var functions: [(index: Int, offset: Int)] = []
        for (index, entry) in storage.functions.enumerated() where entry.pointee.context == storage.context {
            if let code = entry.pointee.native { functions.append((index, code - base)) }
        }
        return (bytes, UInt(bitPattern: base), functions)
    }
}
