// Always-inlined helpers for the interpreter loop. The loop is one very large
// function, too large for the optimizer's inliner: library accessors it calls
// directly (`Float.bitPattern`, `storeBytes(of:as:)`) stay out-of-line calls.
// Wrapped in small non-generic functions, they are inlined there, and
// `@inline(__always)` puts the result in the loop.

extension Numerics {
    /// The bits of `x`.
    @inline(__always)
    static func bits(_ x: Float) -> UInt32 { x.bitPattern }

    /// The bits of `x`.
    @inline(__always)
    static func bits(_ x: Double) -> UInt64 { x.bitPattern }
}

extension UnsafeMutableRawPointer {
    /// Stores one byte here.
    @inline(__always)
    func store(_ value: UInt8) { storeBytes(of: value, as: UInt8.self) }

    /// Stores two bytes here (any alignment).
    @inline(__always)
    func store(_ value: UInt16) { storeBytes(of: value, as: UInt16.self) }

    /// Stores four bytes here (any alignment).
    @inline(__always)
    func store(_ value: UInt32) { storeBytes(of: value, as: UInt32.self) }

    /// Stores eight bytes here (any alignment).
    @inline(__always)
    func store(_ value: UInt64) { storeBytes(of: value, as: UInt64.self) }
}
