// Executable memory that is never writable and executable at once: pages
// are mapped read-write, filled, then switched to read-execute before any
// code in them runs; they are unmapped when the owner goes away.
//
// A CodeArena packs many small blocks (one per instance of a small module,
// e.g. thousands of translation blocks) into shared chunks instead of giving
// each its own page and mapping: a chunk is reserved inaccessible, and each
// block's pages are switched to read-write, filled and switched to
// read-execute, so a page that already holds other blocks' code is never
// writable and executable at once either. Nothing runs a chunk's code while
// it is written because an arena belongs to one thread (one Wasm store). A
// chunk is unmapped when its last block is freed and the arena has moved on.

import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why machine code could not be made executable.
package struct CodeMemoryError: Error, CustomStringConvertible {
    /// What failed.
    package enum Reason: Equatable, Sendable {
        /// `mmap` refused the pages (out of memory or address space).
        case mapFailed
        /// `mprotect` refused to make the pages executable (a hardened kernel or sandbox).
        case protectFailed
    }

    /// What failed.
    package var reason: Reason
    /// The bytes asked for.
    package var byteCount: Int
    /// The `errno` of the failing call.
    package var errorNumber: Int32

    package var description: String {
        switch reason {
        case .mapFailed:
            "cannot map \(byteCount) bytes for native code (errno \(errorNumber)); free memory or use the interpreter engine"
        case .protectFailed:
            "cannot make \(byteCount) bytes of native code executable (errno \(errorNumber)): the host forbids JIT code (a seccomp, SELinux or PaX policy); use Store.Configuration(engine: .interpreter), or .automatic, which falls back to the interpreter"
        }
    }
}

/// A block of machine code, mapped read-execute; unmapped on deinit (or, in
/// a ``CodeArena``, given back to its chunk).
package final class CodeMemory: @unchecked Sendable {
    /// The first byte of the code.
    package let base: UnsafeRawPointer
    /// The size of the code in bytes.
    package let count: Int
    /// The bytes of a mapping of its own (0 inside an arena chunk).
    private let mappedSize: Int
    /// The arena chunk holding the code, which stays mapped while this block lives.
    private let chunk: CodeChunk?

    /// Copies `code` into fresh pages and makes them executable (and no longer writable).
    package convenience init(_ code: [UInt8]) throws(CodeMemoryError) {
        try self.init(count: code.count) { destination in code.withUnsafeBytes { destination.copy(from: $0) }
        }
    }

    /// Copies `code` into fresh pages and makes them executable (and no longer writable).
    package convenience init(bytes code: UnsafeRawBufferPointer) throws(CodeMemoryError) {
        try self.init(count: code.count) { $0.copy(from: code) }
    }

    /// Maps fresh pages for `count` bytes, lets `fill` write them, and makes them executable.
    private init(count: Int, fill: (UnsafeMutableRawPointer) -> Void) throws(CodeMemoryError) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = max((count + page - 1) / page * page, page)
        if let refusal = CodeMemory.simulatedRefusal {
            throw CodeMemoryError(
                reason: refusal, byteCount: size, errorNumber: refusal == .mapFailed ? ENOMEM : EACCES)
        }
        guard
            let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            p != MAP_FAILED
        else { throw CodeMemoryError(reason: .mapFailed, byteCount: size, errorNumber: errno) }
        fill(p)
        guard mprotect(p, size, PROT_READ | PROT_EXEC) == 0 else {
            let error = errno
            munmap(p, size)
            throw CodeMemoryError(reason: .protectFailed, byteCount: size, errorNumber: error)
        }
        base = UnsafeRawPointer(p)
        self.count = count
        mappedSize = size
        chunk = nil
        CodeMemory.liveBlocks.add(1, ordering: .relaxed)
    }

    /// A block inside `chunk`, already filled and executable.
    fileprivate init(base: UnsafeRawPointer, count: Int, chunk: CodeChunk) {
        self.base = base
        self.count = count
        self.mappedSize = 0
        self.chunk = chunk
        chunk.liveBytes += count
        CodeMemory.liveBlocks.add(1, ordering: .relaxed)
    }

    /// The address of the code at byte `offset`.
    package func address(_ offset: Int) -> UnsafeRawPointer { base + offset }

    deinit {
        if let chunk {
            chunk.liveBytes -= count
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), mappedSize)
        }
        CodeMemory.liveBlocks.subtract(1, ordering: .relaxed)
    }

    /// How many blocks are live in the process now (the resource tests check
    /// that compiled code goes away with its instance and store).
    package static let liveBlocks = Atomic<Int>(0)

    /// Test hook: while set (for the current task, see `TaskLocal.withValue`),
    /// every new block fails as a host that refuses executable memory would
    /// make it fail, so the engines' fallback and errors can be tested on a host that allows it.
    @TaskLocal package static var simulatedRefusal: CodeMemoryError.Reason?
}

