// Public entry points of the binary decoder.

extension Module {
    /// Decodes a WebAssembly binary module (core spec chapter 5).
    ///
    /// Accepts the Wasm 2.0 binary format (MVP, sign extension, saturating
    /// float-to-int, multi-value, bulk memory, reference types) plus memory64
    /// limits and memory immediates and the threads proposal's shared memories
    /// and atomics. SIMD (`v128`, the 0xFD prefix) is rejected with
    /// ``DecodeError/Reason/unsupportedFeature``.
    ///
    /// Decoding checks the binary format only - section order, sizes, LEB128
    /// encodings, UTF-8 names, opcodes, the function/code and data count
    /// consistency rules - not types or indices, which are the validator's job.
    /// A memory immediate's offset is read as a u64 when the module's first
    /// memory is 64-bit and as a u32 otherwise, as the spec suite requires.
    ///
    /// No length field is trusted: every count is checked against the bytes
    /// left before anything is allocated, so hostile input fails fast.
    ///
    /// - Parameter bytes: The complete contents of a `.wasm` file.
    /// - Throws: ``DecodeError`` naming the problem, the section and the byte offset.
    public init(decoding bytes: [UInt8]) throws(DecodeError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(DecodeError) -> Module in
            var decoder = ModuleDecoder(buffer)
            return try decoder.decodeModule()
        }
    }

    /// Decodes a WebAssembly binary module from raw memory without copying it first.
    ///
    /// Same rules as ``init(decoding:)-([UInt8])``; the buffer is only read
    /// during the call.
    ///
    /// - Parameter buffer: The complete contents of a `.wasm` file.
    /// - Throws: ``DecodeError`` naming the problem, the section and the byte offset.
    public init(decoding buffer: UnsafeRawBufferPointer) throws(DecodeError) {
        self = try buffer.withMemoryRebound(to: UInt8.self) { (bytes) throws(DecodeError) -> Module in
            var decoder = ModuleDecoder(bytes)
            return try decoder.decodeModule()
        }
    }
}
