/// The guest's physical memory: one zero-initialised byte buffer covering guest
/// addresses `baseAddress ..< baseAddress + size`.
///
/// The layout built by ``init(image:hartCount:stackSize:)`` is the program's
/// segments (from the lowest page to the highest) followed by one stack per
/// hart; hart `k`'s stack ends at ``stackTop(hart:)``. Accesses outside the
/// buffer are the caller's to reject (see ``contains(_:size:)``); the
/// interpreters turn them into ``GuestFault/memoryAccess(address:size:kind:pc:hart:)``.
public final class GuestMemory {
    /// Guest address of the first byte.
    public let baseAddress: UInt64
    /// Number of bytes.
    public let size: Int
    /// Bytes reserved for each hart's stack.
    public let stackSize: Int
    /// Number of harts the stacks were laid out for.
    public let hartCount: Int
    /// The bytes. Valid for the object's lifetime.
    public let bytes: UnsafeMutableRawPointer
    /// False for a view of memory someone else owns (see ``init(viewing:of:)``).
    private let ownsAllocation: Bool

    /// By default at most this much guest memory is allocated (1 GiB).
    public static let maximumSize: UInt64 = 1 << 30
    /// At most this many harts.
    public static let maximumHarts = 64
    static let pageSize: UInt64 = 4096

    /// Lays out and fills guest memory for `image`: copies each segment's file
    /// contents, leaves the rest (`.bss`, stacks) zero.
    /// - Parameter sizeLimit: the most guest memory to allocate (default ``maximumSize``).
    /// - Throws: ``MachineSetupError`` if the layout would exceed `sizeLimit`.
    public init(
        image: ELFImage, hartCount: Int, stackSize: Int = 256 * 1024, sizeLimit: UInt64 = maximumSize
    ) throws(MachineSetupError) {
        guard hartCount >= 1, hartCount <= Self.maximumHarts else { throw .badHartCount(hartCount) }
        let low = image.segments.map(\.virtualAddress).min()! & ~(Self.pageSize - 1)
        let high = image.segments.map(\.endAddress).max()!
        let stacks = UInt64(hartCount) * UInt64(max(stackSize, 4096))
        let imageSpan = (high - low + Self.pageSize - 1) & ~(Self.pageSize - 1)
        guard imageSpan <= sizeLimit, imageSpan + stacks <= sizeLimit else {
            throw .imageTooLarge(bytes: imageSpan &+ stacks, limit: sizeLimit)
        }
        baseAddress = low
        size = Int(imageSpan + stacks)
        self.stackSize = max(stackSize, 4096)
        self.hartCount = hartCount
        ownsAllocation = true
        bytes = .allocate(byteCount: size, alignment: 4096)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        for segment in image.segments {
            let offset = Int(segment.virtualAddress - low)
            segment.contents.withUnsafeBytes { source in
                if let from = source.baseAddress {
                    (bytes + offset).copyMemory(from: from, byteCount: source.count)
                }
            }
        }
    }

    /// The same layout as `other`, over `bytes` owned by someone else (a TB
    /// runtime's linear memory), which must hold `other.size` bytes and
    /// outlive this object. The bytes are not copied or cleared.
    init(viewing bytes: UnsafeMutableRawPointer, of other: GuestMemory) {
        baseAddress = other.baseAddress
        size = other.size
        stackSize = other.stackSize
        hartCount = other.hartCount
        ownsAllocation = false
        self.bytes = bytes
    }

    deinit { if ownsAllocation { bytes.deallocate() } }

    /// Guest address one past the top of hart `hart`'s stack (16-byte aligned).
    public func stackTop(hart: Int) -> UInt64 {
        baseAddress + UInt64(size) - UInt64(hart) * UInt64(stackSize)
    }

    /// Whether `size` bytes at guest `address` all lie in guest memory.
    @inline(__always)
    public func contains(_ address: UInt64, size: Int) -> Bool {
        let offset = address &- baseAddress
        return offset < UInt64(self.size) && UInt64(self.size) - offset >= UInt64(size)
    }

    /// Copies `count` bytes starting at guest `address`, or nil if any is outside.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, contains(address, size: count) else { return nil }
        let start = bytes + Int(address - baseAddress)
        return Array(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The little-endian 64-bit value at guest `address`, or nil if outside.
    public func load64(_ address: UInt64) -> UInt64? {
        guard contains(address, size: 8) else { return nil }
        return UInt64(
            littleEndian: bytes.loadUnaligned(fromByteOffset: Int(address - baseAddress), as: UInt64.self))
    }
}