extension UnsafeMutableRawPointer {
    /// Copies `bytes` here (nothing when empty, whose base address may be nil).
    fileprivate func copy(from bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        copyMemory(from: source, byteCount: bytes.count)
    }
}

/// One mapping of an arena: blocks are placed at increasing offsets; it is
/// unmapped when neither the arena nor any block references it.
private final class CodeChunk {
    let base: UnsafeMutableRawPointer
    let size: Int
    /// The first free byte.
    var used = 0
    /// Bytes of live blocks (a statistic).
    var liveBytes = 0

    init(size: Int) throws(CodeMemoryError) {
        // Reserved inaccessible: only pages that receive code become resident.
        guard let p = mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED
        else { throw CodeMemoryError(reason: .mapFailed, byteCount: size, errorNumber: errno) }
        base = p
        self.size = size
    }

    deinit { munmap(base, size) }
}

/// Packs the machine code of many small modules into shared executable
/// chunks (see the file header): a block costs its own bytes rounded up to
/// ``alignment``, not a page and a mapping. Use an arena from one thread.
package final class CodeArena {
    /// The size of a chunk; larger blocks get a mapping of their own.
    package let chunkSize: Int
    /// Blocks start at multiples of this many bytes.
    package static let alignment = 16
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    private var current: CodeChunk?
    /// Live chunks, weakly: for ``liveBytes``.
    private var chunks: [Weak] = []

    private struct Weak {
        weak var chunk: CodeChunk?
    }

    /// Creates an empty arena whose chunks hold `chunkSize` bytes (rounded up to pages).
    package init(chunkSize: Int = 256 * 1024) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        self.chunkSize = max((chunkSize + page - 1) / page * page, page)
    }

    /// The bytes of code in live blocks placed by this arena.
    package var liveBytes: Int { chunks.reduce(0) { $0 + ($1.chunk?.liveBytes ?? 0) } }

    /// The number of chunks still mapped (referenced by the arena or a live block).
    package var mappedChunkCount: Int { chunks.count(where: { $0.chunk != nil }) }

    /// Copies `code` into the arena and makes it executable; the block is
    /// given back when the returned object goes away.
    package func place(_ code: [UInt8]) throws(CodeMemoryError) -> CodeMemory {
        // (`withUnsafeBytes` rethrows untyped errors.)
        try code.withUnsafeBytes { bytes in Result { () throws(CodeMemoryError) in try place(bytes: bytes) } }
            .get()
    }

    /// Copies `code` into the arena and makes it executable; the block is
    /// given back when the returned object goes away.
    package func place(bytes code: UnsafeRawBufferPointer) throws(CodeMemoryError) -> CodeMemory {
        let length = max((code.count + Self.alignment - 1) / Self.alignment * Self.alignment, Self.alignment)
        if length > chunkSize / 4 { return try CodeMemory(bytes: code) }
        if let refusal = CodeMemory.simulatedRefusal {
            throw CodeMemoryError(
                reason: refusal, byteCount: length, errorNumber: refusal == .mapFailed ? ENOMEM : EACCES)
        }
        let chunk: CodeChunk
        if let c = current, c.size - c.used >= length {
            chunk = c
        } else {
            chunk = try CodeChunk(size: chunkSize)
            current = chunk
            chunks.removeAll { $0.chunk == nil }
            chunks.append(Weak(chunk: chunk))
        }
        let start = chunk.used
        let firstPage = start / pageSize * pageSize
        let endPage = (start + length + pageSize - 1) / pageSize * pageSize
        let pages = chunk.base + firstPage
        // Pages shared with earlier blocks are read-write only while this
        // block is copied in; their code does not run meanwhile (one thread).
        guard mprotect(pages, endPage - firstPage, PROT_READ | PROT_WRITE) == 0 else {
            throw CodeMemoryError(reason: .protectFailed, byteCount: endPage - firstPage, errorNumber: errno)
        }
        (chunk.base + start).copy(from: code)
        guard mprotect(pages, endPage - firstPage, PROT_READ | PROT_EXEC) == 0 else {
            let error = errno
            // Leave nothing writable behind (earlier blocks on these pages
            // are lost too, but the host just refused what it allowed before)
            // and place nothing more in this chunk.
            mprotect(pages, endPage - firstPage, PROT_NONE)
            current = nil
            throw CodeMemoryError(reason: .protectFailed, byteCount: endPage - firstPage, errorNumber: error)
        }
        chunk.used = start + length
        return CodeMemory(base: UnsafeRawPointer(chunk.base + start), count: code.count, chunk: chunk)
    }
}
