/// An Asyncify data buffer seen as a LIFO stack of frames: the stack area
/// `[start, end)` and the current `position` (the buffer header's first field).
///
/// Mirrors the `asyncify_data_t` header Binaryen's instrumentation reads
/// (position at +0, end at +4 on wasm32 / +8 on wasm64). The memory is not
/// owned: a fiber's record or the host says where it lives. Every push checks
/// capacity first, so a full buffer never gets a byte written past `end`.
@frozen
public struct AsyncifyDataStack {
    /// The first byte of the stack area: the position after a complete rewind.
    public var start: UnsafeMutableRawPointer
    /// Where the next frame will be written.
    public var position: UnsafeMutableRawPointer
    /// One past the last usable byte.
    public var end: UnsafeMutableRawPointer

    /// A stack over `area`, empty.
    ///
    /// - Parameter area: The memory frames are written into. Must be non-empty.
    @inlinable
    public init(area: UnsafeMutableRawBufferPointer) {
        let base = area.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 16)!
        start = base
        position = base
        end = base + area.count
    }

    /// Bytes in use.
    @inlinable
    public var bytesUsed: Int { position - start }

    /// Bytes still free.
    @inlinable
    public var bytesFree: Int { end - position }

    /// Reserves `byteCount` bytes at the top and returns their address, or `nil`
    /// (leaving the stack unchanged) when they do not fit.
    ///
    /// - Parameter byteCount: The bytes to reserve.
    /// - Returns: The address of the reserved bytes.
    @inlinable @inline(__always)
    public mutating func push(byteCount: Int) -> UnsafeMutableRawPointer? {
        let at = position
        guard end - at >= byteCount else { return nil }
        position = at + byteCount
        return at
    }

    /// Releases the top `byteCount` bytes and returns their address, or `nil`
    /// (leaving the stack unchanged) when fewer are in use.
    ///
    /// - Parameter byteCount: The bytes to release.
    /// - Returns: The address of the released bytes (still readable).
    @inlinable @inline(__always)
    public mutating func pop(byteCount: Int) -> UnsafeMutableRawPointer? {
        guard position - start >= byteCount else { return nil }
        position -= byteCount
        return position
    }
}
