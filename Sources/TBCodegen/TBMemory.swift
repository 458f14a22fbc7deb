/// A view of the linear memory a TB runs on, as the reference interpreter
/// sees it: a raw buffer with bounds-checked little-endian loads and stores.
///
/// The buffer is borrowed, not owned: it can be the very linear memory the
/// Wasm engine uses, so both engines work on one memory image.
public struct TBMemory: @unchecked Sendable {
    // @unchecked: it only holds a pointer and a size; the caller owns the memory and its sharing.
    /// The first byte of memory.
    public let base: UnsafeMutableRawPointer
    /// The memory's size in bytes.
    public let byteCount: Int
    /// Whether addresses are wrapped to 32 bits before use, as the emitter's
    /// 32-bit-address variant does with `i32.wrap_i64`.
    public var wrapsAddressesTo32Bits: Bool

    /// Wraps a buffer.
    ///
    /// - Parameters:
    ///   - buffer: the memory; it must outlive every use of this value.
    ///   - wrapsAddressesTo32Bits: mirror the emitter's 32-bit-address variant.
    public init(_ buffer: UnsafeMutableRawBufferPointer, wrapsAddressesTo32Bits: Bool = false) {
        // A zero-length buffer may have a nil base; any access to it is out of bounds anyway.
        self.base = buffer.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 0x10)!
        self.byteCount = buffer.count
        self.wrapsAddressesTo32Bits = wrapsAddressesTo32Bits
    }

    /// The Wasm effective address: the (wrapped) dynamic address plus the static
    /// offset, without wrap-around, checked against the memory's size.
    @inline(__always)
    func effective(_ address: UInt64, _ offset: UInt64, _ size: Int) throws(TBTrap) -> Int {
        let a = wrapsAddressesTo32Bits ? address & 0xFFFF_FFFF : address
        let (ea, overflow) = a.addingReportingOverflow(offset)
        guard !overflow, ea <= UInt64(byteCount), UInt64(byteCount) - ea >= UInt64(size) else {
            throw TBTrap(address: a, offset: offset, byteCount: size)
        }
        return Int(ea)
    }

    /// Loads `access.byteCount` bytes at `address + offset` (Wasm addressing:
    /// the address is wrapped first for 32-bit addressing, the sum never wraps),
    /// extended to 64 bits.
    /// - Throws: ``TBTrap`` if the access is outside the memory.
    @inline(__always)
    public func load(_ access: TBMemAccess, at address: UInt64, offset: UInt64 = 0) throws(TBTrap) -> UInt64 {
        let i = try effective(address, offset, access.byteCount)
        let p = base + i
        switch access {
        case .u8: return UInt64(p.load(as: UInt8.self))
        case .s8: return UInt64(bitPattern: Int64(p.load(as: Int8.self)))
        case .u16: return UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case .s16: return UInt64(bitPattern: Int64(Int16(littleEndian: p.loadUnaligned(as: Int16.self))))
        case .u32: return UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        case .s32: return UInt64(bitPattern: Int64(Int32(littleEndian: p.loadUnaligned(as: Int32.self))))
        case .u64: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        }
    }

    /// Stores the low `access.byteCount` bytes of `value` at `address + offset` (Wasm addressing).
    /// - Throws: ``TBTrap`` if the access is outside the memory.
    @inline(__always)
    public func store(
        _ access: TBMemAccess, _ value: UInt64, at address: UInt64, offset: UInt64 = 0
    ) throws(TBTrap) {
        let i = try effective(address, offset, access.byteCount)
        let p = base + i
        switch access.byteCount {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, as: UInt32.self)
        default: p.storeBytes(of: value.littleEndian, as: UInt64.self)
        }
    }
}

/// An out-of-bounds memory access: the interpreter's counterpart of a Wasm
/// memory trap.
public struct TBTrap: Error, Sendable, Hashable, CustomStringConvertible {
    /// The dynamic address (wrapped, for 32-bit addressing).
    public var address: UInt64
    /// The static offset added to it.
    public var offset: UInt64
    /// The access size in bytes.
    public var byteCount: Int

    /// Creates a trap record.
    public init(address: UInt64, offset: UInt64 = 0, byteCount: Int) {
        self.address = address
        self.offset = offset
        self.byteCount = byteCount
    }

    /// The access and its address, in words.
    public var description: String {
        "out-of-bounds memory access of \(byteCount) bytes at 0x\(String(address, radix: 16))+\(offset)"
    }
}
