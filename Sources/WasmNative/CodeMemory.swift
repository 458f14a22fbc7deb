// Executable memory that is never writable and executable at once: pages
// are mapped read-write, filled, then switched to read-execute before any
// code in them runs; they are unmapped when the owner goes away.

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
            "cannot make \(byteCount) bytes of native code executable (errno \(errorNumber)); the host forbids JIT code, use the interpreter engine"
        }
    }
}

/// A block of machine code, mapped read-execute; unmapped on deinit.
package final class CodeMemory: @unchecked Sendable {
    /// The first byte of the code.
    package let base: UnsafeRawPointer
    /// The size of the code in bytes.
    package let count: Int
    private let mappedSize: Int

    /// Copies `code` into fresh pages and makes them executable (and no longer writable).
    package init(_ code: [UInt8]) throws(CodeMemoryError) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = max((code.count + page - 1) / page * page, page)
        guard
            let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            p != MAP_FAILED
        else { throw CodeMemoryError(reason: .mapFailed, byteCount: size, errorNumber: errno) }
        code.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        guard mprotect(p, size, PROT_READ | PROT_EXEC) == 0 else {
            let error = errno
            munmap(p, size)
            throw CodeMemoryError(reason: .protectFailed, byteCount: size, errorNumber: error)
        }
        base = UnsafeRawPointer(p)
        count = code.count
        mappedSize = size
    }

    /// The address of the code at byte `offset`.
    package func address(_ offset: Int) -> UnsafeRawPointer { base + offset }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedSize) }
}
