/// An Asyncify data buffer seen as a LIFO stack of frames: the stack area
/// `[start, end)` and the current `position` (the buffer header's first field).
///
/// Mirrors the `asyncify_data_t` header Binaryen's instrumentation reads
/// (position at +0, end at +4 on wasm32 / +8 on wasm64). The memory is not
/// owned: a fiber's record or the host says where it lives. Every push checks
/// capacity first, so a full buffer never gets a byte written past `end`.
@frozen @usableFromInline
package struct AsyncifyDataStack {
    /// The first byte of the stack area: the position after a complete rewind.
    @usableFromInline package var start: UnsafeMutableRawPointer
    /// Where the next frame will be written.
    @usableFromInline package var position: UnsafeMutableRawPointer
    /// One past the last usable byte.
    @usableFromInline package var end: UnsafeMutableRawPointer

    /// A stack over `area`, empty.
    ///
    /// - Parameter area: The memory frames are written into. An empty area
    ///   accepts no frame.
    @inlinable
    package init(area: UnsafeMutableRawBufferPointer) {
        // An empty area is never written; its address only takes part in the
        // capacity tests, which assume no stack starts in the lowest page.
        let base =
            area.count > 0
            ? area.baseAddress.unsafelyUnwrapped
            : UnsafeMutableRawPointer(bitPattern: AsyncifyDataStack.smallLimit)!
        start = base
        position = base
        end = base + area.count
    }

    /// Bytes in use.
    @inlinable
    package var bytesUsed: Int { position - start }

    /// Bytes still free.
    @inlinable
    package var bytesFree: Int { end - position }

    /// Reserves `byteCount` bytes at the top and returns their address, or `nil`
    /// (leaving the stack unchanged) when they do not fit.
    ///
    /// - Parameter byteCount: The bytes to reserve.
    /// - Returns: The address of the reserved bytes.
    @inlinable @inline(__always)
    package mutating func push(byteCount: Int) -> UnsafeMutableRawPointer? {
        let at = position
        if AsyncifyDataStack.isSmall(byteCount) {
            // `at + byteCount` cannot wrap: nothing is mapped that close to the top.
            guard at + byteCount <= end else { return nil }
        } else {
            guard byteCount >= 0, end - at >= byteCount else { return nil }
        }
        position = at + byteCount
        return at
    }

    /// Releases the top `byteCount` bytes and returns their address, or `nil`
    /// (leaving the stack unchanged) when fewer are in use.
    ///
    /// - Parameter byteCount: The bytes to release.
    /// - Returns: The address of the released bytes (still readable).
    @inlinable @inline(__always)
    package mutating func pop(byteCount: Int) -> UnsafeMutableRawPointer? {
        if AsyncifyDataStack.isSmall(byteCount) {
            // `position - byteCount` cannot wrap: no stack lies in the lowest page.
            guard position - byteCount >= start else { return nil }
        } else {
            guard byteCount >= 0, position - start >= byteCount else { return nil }
        }
        position -= byteCount
        return position
    }

    /// The size up to which ``push(byteCount:)`` and ``pop(byteCount:)`` use the
    /// short test (new position against the limit): one page, which no 64-bit
    /// platform maps at either end of the address space.
    @inlinable
    static var smallLimit: UInt { 4096 }

    /// Whether `byteCount` may use the short capacity test. A frame's size is a
    /// constant, so this folds away. On 32-bit platforms (wasm32 has memory at
    /// address 0) every count takes the full test.
    @inlinable @inline(__always)
    static func isSmall(_ byteCount: Int) -> Bool {
        #if _pointerBitWidth(_64)
            return byteCount >= 0 && UInt(byteCount) <= smallLimit
        #else
            return false
        #endif
    }
}
